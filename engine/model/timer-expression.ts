/** ISO 8601 timer expressions of BPMN timer events: durations, dates and repeating cycles. */

const DURATION =
  /^(-)?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const MS = {
  year: 365 * 86_400_000,
  month: 30 * 86_400_000,
  week: 7 * 86_400_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
};

/** Milliseconds of an ISO 8601 duration (`PT5M`, `P3D`, `P1W`); years and months count 365 and 30 days. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return null;
  const n = (i: number): number => (match[i] ? Number(match[i].replace(',', '.')) : 0);
  const ms =
    n(2) * MS.year +
    n(3) * MS.month +
    n(4) * MS.week +
    n(5) * MS.day +
    n(6) * MS.hour +
    n(7) * MS.minute +
    n(8) * MS.second;
  return match[1] ? -ms : Math.round(ms);
}

/** Epoch ms of an ISO 8601 date-time; a date-time without zone is read in UTC+08:00 (China). */
export function parseDate(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return null;
  const zoned =
    /([zZ]|[+-]\d{2}:?\d{2})$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}+08:00`;
  const ms = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00+08:00` : zoned);
  return Number.isNaN(ms) ? null : ms;
}

export interface Cycle {
  repetitions: number | null;
  startAt: number | null;
  intervalMs: number;
}

/** `R3/PT1H`, `R/PT10M`, `R2/2026-01-01T09:00:00Z/P1D`. */
export function parseCycle(text: string): Cycle | null {
  const parts = text.trim().split('/');
  if (parts.length < 2 || !/^R\d*$/.test(parts[0])) return null;
  const repetitions = parts[0].length > 1 ? Number(parts[0].slice(1)) : null;
  if (repetitions === 0) return null; // R0: no repetition, nothing ever fires
  const start = parts.length === 3 ? parseDate(parts[1]) : null;
  if (parts.length === 3 && start === null) return null;
  const intervalMs = parseDuration(parts[parts.length - 1]);
  if (intervalMs === null || intervalMs <= 0) return null;
  return { repetitions, startAt: start, intervalMs };
}

/** Why a timer expression cannot be read, or null when it can. */
export function timerExpressionError(kind: 'duration' | 'date' | 'cycle', text: string): string | null {
  if (text.trim().startsWith('=')) return null; // FEEL: checked when evaluated
  const ok =
    kind === 'duration'
      ? parseDuration(text) !== null
      : kind === 'date'
        ? parseDate(text) !== null
        : parseCycle(text) !== null;
  if (ok) return null;
  if (kind === 'cycle' && /^R0+\//.test(text.trim()))
    return `'${text}' repeats zero times, so the timer would never fire: write R1 or more repetitions (R3/PT1H), R/… for no limit, or remove the timer`;
  const example =
    kind === 'duration' ? 'PT30M or P3D' : kind === 'date' ? '2026-03-01T09:00:00+08:00' : 'R3/PT1H';
  return `'${text}' is not an ISO 8601 ${kind}: write it like ${example}`;
}
