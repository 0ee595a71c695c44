// What a node remembers of a case (server/cases/case-cache.ts) against what the database holds: at the same
// revision they must be the same case — the snapshot compared strictly (Infinity is not null, -0 is not 0, an
// undefined member is not an absent one), the row, the steps and the tasks. buildTestApp runs this after every
// command answered over HTTP, so every API test checks that a node never decides on a case the database does
// not hold.
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { CaseState } from '../../server/cases/case-cache.js';
import type { CaseService } from '../../server/cases/case-service.js';

/** A case state in plain comparable form: bigint columns as numbers, times as epoch ms, maps as sorted lists. */
function comparable(state: CaseState) {
  const r = state.row;
  const byId = <T extends { id: string }>(rows: Iterable<T>) =>
    [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    row: {
      id: r.id,
      definition_id: r.definition_id,
      process_key: r.process_key,
      version: r.version,
      business_key: r.business_key,
      channel: r.channel,
      materials: r.materials,
      revision: r.revision,
      audit_seq: r.audit_seq,
      audit_hash: r.audit_hash,
      started_at: r.started_at.getTime(),
      status: r.status,
      ended_at: r.ended_at?.getTime() ?? null,
      trips: r.trips,
      corrected: r.corrected,
      working_ms: r.working_ms === null ? null : Number(r.working_ms),
    },
    snapshot: r.snapshot,
    steps: byId(state.steps.values()).map((s) => ({
      ...s,
      working_ms: s.working_ms === null ? null : Number(s.working_ms),
    })),
    tasks: byId(state.tasks.values()),
  };
}

/** The first path at which two values differ, strictly. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const x = (a as Record<string, unknown>)[key];
      const y = (b as Record<string, unknown>)[key];
      if (!(key in a) || !(key in b))
        return `${path}.${key}: ${key in a ? 'only in memory' : 'only in the database'}`;
      const found = firstDifference(x, y, `${path}.${key}`);
      if (found) return found;
    }
  }
  const show = (v: unknown) =>
    typeof v === 'number' ? String(v === 0 && 1 / v < 0 ? '-0' : v) : JSON.stringify(v);
  return `${path}: ${show(a)} in memory, ${show(b)} in the database`;
}

export type CacheCheck = 'same' | 'not remembered' | 'moved on' | { difference: string };

/** Compares the node's memory of a case with the database. */
export async function checkRemembered(service: CaseService, caseId: string): Promise<CacheCheck> {
  const { remembered, stored } = await service.rememberedAndStored(caseId);
  if (!remembered) return 'not remembered';
  if (!stored) return { difference: 'the node remembers a case the database does not hold' };
  // another command on the case landed between the two reads: nothing to compare at one revision
  if (remembered.row.revision !== stored.row.revision) return 'moved on';
  const difference = firstDifference(comparable(remembered), comparable(stored), `case ${caseId}`);
  return difference ? { difference } : 'same';
}

/**
 * After every command answered with a case (any request but a GET, 2xx, whose body is a case view or a minimal
 * answer), compares the
 * node's memory of that case with the database; a difference fails the request with a 500 naming it.
 */
export function watchRemembered(
  app: FastifyInstance,
  service: CaseService,
): { compared: number; movedOn: number } {
  const counts = { compared: 0, movedOn: 0 };
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || reply.statusCode >= 300 || typeof payload !== 'string') return payload;
    // a case view, or the minimal answer under `Prefer: return=minimal` (server/routes/prefer.ts)
    const aCase =
      payload.includes('"timeline"') || reply.getHeader('preference-applied') === 'return=minimal';
    const id = aCase ? (JSON.parse(payload) as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return payload;
    const check = await checkRemembered(service, id);
    if (typeof check === 'object')
      throw new Error(
        `${request.method} ${request.url}: the node's memory differs from the database: ${check.difference}`,
      );
    if (check === 'same') counts.compared++;
    if (check === 'moved on') counts.movedOn++;
    return payload;
  });
  return counts;
}
