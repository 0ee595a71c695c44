/** SQL on the definition_versions table: deployed versions of process definitions. */

import { sql } from 'kysely';
import { SEMANTIC_FORM_VERSION } from '../../engine/index.js';
import type { Executor, RowOf } from './executor.js';

export type DefinitionVersionRow = RowOf<'definition_versions'>;
type VersionHead = Pick<DefinitionVersionRow, 'id' | 'version' | 'name' | 'deployed_at'>;

/** Every version's id, key, number, name and deployment time, by key then version. */
export async function listVersions(
  db: Executor,
): Promise<Pick<DefinitionVersionRow, 'id' | 'key' | 'version' | 'name' | 'deployed_at'>[]> {
  return db
    .selectFrom('definition_versions')
    .select(['id', 'key', 'version', 'name', 'deployed_at'])
    .orderBy('key')
    .orderBy('version')
    .execute();
}

/** The ids of every stored version. */
export async function allVersionIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('definition_versions').select('id').execute();
  return rows.map((r) => r.id);
}

/** One version, whole. */
export async function findVersion(
  db: Executor,
  key: string,
  version: number,
): Promise<DefinitionVersionRow | undefined> {
  return db
    .selectFrom('definition_versions')
    .selectAll()
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** The id of a version of a key (any version when `version` is not given), if one is deployed. */
export async function versionId(db: Executor, key: string, version?: number): Promise<string | undefined> {
  let query = db.selectFrom('definition_versions').select('id').where('key', '=', key);
  if (version !== undefined) query = query.where('version', '=', version);
  return (await query.executeTakeFirst())?.id;
}

/** The newest version's id of a key. */
export async function latestVersionId(db: Executor, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('definition_versions')
    .select('id')
    .where('key', '=', key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** A version's XML, to compile it. */
export async function storedXml(
  db: Executor,
  id: string,
): Promise<Pick<DefinitionVersionRow, 'id' | 'key' | 'xml' | 'version'> | undefined> {
  return db
    .selectFrom('definition_versions')
    .select(['id', 'key', 'xml', 'version'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The version of a key stored with exactly this XML hash. */
export async function versionWithHash(
  db: Executor,
  key: string,
  hash: string,
): Promise<VersionHead | undefined> {
  return db
    .selectFrom('definition_versions')
    .select(['id', 'version', 'name', 'deployed_at'])
    .where('key', '=', key)
    .where('hash', '=', hash)
    .executeTakeFirst();
}

/** The newest version of a key with this meaning (semantic hash). */
export async function versionWithMeaning(
  db: Executor,
  key: string,
  meaning: string,
): Promise<VersionHead | undefined> {
  return db
    .selectFrom('definition_versions')
    .select(['id', 'version', 'name', 'deployed_at'])
    .where('key', '=', key)
    .where('semantic_hash', '=', meaning)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The versions of a key whose semantic hash is missing or of an older semantic form. */
export async function versionsWithoutCurrentMeaning(
  db: Executor,
  key: string,
): Promise<Pick<DefinitionVersionRow, 'id' | 'xml' | 'version'>[]> {
  return db
    .selectFrom('definition_versions')
    .select(['id', 'xml', 'version'])
    .where('key', '=', key)
    .where((eb) =>
      eb.or([eb('semantic_hash', 'is', null), eb('semantic_hash', 'not like', `${SEMANTIC_FORM_VERSION}:%`)]),
    )
    .execute();
}

export async function setSemanticHash(db: Executor, id: string, semanticHash: string): Promise<void> {
  await db
    .updateTable('definition_versions')
    .set({ semantic_hash: semanticHash })
    .where('id', '=', id)
    .execute();
}

/** Replaces a version's stored diagram (same meaning, another form). */
export async function replaceDiagram(
  db: Executor,
  id: string,
  diagram: { xml: string; hash: string; warnings: unknown[] },
): Promise<void> {
  await db
    .updateTable('definition_versions')
    // the file sent is the diagram now: no other original to keep
    .set({
      xml: diagram.xml,
      hash: diagram.hash,
      warnings: JSON.stringify(diagram.warnings),
      original_xml: null,
    })
    .where('id', '=', id)
    .execute();
}

/** The highest version number of a key (0: none). */
export async function highestVersion(db: Executor, key: string): Promise<number> {
  const top = await db
    .selectFrom('definition_versions')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(top?.v ?? 0);
}

export async function insertVersion(
  db: Executor,
  row: Omit<DefinitionVersionRow, 'static_metrics' | 'warnings'> & {
    static_metrics: object;
    warnings: unknown[];
  },
): Promise<void> {
  await db
    .insertInto('definition_versions')
    .values({
      ...row,
      static_metrics: JSON.stringify(row.static_metrics),
      warnings: JSON.stringify(row.warnings),
    })
    .execute();
}

export type PublicationRow = RowOf<'definition_publications'>;

/** Records an act of publishing (inside the caller's transaction, beside its system audit entry). */
export async function insertPublication(db: Executor, row: Omit<PublicationRow, 'seq'>): Promise<number> {
  const inserted = await db
    .insertInto('definition_publications')
    .values(row)
    .returning('seq')
    .executeTakeFirstOrThrow();
  return inserted.seq;
}

/**
 * Publications ordered so that the first of a key is the one in force at `at`: its latest publication effective by
 * then (by effective time, then order of publishing); when none is effective yet (a clock set before the key's
 * first publication, as a simulation's is), its first publication.
 */
const inForceOrder = (at: Date) => sql`(effective_at <= ${at}) DESC,
  CASE WHEN effective_at <= ${at} THEN effective_at END DESC NULLS LAST, effective_at ASC, seq DESC`;

/** The version of a key in force at `at` (undefined: the key was never published). */
export async function versionInForce(db: Executor, key: string, at: Date): Promise<number | undefined> {
  const { rows } = await sql<{ version: number }>`
    SELECT version FROM definition_publications WHERE key = ${key}
    ORDER BY ${inForceOrder(at)} LIMIT 1`.execute(db);
  return rows[0]?.version;
}

/** The id of a key's version in force at `at`, in one round trip (undefined: the key was never published). */
export async function versionIdInForce(db: Executor, key: string, at: Date): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM definition_versions
    WHERE key = ${key} AND version = (
      SELECT version FROM definition_publications WHERE key = ${key}
      ORDER BY ${inForceOrder(at)} LIMIT 1)`.execute(db);
  return rows[0]?.id;
}

/** The ids of the version in force of every key at `at` (the ones a message or signal start event starts). */
export async function versionIdsInForce(db: Executor, at: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT DISTINCT ON (p.key) v.id FROM definition_publications p
    JOIN definition_versions v ON v.key = p.key AND v.version = p.version
    ORDER BY p.key, ${inForceOrder(at)}`.execute(db);
  return rows.map((r) => r.id);
}

/** Every publication (of one key when given), oldest first. */
export async function publications(db: Executor, key?: string): Promise<PublicationRow[]> {
  let query = db.selectFrom('definition_publications').selectAll();
  if (key !== undefined) query = query.where('key', '=', key);
  return query.orderBy('seq').execute();
}

/** Whether the database has the publications (a schema from before migration 2026-12-08-publishing has not). */
export async function hasPublications(db: Executor): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    SELECT to_regclass('definition_publications') IS NOT NULL AS present`.execute(db);
  return rows[0]?.present === true;
}
