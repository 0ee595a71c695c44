/** Case durations of two versions binned alike, for a histogram: the same bins so that the bars compare. */
import { api } from '../../api/client.js';
import type { CaseSummary } from '../../api/types.js';

const MAX_PAGES = 10;

/** Working days of the completed cases of a version (up to 5000, newest first). */
export async function completedDurations(key: string, version: number): Promise<number[]> {
  const days: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      process: key,
      version: String(version),
      status: 'completed',
      limit: '500',
    });
    if (after) query.set('after', after);
    const result: { items: CaseSummary[]; next: string | null } = await api(`/api/cases?${query}`);
    for (const item of result.items) if (typeof item.workingDays === 'number') days.push(item.workingDays);
    after = result.next;
    if (!after) break;
  }
  return days;
}

export interface Histogram {
  /** Bin labels, e.g. "0–0.5". */
  bins: string[];
  counts: [number[], number[]];
}

const niceWidth = (span: number, bins: number): number => {
  const raw = span / bins;
  if (raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
};

export function histogram(before: number[], after: number[], maxBins = 12): Histogram {
  const max = Math.max(0, ...before, ...after);
  const width = niceWidth(max, maxBins);
  const count = Math.max(1, Math.floor(max / width) + 1);
  const fmt = (x: number) => String(Math.round(x * 100) / 100);
  const bins = Array.from({ length: count }, (_, i) => `${fmt(i * width)}–${fmt((i + 1) * width)}`);
  const tally = (values: number[]) => {
    const counts = new Array(count).fill(0);
    for (const v of values) counts[Math.min(count - 1, Math.floor(v / width))]++;
    return counts;
  };
  return { bins, counts: [tally(before), tally(after)] };
}
