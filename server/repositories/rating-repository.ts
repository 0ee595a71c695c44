/** SQL of 好差评: the ratings table, the steps a rating is credited to, default ratings and the loop's figures. */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

export type RatingRow = Omit<RowOf<'ratings'>, 'defaulted'> & { defaulted: boolean };

/** The status, department and handler (经办人) of each step of a case for an element, newest entry first. */
export async function stepsOfElement(
  db: Executor,
  caseId: string,
  elementId: string,
): Promise<
  (Pick<RowOf<'steps'>, 'status' | 'department'> & {
    handler_id: string | null;
    handler_name: string | null;
  })[]
> {
  return db
    .selectFrom('steps')
    .leftJoin('tasks', 'tasks.id', 'steps.id')
    .select([
      'steps.status',
      'steps.department',
      (eb) => eb.fn.coalesce('tasks.handler_id', 'steps.handler_id').as('handler_id'),
      (eb) => eb.fn.coalesce('tasks.handler_name', 'steps.handler_name').as('handler_name'),
    ])
    .where('steps.case_id', '=', caseId)
    .where('steps.element_id', '=', elementId)
    .orderBy('steps.entered_at', 'desc')
    .execute();
}

/** The department of a case's intake step: its first completed step that names one (by entry, then sequence). */
export async function intakeDepartment(db: Executor, caseId: string): Promise<string | null> {
  const intake = await db
    .selectFrom('steps')
    .select('department')
    .where('case_id', '=', caseId)
    .where('status', '=', 'completed')
    .where('department', 'is not', null)
    .orderBy('entered_at', 'asc')
    .orderBy('seq', 'asc')
    .limit(1)
    .executeTakeFirst();
  return intake?.department ?? null;
}

/** Inserts a rating unless the case is rated on that channel already; whether it was inserted. */
export async function insertRating(db: Executor, row: RatingRow): Promise<boolean> {
  const inserted = await db
    .insertInto('ratings')
    .values(row)
    .onConflict((oc) => oc.columns(['case_id', 'channel']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function setRectificationCase(db: Executor, ratingId: string, caseId: string): Promise<void> {
  await db.updateTable('ratings').set({ rectification_case_id: caseId }).where('id', '=', ratingId).execute();
}

export async function deleteRating(db: Executor, ratingId: string): Promise<void> {
  await db.deleteFrom('ratings').where('id', '=', ratingId).execute();
}

/** A case's ratings, oldest first. */
export async function ratingsOfCase(db: Executor, caseId: string): Promise<RatingRow[]> {
  return db.selectFrom('ratings').selectAll().where('case_id', '=', caseId).orderBy('rated_at').execute();
}

/**
 * Rates, with `level` on the `default` channel, every completed engine-run case that ended at or before
 * `cutoff` and has no rating (the rectification process's own cases excepted), credited to its intake step's
 * department; returns how many. Safe on several nodes at once.
 */
export async function insertDefaultRatings(
  db: Executor,
  args: { level: number; now: Date; cutoff: Date; rectificationKey: string },
): Promise<number> {
  const result = await sql<{ id: string }>`
    INSERT INTO ratings (id, case_id, channel, level, department, defaulted, rated_at)
    SELECT 'default:' || c.id, c.id, 'default', ${args.level}, (
             SELECT s.department FROM steps s
              WHERE s.case_id = c.id AND s.status = 'completed' AND s.department IS NOT NULL
              ORDER BY s.entered_at, s.seq LIMIT 1),
           true, ${args.now}
      FROM cases c
     WHERE c.status = 'completed' AND NOT c.imported AND c.ended_at <= ${args.cutoff} AND c.process_key <> ${args.rectificationKey}
       AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.case_id = c.id)
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(db);
  return result.rows.length;
}

/** The rating loop's counts of a version, per department of the rated step (grouping 0) and in total (1). */
export type RatingLoopRow = {
  department: string | null;
  grouping: number;
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

/**
 * Read off the rectification process's steps: `rectify` (整改) and `call_back` (回访), and its `appealUpheld`
 * variable; a rectification is on time within the rating's deadline in working days.
 */
export async function ratingLoopRows(
  db: Executor,
  key: string,
  version: number,
  msPerWorkingDay: number,
): Promise<RatingLoopRow[]> {
  const { rows } = await sql<RatingLoopRow>`
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
  return rows;
}
