/**
 * What the supervision view shows, computed from the cards the API lists (GET /api/warnings): open cards by
 * department and by process, their ageing, the cards raised per week, and the steps with the most cards. Pure.
 */
import type { WarningCard } from '../../api/types.js';

export interface LevelCount {
  name: string;
  yellow: number;
  red: number;
}

const DAY = 86_400_000;

/** Open cards counted per key (department, process…), most red first. */
export function countBy(cards: WarningCard[], key: (c: WarningCard) => string): LevelCount[] {
  const counts = new Map<string, LevelCount>();
  for (const card of cards) {
    const name = key(card);
    const row = counts.get(name) ?? { name, yellow: 0, red: 0 };
    row[card.level]++;
    counts.set(name, row);
  }
  return [...counts.values()].sort(
    (a, b) => b.red - a.red || b.yellow - a.yellow || a.name.localeCompare(b.name),
  );
}

/** The ageing buckets of open cards (calendar days since raised). */
export const AGE_BUCKETS = [
  { label: '< 1 day', upTo: 1 },
  { label: '1–3 days', upTo: 3 },
  { label: '3–7 days', upTo: 7 },
  { label: '> 7 days', upTo: Number.POSITIVE_INFINITY },
] as const;

export function ageing(cards: WarningCard[], now: number): LevelCount[] {
  const rows = AGE_BUCKETS.map((b) => ({ name: b.label, yellow: 0, red: 0 }));
  for (const card of cards) {
    const days = (now - Date.parse(card.raisedAt)) / DAY;
    const i = AGE_BUCKETS.findIndex((b) => days < b.upTo);
    rows[i][card.level]++;
  }
  return rows;
}

/** The Monday (UTC+8, the calendar's zone) of an instant's week, as YYYY-MM-DD. */
export function weekOf(iso: string): string {
  const local = new Date(Date.parse(iso) + 8 * 3_600_000);
  const weekday = (local.getUTCDay() + 6) % 7;
  return new Date(local.getTime() - weekday * DAY).toISOString().slice(0, 10);
}

/** Cards raised per week (open and cleared), oldest week first. */
export function weeklyTrend(cards: WarningCard[]): LevelCount[] {
  return countBy(cards, (c) => weekOf(c.raisedAt)).sort((a, b) => a.name.localeCompare(b.name));
}

/** The steps (process · element) with the most cards, red first; at most `limit`. */
export function worstSteps(cards: WarningCard[], limit = 10): LevelCount[] {
  return countBy(
    cards.filter((c) => c.subject === 'task'),
    (c) => `${c.processKey} v${c.version} · ${c.elementId}`,
  ).slice(0, limit);
}
