/**
 * Satisfaction and bad ratings of a version (API.md §4), from the `ratings` table once the ratings feature adds
 * it: the contract is a table `ratings` with `case_id` (a case's id) and `level` (1–5), and optionally a boolean
 * `defaulted` marking ratings given by default, which are left out. Until that table exists: null and 0.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface RatingFigures {
  satisfaction: number | null;
  badRatings: number;
  /** Ratings the figures were computed from; null when there is no ratings table. */
  ratings: number | null;
}

export async function ratingFigures(db: Db, key: string, version: number): Promise<RatingFigures> {
  const shape = await sql<{ present: boolean; defaulted: boolean }>`
    SELECT to_regclass('ratings') IS NOT NULL AS present,
           EXISTS (SELECT 1 FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'ratings' AND column_name = 'defaulted') AS defaulted`.execute(
    db,
  );
  const { present, defaulted } = shape.rows[0];
  if (!present) return { satisfaction: null, badRatings: 0, ratings: null };
  const real = defaulted ? sql`AND r.defaulted IS NOT TRUE` : sql``;
  const result = await sql<{ n: number | string; good: number | string; bad: number | string }>`
    SELECT count(*) AS n, count(*) FILTER (WHERE r.level >= 4) AS good, count(*) FILTER (WHERE r.level <= 2) AS bad
      FROM ratings r JOIN cases c ON c.id = r.case_id
     WHERE c.process_key = ${key} AND c.version = ${version} ${real}`.execute(db);
  const n = Number(result.rows[0].n);
  return {
    satisfaction: n === 0 ? null : Number(result.rows[0].good) / n,
    badRatings: Number(result.rows[0].bad),
    ratings: n,
  };
}
