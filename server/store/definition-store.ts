/** Deployed definitions: stored versions in the database, compiled ones cached in memory (they never change). */

import {
  type CompiledDefinition,
  calledInFile,
  compileUnit,
  type DefinitionSource,
  type Finding,
  type MessageFlow,
  messageStarts,
  type ProcessGraph,
  staticMetrics,
  unitSemanticHash,
} from '../../engine/index.js';
import { appendSystemEvent, lockSystemLog } from '../calendar/system-log.js';
import type { Db } from '../db/database.js';
import { sayNoVersion } from '../problem-text.js';
import { Problem } from '../problems.js';
import {
  type DefinitionVersionRow,
  findVersion,
  highestVersion,
  insertPublication,
  insertVersion,
  latestVersionId,
  listVersions,
  type PublicationRow,
  publications,
  replaceDiagram,
  setSemanticHash,
  storedXml,
  versionId,
  versionIdInForce,
  versionInForce,
  versionsWithoutCurrentMeaning,
  versionWithHash,
  versionWithMeaning,
} from '../repositories/definition-repository.js';
import type { Executor } from '../repositories/executor.js';
import { layOutIfMissing } from './auto-layout.js';
import { type PublicationState, publicationState, type VersionStatus } from './publishing.js';

/** The system audit entry of a publication. */
export const PUBLISHED_EVENT = 'definitionPublished';

/** One version in a process's summary. */
export interface VersionSummary {
  version: number;
  id: string;
  deployedAt: Date;
  name: string | null;
  status: VersionStatus;
  /** Published or retired: when it (last) took effect. */
  effectiveAt: Date | null;
  /** A publication of it takes effect later (生效时间 in the future). */
  scheduledAt: Date | null;
}

/** A process: its versions, each with its status, and the version in force. */
export interface DefinitionSummary {
  key: string;
  /** The newest version's name. */
  name: string | null;
  inForce: number | null;
  inForceSince: Date | null;
  versions: VersionSummary[];
}

/** What a publication did (the system audit entry's payload). */
export interface Publication {
  key: string;
  version: number;
  /** The version in force at `effectiveAt` before it (null: none). */
  from: number | null;
  effectiveAt: Date;
  publishedAt: Date;
  publishedBy: string | null;
  /** The system audit entry (null: nothing was done, the version was already in force). */
  systemSeq: number | null;
}

/** A unique key taken (another node stored the same version at the same moment). */
const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown }).code === '23505';

/** One process of a deployed file: its key and the version it has now. */
export interface DeployedProcess {
  created: boolean;
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: Date;
  /**
   * The deployment had the meaning of a stored version but another form (layout, defaults, element order,
   * prefixes, or other pools of the file changed): that version's stored diagram was replaced by this one, and
   * no version was made.
   */
  diagramUpdated: boolean;
  /** This deployment published the version (the first version of a key, or a deployment that publishes). */
  published?: boolean;
}

/**
 * A deployed file: the first executable process's figures at the top (as for a single-process file), every
 * executable process of the file in `processes` (a collaboration's pools, each its own key and version), and the
 * message flows between the pools.
 */
export interface DeployResult extends DeployedProcess {
  warnings: Finding[];
  /**
   * The file had no diagram interchange (layout) for its process: it was laid out automatically and the
   * laid-out XML is stored as the version's diagram (the meaning, and so the version, is unchanged).
   */
  diagramLaidOut: boolean;
  processes: DeployedProcess[];
  messageFlows: MessageFlow[];
}

export class DeploymentRefused extends Error {
  constructor(readonly findings: Finding[]) {
    super(
      `the definition cannot be deployed: ${findings.filter((f) => f.severity === 'error').length} error(s)`,
    );
  }
}

export class DefinitionStore implements DefinitionSource {
  private readonly compiled = new Map<string, CompiledDefinition>();
  private readonly latestByKey = new Map<string, CompiledDefinition>();

  constructor(private readonly db: Db) {}

  byId(id: string): CompiledDefinition | undefined {
    return this.compiled.get(id);
  }

  latest(key: string): CompiledDefinition | undefined {
    return this.latestByKey.get(key);
  }

  /**
   * `latest(key)` (what the engine calls for a call activity into another file) is the version in force as this
   * node last resolved it (loadInForce, before each case start), else the first one loaded.
   */
  private remember(definition: CompiledDefinition): void {
    this.compiled.set(definition.id, definition);
    if (!this.latestByKey.has(definition.key)) this.latestByKey.set(definition.key, definition);
  }

  /** Every stored version (id, key, number, name, deployment time), by key then version. */
  versions(): Promise<Pick<DefinitionVersionRow, 'id' | 'key' | 'version' | 'name' | 'deployed_at'>[]> {
    return listVersions(this.db);
  }

  /** A stored version as it is in the database (its XML, static metrics and warnings). */
  stored(key: string, version: number): Promise<DefinitionVersionRow | undefined> {
    return findVersion(this.db, key, version);
  }

  /** The id of a version of a key (of any version when none is given), if deployed. */
  idOf(key: string, version?: number): Promise<string | undefined> {
    return versionId(this.db, key, version);
  }

  /**
   * Loads (and caches) a stored version; other nodes may have deployed it. Its file may hold other processes (a
   * collaboration): the version of each one it calls is found by meaning (unitSemanticHash), which deploy gave it.
   */
  async load(id: string): Promise<CompiledDefinition | undefined> {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const row = await storedXml(this.db, id);
    if (!row) return undefined;
    const result = await compileUnit(row.xml, { stored: true });
    const own = result.ok ? result.definitions.find((d) => d.key === row.key) : undefined;
    if (!result.ok || !own)
      throw new Error(
        `stored definition ${id} no longer compiles: ${result.findings.map((f) => f.message).join('; ') || `its file holds no process '${row.key}'`}`,
      );
    const graphs = result.definitions.map((d) => d.graph);
    const unit: Record<string, string> = {};
    for (const callee of calledInFile(own.graph, graphs)) {
      const meaning = unitSemanticHash(callee, calledInFile(callee, graphs));
      const version = await versionWithMeaning(this.db, callee.key, meaning);
      if (version) unit[callee.key] = version.id;
    }
    const definition: CompiledDefinition = { ...own, id: row.id, version: row.version };
    if (Object.keys(unit).length > 0) definition.unit = unit;
    this.remember(definition);
    return definition;
  }

  /** Loads the newest stored version of a key, whatever its status (another node may have deployed a newer one). */
  async loadLatest(key: string): Promise<CompiledDefinition | undefined> {
    const id = await latestVersionId(this.db, key);
    return id ? this.load(id) : undefined;
  }

  /**
   * Loads the version of a key in force at `at` (the one a case started without a version runs; another node may
   * have published it), and makes it what `latest(key)` answers on this node.
   */
  async loadInForce(key: string, at: Date): Promise<CompiledDefinition | undefined> {
    const id = await versionIdInForce(this.db, key, at);
    const definition = id ? await this.load(id) : undefined;
    if (definition) this.latestByKey.set(key, definition);
    return definition;
  }

  /** Makes sure the definitions a case may call are loaded: at their version in force at `at`. */
  async prepareCallees(
    definition: CompiledDefinition,
    at: Date = new Date(),
    seen = new Set<string>(),
  ): Promise<void> {
    // the version deployed in the caller's file (CompiledDefinition.unit), else the key's version in force
    for (const node of Object.values(definition.graph.nodes)) {
      if (node.type !== 'callActivity' || !node.calledElement || seen.has(node.calledElement)) continue;
      seen.add(node.calledElement);
      const sameFile = definition.unit?.[node.calledElement];
      const callee = sameFile ? await this.load(sameFile) : await this.loadInForce(node.calledElement, at);
      if (callee) await this.prepareCallees(callee, at, seen);
    }
  }

  /** A process's versions with their status at `at`, and the version in force (undefined: no such key). */
  async summary(key: string, at: Date): Promise<DefinitionSummary | undefined> {
    return (await this.summaries(at, key))[0];
  }

  /** Every process (or one) with its versions' status at `at`, by key. */
  async summaries(at: Date, key?: string): Promise<DefinitionSummary[]> {
    const [rows, published] = await Promise.all([listVersions(this.db), publications(this.db, key)]);
    const byKey = new Map<string, PublicationRow[]>();
    for (const p of published) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
    const out = new Map<string, DefinitionSummary>();
    const states = new Map<string, PublicationState>();
    for (const row of rows) {
      if (key !== undefined && row.key !== key) continue;
      let entry = out.get(row.key);
      let state = states.get(row.key);
      if (!state) {
        state = publicationState(byKey.get(row.key) ?? [], at);
        states.set(row.key, state);
      }
      if (!entry) {
        entry = {
          key: row.key,
          name: row.name,
          inForce: state.inForce,
          inForceSince: state.inForceSince,
          versions: [],
        };
        out.set(row.key, entry);
      }
      entry.name = row.name; // the newest version's name
      const own = state.byVersion.get(row.version);
      entry.versions.push({
        version: row.version,
        id: row.id,
        deployedAt: row.deployed_at,
        name: row.name,
        status: own?.status ?? 'draft',
        effectiveAt: own?.effectiveAt ?? null,
        scheduledAt: own?.scheduledAt ?? null,
      });
    }
    return [...out.values()];
  }

  /**
   * Publishes a version (发布): new cases of its key start on it from `effectiveAt` (a time not after `now` means
   * now: a publication never takes effect in the past, which would change what earlier starts should have run).
   * The version in force before it is retired for new cases; running cases stay on theirs. Rolling back is
   * publishing an older version. Recorded with a system audit entry (who, when, from which version to which) in
   * the same transaction. Publishing the version already in force, with no later effective time, does nothing.
   */
  async publish(
    key: string,
    version: number,
    options: { now: Date; effectiveAt?: Date; actor: string | null },
  ): Promise<Publication> {
    const { now, actor } = options;
    const effectiveAt =
      options.effectiveAt && options.effectiveAt.getTime() > now.getTime() ? options.effectiveAt : now;
    if (!(await findVersion(this.db, key, version))) {
      throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, version));
    }
    const publication = await this.db
      .transaction()
      .execute((trx) => appendOnce(trx, key, version, effectiveAt, now, actor));
    this.latestByKey.delete(key); // resolved again at the next start
    return publication;
  }

  /**
   * Deploys a file: every executable process of it (a collaboration's pools) as its own key. Each process keeps
   * its version when its meaning — with that of the processes of the file it calls — is unchanged, and gets a
   * new version otherwise. Refused whole (DeploymentRefused) when any process of the file cannot run.
   */
  async deploy(
    xml: string,
    now: Date,
    options: { actor?: string | null; publish?: boolean } = {},
  ): Promise<DeployResult> {
    const result = await compileUnit(xml);
    if (!result.ok) throw new DeploymentRefused(result.findings);
    const graphs = result.definitions.map((d) => d.graph);
    // a file without layout is stored laid out; its content hash stays the one of the file as sent, so that
    // deploying that file again finds its version by content
    const layout = await layOutIfMissing(xml, graphs);
    const warnings = result.findings.filter((f) => f.severity === 'warning');
    if (layout.notice) warnings.push(layout.notice);
    // all the file's processes or none: one transaction; one that met another node deploying the same key at
    // the same moment (a unique key taken) is rolled back whole and done again, reading what that node stored
    let processes: DeployedProcess[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        processes = await this.db.transaction().execute(async (trx) => {
          const deployed: DeployedProcess[] = [];
          for (const definition of result.definitions)
            deployed.push(
              await this.deployProcess(
                trx,
                layout.xml,
                result.hash,
                definition.graph,
                graphs,
                warnings,
                now,
                layout.laidOut ? xml : null,
              ),
            );
          // the first version of a key is published at once (a new process is usable without a second step);
          // another is a draft until published, unless the caller publishes what it deploys (the sample
          // processes) — in the same transaction as the versions
          for (const p of deployed)
            if (p.created && (p.version === 1 || options.publish)) {
              await appendOnce(trx, p.key, p.version, now, now, options.actor ?? null);
              p.published = true;
            }
          return deployed;
        });
        break;
      } catch (error) {
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
    for (const p of processes) if (p.published) this.latestByKey.delete(p.key); // resolved again at the next start
    const ids = new Map(processes.map((p) => [p.key, p.id]));
    result.definitions.forEach((definition, i) => {
      const callees = calledInFile(definition.graph, graphs);
      const deployed: CompiledDefinition = {
        ...definition,
        id: processes[i].id,
        version: processes[i].version,
      };
      if (callees.length > 0)
        deployed.unit = Object.fromEntries(callees.map((c) => [c.key, ids.get(c.key) ?? `${c.key}:0`]));
      this.remember(deployed);
    });
    return {
      ...processes[0],
      warnings,
      diagramLaidOut: layout.laidOut,
      processes,
      messageFlows: result.collaboration.messageFlows,
    };
  }

  /** One process of a deployed file: the version with its content or its meaning, else a new version. */
  private async deployProcess(
    db: Executor,
    xml: string,
    hash: string,
    graph: ProcessGraph,
    sameFile: ProcessGraph[],
    warnings: Finding[],
    now: Date,
    /** The file as sent when `xml` is it laid out at deploy; else null. */
    originalXml: string | null = null,
  ): Promise<DeployedProcess> {
    const laidOut = originalXml !== null;
    const key = graph.key;
    const meaning = unitSemanticHash(graph, calledInFile(graph, sameFile));
    const existing = await versionWithHash(db, key, hash);
    if (existing) {
      return {
        created: false,
        id: existing.id,
        key,
        version: existing.version,
        name: existing.name,
        deployedAt: existing.deployed_at,
        diagramUpdated: false,
      };
    }
    await this.computeSemanticHashes(db, key);
    const same = await versionWithMeaning(db, key, meaning);
    if (same && laidOut) {
      // a file without layout of a version that has one: the stored diagram (maybe laid out by hand) stays
      return {
        created: false,
        id: same.id,
        key,
        version: same.version,
        name: same.name,
        deployedAt: same.deployed_at,
        diagramUpdated: false,
      };
    }
    if (same) {
      // same meaning, other form: the version keeps its number and its cases; its diagram becomes this one
      await replaceDiagram(db, same.id, { xml, hash, warnings });
      return {
        created: false,
        id: same.id,
        key,
        version: same.version,
        name: same.name,
        deployedAt: same.deployed_at,
        diagramUpdated: true,
      };
    }
    const version = (await highestVersion(db, key)) + 1;
    const id = `${key}:${version}`;
    // a called process of the same file first, else the key's latest
    const callees = (k: string) => sameFile.find((g) => g.key === k) ?? this.latestByKey.get(k)?.graph;
    await insertVersion(db, {
      id,
      key,
      version,
      name: graph.name,
      xml,
      original_xml: originalXml,
      hash,
      semantic_hash: meaning,
      // a message starts a process of the same file (its collaboration), measured with the master
      static_metrics: staticMetrics(graph, {
        resolveCalled: callees,
        resolveStarted: messageStarts(sameFile),
      }),
      warnings,
      deployed_at: now,
    });
    return { created: true, id, key, version, name: graph.name, deployedAt: now, diagramUpdated: false };
  }

  /**
   * Fills in the semantic hash of the key's versions stored before it existed (or under an older semantic
   * form), from their stored XML with the engine's current parser. A version that no longer compiles keeps
   * none and so is never taken for a new deployment.
   */
  private async computeSemanticHashes(db: Executor, key: string): Promise<void> {
    const rows = await versionsWithoutCurrentMeaning(db, key);
    for (const row of rows) {
      const compiled = await compileUnit(row.xml, { stored: true });
      if (!compiled.ok) continue;
      const graphs = compiled.definitions.map((d) => d.graph);
      const own = graphs.find((g) => g.key === key);
      if (own) await setSemanticHash(db, row.id, unitSemanticHash(own, calledInFile(own, graphs)));
    }
  }
}

/** Within a transaction: the publication's system audit entry and its row (or nothing, when already in force). */
async function appendOnce(
  trx: Executor,
  key: string,
  version: number,
  effectiveAt: Date,
  now: Date,
  actor: string | null,
): Promise<Publication> {
  // the system log's lock orders concurrent publications (two nodes publishing at once)
  await lockSystemLog(trx);
  const from = (await versionInForce(trx, key, effectiveAt)) ?? null;
  if (from === version && effectiveAt.getTime() === now.getTime())
    return { key, version, from, effectiveAt, publishedAt: now, publishedBy: actor, systemSeq: null };
  const event = await appendSystemEvent(trx, {
    type: PUBLISHED_EVENT,
    at: now,
    actor,
    payload: { key, version, from, effectiveAt: effectiveAt.toISOString() },
  });
  await insertPublication(trx, {
    key,
    version,
    effective_at: effectiveAt,
    published_at: now,
    published_by: actor,
    from_version: from,
    system_seq: event.seq,
  });
  return { key, version, from, effectiveAt, publishedAt: now, publishedBy: actor, systemSeq: event.seq };
}
