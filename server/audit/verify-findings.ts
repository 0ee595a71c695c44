/**
 * What the checks of one case share (server/audit/verify-case.ts): how a value is shown in a message, and where a
 * case's problems are collected, a field that differs from what the audit log says worded one way.
 */
import type { AuditRow, Problem } from './verify-case.js';

export const iso = (ms: number | null | undefined): string | null =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
export const isoOf = (d: Date | null): string | null => (d ? d.toISOString() : null);
export const num = (v: string | number | bigint | null): number | null => (v === null ? null : Number(v));
export const show = (v: unknown): string =>
  v === null || v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v);
export const obj = (v: unknown): Record<string, any> =>
  v && typeof v === 'object' ? (v as Record<string, any>) : {};

/** A field of a row that differs from what the audit log says, and what the row is (`what`: "step <id> (<element>)"). */
export type Difference = Omit<Problem, 'eventType' | 'message'> & { what: string };

/** Where a case's problems go: a problem as found, or a field that differs from what the audit log says. */
export interface Findings {
  problems: Problem[];
  typeOf: (seq: number | null) => string | null;
  differ: (p: Difference) => void;
}

export function findingsOf(audit: AuditRow[]): Findings {
  const problems: Problem[] = [];
  const typeOf = (seq: number | null) => (seq === null ? null : (audit[seq - 1]?.type ?? null));
  const differ = (p: Difference) => {
    const { what, ...rest } = p;
    const said = p.seq === null ? '' : ` (event ${p.seq} ${typeOf(p.seq)})`;
    problems.push({
      ...rest,
      eventType: typeOf(p.seq),
      message: `${what}: ${p.field} is ${show(p.actual)} in the ${p.table} table, but the audit log says ${show(p.expected)}${said}`,
    });
  };
  return { problems, typeOf, differ };
}
