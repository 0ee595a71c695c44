/**
 * How well the 好差评 loop works, per process version and per department: satisfaction, bad ratings, and what
 * became of each bad rating's rectification case (rectified, on time, called back, appeal upheld).
 * Read off the rectification process's steps: `rectify` (整改) and `call_back` (回访), and its `appealUpheld` variable.
 */
import { sql } from 'kysely';
import type { DepartmentRatings } from '../../engine/index.js';
import type { Db } from '../db/database.js';

/** `ratings` counts real ratings (defaulted ones are counted apart, never mixed in); `open`: rectifications under way. */
export type RatingLoopFigures = DepartmentRatings;

type Row = {
  department: string | null;
  ratings: number | string;
  good: number | string;
  bad: number | string;
  defaulted: number | string;
  rectified: number | string;
  on_time: number | string;
  called_back: number | string;
  upheld: number | string;
  open: number | string;
};

const toFigures = (r: Row): RatingLoopFigures => {
  const ratings = Number(r.ratings);
  return {
    department: r.department,
    ratings,
    satisfaction: ratings === 0 ? null : Number(r.good) / ratings,
    badRatings: Number(r.bad),
    defaulted: Number(r.defaulted),
    rectified: Number(r.rectified),
    rectifiedOnTime: Number(r.on_time),
    calledBack: Number(r.called_back),
    appealsUpheld: Number(r.upheld),
    open: Number(r.open),
  };
};

/** The loop's figures for one version, in total and per department of the rated step. */
export async function ratingLoopFigures(
  db: Db,
  key: string,
  version: number,
  msPerWorkingDay: number,
): Promise<{ total: RatingLoopFigures; departments: RatingLoopFigures[] }> {
  const rows = await sql<Row & { grouping: number }>`
    WITH loop AS (
      SELECT r.department, r.level, r.defaulted, r.deadline_days, rc.status AS rc_status,
             (rc.snapshot->'variables'->>'appealUpheld') = 'true' AS upheld,
             (SELECT s.working_ms FROM steps s WHERE s.case_id = rc.id AND s.element_id = 'rectify' AND s.status = 'completed'
               ORDER BY s.completed_at DESC LIMIT 1) AS rectify_ms,
             EXISTS (SELECT 1 FROM steps s WHERE s.case_id = rc.id AND s.element_id = 'call_back' AND s.status = 'completed') AS called_back
        FROM ratings r
        JOIN cases c ON c.id = r.case_id
        LEFT JOIN cases rc ON rc.id = r.rectification_case_id
       WHERE c.process_key = ${key} AND c.version = ${version})
    SELECT department, GROUPING(department) AS grouping,
           count(*) FILTER (WHERE NOT defaulted) AS ratings,
           count(*) FILTER (WHERE NOT defaulted AND level >= 4) AS good,
           count(*) FILTER (WHERE NOT defaulted AND level <= 2) AS bad,
           count(*) FILTER (WHERE defaulted) AS defaulted,
           count(*) FILTER (WHERE rectify_ms IS NOT NULL) AS rectified,
           count(*) FILTER (WHERE rectify_ms IS NOT NULL AND rectify_ms <= deadline_days * ${msPerWorkingDay}) AS on_time,
           count(*) FILTER (WHERE called_back) AS called_back,
           count(*) FILTER (WHERE upheld) AS upheld,
           count(*) FILTER (WHERE rc_status = 'active') AS open
      FROM loop
     GROUP BY ROLLUP (department)
     ORDER BY grouping DESC, department`.execute(db);
  const total = rows.rows.find((r) => Number(r.grouping) === 1);
  const empty: Row = {
    department: null,
    ratings: 0,
    good: 0,
    bad: 0,
    defaulted: 0,
    rectified: 0,
    on_time: 0,
    called_back: 0,
    upheld: 0,
    open: 0,
  };
  return {
    total: toFigures(total ?? empty),
    departments: rows.rows.filter((r) => Number(r.grouping) === 0).map(toFigures),
  };
}
