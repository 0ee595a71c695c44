/**
 * What a start is checked against besides the engine: its idempotency key (the same request again, or a 422),
 * its business key (one case per process: a 409 naming the case), its materials (those the process asks for).
 */
import type { CompiledDefinition } from '../../engine/index.js';
import { Problem } from '../problems.js';
import { caseOfIdempotencyKey, caseWithBusinessKey } from '../repositories/case-repository.js';
import type { Executor } from '../repositories/executor.js';
import { canonicalJson } from '../store/audit-log.js';
import type { StartInput } from './case-service.js';
import { BadRequest } from './errors.js';

/** The unique index that keeps a business key to one case per process (migration 007). */
export const BUSINESS_KEY_INDEX = 'cases_process_business_key';

export const isBusinessKeyConflict = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '23505' &&
  ((error as { constraint?: unknown }).constraint === BUSINESS_KEY_INDEX ||
    String((error as Error).message).includes(BUSINESS_KEY_INDEX));

/**
 * The id of the case an idempotency key started, or null. The key with another request — another process or version,
 * business key, channel, materials or start variables than that case started with — is a 422 naming the key.
 */
export async function caseOfSameStart(
  db: Executor,
  key: string,
  input: StartInput,
  label: string,
): Promise<string | null> {
  const known = await caseOfIdempotencyKey(db, key);
  if (!known) return null;
  const sorted = (list: string[] | null | undefined) => canonicalJson([...(list ?? [])].sort());
  const differs = [
    input.process !== known.process_key && 'process',
    input.version !== undefined && input.version !== known.version && 'version',
    (input.businessKey ?? null) !== known.business_key && 'businessKey',
    (input.channel ?? null) !== known.channel && 'channel',
    sorted(input.materials) !== sorted(known.materials) && 'materials',
    known.variables !== null &&
      canonicalJson(input.variables ?? {}) !== canonicalJson(known.variables) &&
      'variables',
  ].filter((d): d is string => typeof d === 'string');
  if (differs.length > 0) {
    const message = {
      zh: `幂等键“${label}”此前随另一个请求发送过（${differs.join('、')}不同；它已发起办件 ${known.case_id}）：发送相同的请求可再次得到该办件，新的申请请用新的键`,
      en: `Idempotency-Key '${label}' was sent before with another request (its ${differs.join(', ')} differ; it started case ${known.case_id}): send the same request to get that case again, or a new key for a new application`,
    };
    throw new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused with another request', message, [
      { field: 'headers.idempotency-key', message },
    ]);
  }
  return known.case_id;
}

/** The 409 for a start whose business key a case of the process already has (the unique index refused it). */
export async function businessKeyTaken(
  db: Executor,
  process: string,
  businessKey: string,
  cause: unknown,
): Promise<unknown> {
  const existing = await caseWithBusinessKey(db, process, businessKey);
  if (!existing) return cause;
  const message = {
    zh: `办件编号“${businessKey}”已被流程“${process}”的办件 ${existing} 使用：一个办件编号只对应一个办件；请查看该办件，或换一个编号`,
    en: `businessKey '${businessKey}' is already used by case ${existing} of process '${process}': a business key names one case of a process; look that case up, or send another key`,
  };
  return new Problem(409, 'business-key-taken', 'Business key already used', message, [
    { field: 'body.businessKey', message },
  ]);
}

/** A 400 naming each material the process does not ask for. */
export function checkMaterials(definition: CompiledDefinition, materials: readonly string[]): void {
  const known = new Set(Object.values(definition.graph.nodes).flatMap((n) => n.materials.map((m) => m.id)));
  const unknown = materials.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new BadRequest(
      {
        zh: `流程“${definition.key}”版本 ${definition.version} 不要求这些材料：${unknown.join('、')}`,
        en: `materials not asked for by '${definition.key}' version ${definition.version}: ${unknown.join(', ')}`,
      },
      unknown.map((m) => ({
        field: 'materials',
        message: { zh: `“${m}”不是此流程的材料`, en: `'${m}' is not a material of this process` },
      })),
    );
  }
}
