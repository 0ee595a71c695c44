/**
 * Audit verification of electronic supervision (电子监察): the cards stored in `warnings` against the case's
 * `warningRaised` events (server/scheduler/warning-scheduler.ts writes both in one transaction). Every event has
 * its row with the same card — level, subject, task, step, department, raise time and the limit it was raised
 * on — and every row has its event, so a card added, removed or edited outside the scheduler is found. A card's
 * `cleared_at` is not in the chain (the task's or case's end clears it) and is not compared.
 */
import type { Problem } from './verify-case.js';

/** The columns verify reads of a stored card. */
export interface WarningRow {
  id: string;
  case_id: string;
  subject: string;
  level: string;
  task_id: string | null;
  element_id: string;
  department: string | null;
  raised_at: Date;
  due_at: Date | null;
  limit_days: number;
  warn_at: number;
}

interface AuditLike {
  seq: number;
  type: string;
  payload: unknown;
}

const time = (v: Date | string | null | undefined): number | null =>
  v === null || v === undefined ? null : new Date(v).getTime();

/** The differences between a case's cards and its warningRaised events, each a problem naming the card. */
export function checkWarnings(audit: readonly AuditLike[], rows: readonly WarningRow[]): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const seen = new Set<string>();
  for (const a of audit) {
    if (a.type !== 'warningRaised') continue;
    const card = ((a.payload ?? {}) as { warning?: Record<string, unknown> }).warning ?? {};
    const id = String(card.id ?? '');
    const row = byId.get(id);
    const base = {
      seq: a.seq,
      eventType: a.type,
      kind: 'warning' as const,
      table: 'warnings' as const,
      rowId: id,
      elementId: String(card.elementId ?? ''),
    };
    if (!row) {
      problems.push({
        ...base,
        message: `card ${id} (${card.level} on ${card.elementId}) raised at event ${a.seq} has no row in the warnings table`,
      });
      continue;
    }
    seen.add(id);
    const fields: [string, unknown, unknown][] = [
      ['level', card.level, row.level],
      ['subject', card.subject, row.subject],
      ['task_id', card.taskId ?? null, row.task_id],
      ['element_id', card.elementId, row.element_id],
      ['department', card.department ?? null, row.department],
      ['raised_at', time(card.raisedAt as string), time(row.raised_at)],
      ['due_at', time(card.dueAt as string | null), time(row.due_at)],
      ['limit_days', card.limitDays, Number(row.limit_days)],
      ['warn_at', card.warnAt, Number(row.warn_at)],
    ];
    const differs = fields.find(([, expected, actual]) => expected !== actual);
    if (differs) {
      const [field, expected, actual] = differs;
      problems.push({
        ...base,
        field,
        expected,
        actual,
        message: `card ${id} (${card.level} on ${card.elementId}): ${field} is ${JSON.stringify(actual)} in the warnings table but ${JSON.stringify(expected)} in its warningRaised event ${a.seq}`,
      });
    }
  }
  for (const row of rows) {
    if (seen.has(row.id)) continue;
    problems.push({
      seq: null,
      eventType: null,
      kind: 'warning',
      table: 'warnings',
      rowId: row.id,
      elementId: row.element_id,
      message: `card ${row.id} (${row.level} on ${row.element_id}) is in the warnings table but no warningRaised event of the case's audit log raised it`,
    });
  }
  return problems;
}
