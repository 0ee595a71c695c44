/**
 * 好差评: records an applicant's rating of a case (一次一评 / 一事一评); a bad one (差评, level 1–2) starts a case of
 * the rectification process for the department that did the rated step (谁办理、谁负责); cases left unrated
 * get a default rating after some days, marked as defaulted and never mixed with real ones.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { BadRequest, type CaseService, NotFound } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import { Problem } from '../problems.js';

export const LEVEL_NAMES: Record<number, { zh: string; en: string }> = {
  5: { zh: '非常满意', en: 'very satisfied' },
  4: { zh: '满意', en: 'satisfied' },
  3: { zh: '基本满意', en: 'fairly satisfied' },
  2: { zh: '不满意', en: 'dissatisfied' },
  1: { zh: '非常不满意', en: 'very dissatisfied' },
};

export interface RatingInput {
  level: number;
  comment?: string;
  channel?: string;
  elementId?: string;
}

export interface RatingView {
  id: string;
  caseId: string;
  level: number;
  levelName: string;
  channel: string;
  comment: string | null;
  elementId: string | null;
  department: string | null;
  defaulted: boolean;
  ratedAt: string;
  deadlineDays: number | null;
  rectificationCaseId: string | null;
}

export interface RatingOptions {
  /** Key of the rectification process (受理-核实-整改-反馈-回访). */
  rectificationKey?: string;
  /** Working days a department has to rectify. */
  deadlineDays?: number;
  /** Department that handles a bad rating of a case with no departmental step (the service centre). */
  fallbackDepartment?: string;
  clock?: () => number;
  newId?: () => string;
}

type RatingRow = {
  id: string;
  case_id: string;
  channel: string;
  level: number;
  comment: string | null;
  element_id: string | null;
  department: string | null;
  defaulted: boolean;
  rated_at: Date;
  deadline_days: number | null;
  rectification_case_id: string | null;
};

export const ratingView = (r: RatingRow): RatingView => ({
  id: r.id,
  caseId: r.case_id,
  level: r.level,
  levelName: LEVEL_NAMES[r.level]?.zh ?? String(r.level),
  channel: r.channel,
  comment: r.comment,
  elementId: r.element_id,
  department: r.department,
  defaulted: r.defaulted,
  ratedAt: r.rated_at.toISOString(),
  deadlineDays: r.deadline_days,
  rectificationCaseId: r.rectification_case_id,
});

export class RatingService {
  readonly rectificationKey: string;
  readonly deadlineDays: number;
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly db: Db,
    private readonly cases: CaseService,
    private readonly options: RatingOptions = {},
  ) {
    this.rectificationKey = options.rectificationKey ?? 'rating_rectification';
    this.deadlineDays = options.deadlineDays ?? 5;
    this.clock = options.clock ?? (() => cases.now());
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * The department answerable for a rating (谁办理、谁负责): a rating of a step (`elementId`), the department that
   * did that step; a rating of the whole case, the department of the case's intake step — its first completed
   * step that names a department (by entry, then sequence). README: 好差评 — which department a rating counts for.
   */
  private async ratedDepartment(
    caseId: string,
    status: string,
    elementId: string | undefined,
  ): Promise<string | null> {
    if (elementId) {
      const steps = await this.db
        .selectFrom('steps')
        .select(['status', 'department'])
        .where('case_id', '=', caseId)
        .where('element_id', '=', elementId)
        .orderBy('entered_at', 'desc')
        .execute();
      if (steps.length === 0) {
        throw new BadRequest(`case '${caseId}' has no step '${elementId}'`, [
          { field: 'elementId', message: `'${elementId}' is not a step of this case` },
        ]);
      }
      const done = steps.find((s) => s.status === 'completed');
      if (!done)
        throw new Problem(
          409,
          'step-not-done',
          'The step is not done yet',
          `step '${elementId}' of case '${caseId}' is not completed: rate it once it is done`,
        );
      return done.department;
    }
    if (status !== 'completed') {
      throw new Problem(
        409,
        'case-not-completed',
        'The case is not completed',
        `case '${caseId}' is ${status}: until it is completed, rate one of its completed steps (give elementId)`,
      );
    }
    const intake = await this.db
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

  async rate(caseId: string, input: RatingInput, actor: string | null): Promise<RatingView> {
    const rated = await this.db
      .selectFrom('cases')
      .select(['id', 'status', 'process_key'])
      .where('id', '=', caseId)
      .executeTakeFirst();
    if (!rated) throw new NotFound(`case '${caseId}' does not exist`);
    const department = await this.ratedDepartment(caseId, rated.status, input.elementId);
    const bad = input.level <= 2;
    const row: RatingRow = {
      id: this.newId(),
      case_id: caseId,
      channel: input.channel ?? 'online',
      level: input.level,
      comment: input.comment ?? null,
      element_id: input.elementId ?? null,
      department,
      defaulted: false,
      rated_at: new Date(this.clock()),
      deadline_days: bad ? this.deadlineDays : null,
      rectification_case_id: null,
    };
    const inserted = await this.db
      .insertInto('ratings')
      .values(row)
      .onConflict((oc) => oc.columns(['case_id', 'channel']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new Problem(
        409,
        'already-rated',
        'Already rated',
        `case '${caseId}' is already rated on channel '${row.channel}': one rating per case and channel`,
      );
    }
    if (!bad) return ratingView(row);
    try {
      const { view } = await this.cases.start(
        {
          process: this.rectificationKey,
          businessKey: `rating:${row.id}`,
          variables: {
            department: department ?? this.options.fallbackDepartment ?? '政务服务中心',
            ratedCaseId: caseId,
            ratingId: row.id,
            level: row.level,
            comment: row.comment ?? '',
            deadlineDays: this.deadlineDays,
          },
        },
        actor,
        `rating:${row.id}`,
      );
      row.rectification_case_id = view.id;
      await this.db
        .updateTable('ratings')
        .set({ rectification_case_id: view.id })
        .where('id', '=', row.id)
        .execute();
      return ratingView(row);
    } catch (error) {
      // a bad rating without its rectification would be lost from the loop: take the rating back
      await this.db.deleteFrom('ratings').where('id', '=', row.id).execute();
      if (error instanceof NotFound) {
        throw new Problem(
          409,
          'rectification-not-deployed',
          'The rectification process is not deployed',
          `a bad rating starts process '${this.rectificationKey}', which is not deployed: deploy processes/rating-rectification.bpmn`,
        );
      }
      throw error;
    }
  }

  async list(caseId: string): Promise<RatingView[]> {
    const rows = await this.db
      .selectFrom('ratings')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('rated_at')
      .execute();
    return rows.map(ratingView);
  }

  /**
   * Gives completed cases that nobody rated within `afterDays` calendar days the default rating (Guangdong:
   * 基本满意 after 7 days), marked defaulted and credited, as a whole-case rating, to the intake step's department.
   * Idempotent and safe on several nodes at once.
   */
  async applyDefaults(options: { afterDays?: number; level?: number } = {}): Promise<number> {
    const afterDays = options.afterDays ?? 7;
    const level = options.level ?? 3;
    const now = this.clock();
    const cutoff = new Date(now - afterDays * 86_400_000);
    const result = await sql<{ id: string }>`
      INSERT INTO ratings (id, case_id, channel, level, department, defaulted, rated_at)
      SELECT 'default:' || c.id, c.id, 'default', ${level}, (
               SELECT s.department FROM steps s
                WHERE s.case_id = c.id AND s.status = 'completed' AND s.department IS NOT NULL
                ORDER BY s.entered_at, s.seq LIMIT 1),
             true, ${new Date(now)}
        FROM cases c
       WHERE c.status = 'completed' AND NOT c.imported AND c.ended_at <= ${cutoff} AND c.process_key <> ${this.rectificationKey}
         AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.case_id = c.id)
      ON CONFLICT DO NOTHING
      RETURNING id`.execute(this.db);
    return result.rows.length;
  }
}
