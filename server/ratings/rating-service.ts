/**
 * 好差评: records an applicant's rating of a case (一次一评 / 一事一评); a bad one (差评, level 1–2) starts a case of
 * the rectification process for the department that did the rated step (谁办理、谁负责); cases left unrated
 * get a default rating after some days, marked as defaulted and never mixed with real ones.
 */
import { randomUUID } from 'node:crypto';
import { isBadRating } from '../../engine/index.js';
import type { StartInput } from '../cases/case-service.js';
import { BadRequest, NotFound } from '../cases/errors.js';
import { sayCaseMissing } from '../problem-text.js';
import { Problem } from '../problems.js';
import { caseStatus, requireCase } from '../repositories/case-repository.js';
import type { Executor } from '../repositories/executor.js';
import {
  deleteRating,
  insertDefaultRatings,
  insertRating,
  intakeDepartment,
  type RatingRow,
  ratingsOfCase,
  setRectificationCase,
  stepsOfElement,
} from '../repositories/rating-repository.js';
import { type RatingLoopFigures, ratingLoopFigures } from './rating-loop-figures.js';

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
  /** The rated step's handler (评价到人), credited with the rating beside its department. */
  handler: { userId: string; name: string } | null;
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

/**
 * What a rating needs of the case service: its clock, and starting a rectification case (the case service, or
 * the demo history's simulated start).
 */
export interface RectificationStarter {
  now(): number;
  start(input: StartInput, actor: string | null, idempotencyKey?: string): Promise<{ view: { id: string } }>;
}

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
  handler: r.handler_id ? { userId: r.handler_id, name: r.handler_name ?? r.handler_id } : null,
});

export class RatingService {
  readonly rectificationKey: string;
  readonly deadlineDays: number;
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly db: Executor,
    private readonly cases: RectificationStarter,
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
  ): Promise<{ department: string | null; handler: { userId: string; name: string } | null }> {
    if (elementId) {
      const steps = await stepsOfElement(this.db, caseId, elementId);
      if (steps.length === 0) {
        throw new BadRequest(
          { zh: `办件“${caseId}”没有环节“${elementId}”`, en: `case '${caseId}' has no step '${elementId}'` },
          [
            {
              field: 'elementId',
              message: {
                zh: `“${elementId}”不是此办件的环节`,
                en: `'${elementId}' is not a step of this case`,
              },
            },
          ],
        );
      }
      const done = steps.find((s) => s.status === 'completed');
      if (!done)
        throw new Problem(409, 'step-not-done', 'The step is not done yet', {
          zh: `办件“${caseId}”的环节“${elementId}”尚未办结：办结后再评价`,
          en: `step '${elementId}' of case '${caseId}' is not completed: rate it once it is done`,
        });
      return {
        department: done.department,
        handler: done.handler_id
          ? { userId: done.handler_id, name: done.handler_name ?? done.handler_id }
          : null,
      };
    }
    if (status !== 'completed') {
      throw new Problem(409, 'case-not-completed', 'The case is not completed', {
        zh: `办件“${caseId}”尚未办结（${status}）：办结前只能评价已办结的环节（请给出 elementId）`,
        en: `case '${caseId}' is ${status}: until it is completed, rate one of its completed steps (give elementId)`,
      });
    }
    return { department: await intakeDepartment(this.db, caseId), handler: null };
  }

  async rate(caseId: string, input: RatingInput, actor: string | null): Promise<RatingView> {
    const rated = await caseStatus(this.db, caseId);
    if (!rated) throw new NotFound(sayCaseMissing(caseId));
    const { department, handler } = await this.ratedDepartment(caseId, rated.status, input.elementId);
    const bad = isBadRating(input.level);
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
      handler_id: handler?.userId ?? null,
      handler_name: handler?.name ?? null,
    };
    if (!(await insertRating(this.db, row))) {
      throw new Problem(409, 'already-rated', 'Already rated', {
        zh: `办件“${caseId}”已在渠道“${row.channel}”评价过：每个办件每个渠道评价一次`,
        en: `case '${caseId}' is already rated on channel '${row.channel}': one rating per case and channel`,
      });
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
            // the rectification names the rated step's handler (经办人) to the department that rectifies
            ...(handler ? { handlerId: handler.userId, handlerName: handler.name } : {}),
          },
        },
        actor,
        `rating:${row.id}`,
      );
      row.rectification_case_id = view.id;
      await setRectificationCase(this.db, row.id, view.id);
      return ratingView(row);
    } catch (error) {
      // a bad rating without its rectification would be lost from the loop: take the rating back
      await deleteRating(this.db, row.id);
      if (error instanceof NotFound) {
        throw new Problem(409, 'rectification-not-deployed', 'The rectification process is not deployed', {
          zh: `差评会发起整改流程“${this.rectificationKey}”，但它尚未部署：请部署 processes/rating-rectification.bpmn`,
          en: `a bad rating starts process '${this.rectificationKey}', which is not deployed: deploy processes/rating-rectification.bpmn`,
        });
      }
      throw error;
    }
  }

  /** A case's ratings, oldest first (404 when the case does not exist). */
  async list(caseId: string): Promise<RatingView[]> {
    await requireCase(this.db, caseId);
    return (await ratingsOfCase(this.db, caseId)).map(ratingView);
  }

  /** The rating loop's figures of a version, in total and per department (msPerWorkingDay: the node's calendar's). */
  loopFigures(
    key: string,
    version: number,
    msPerWorkingDay: number,
  ): Promise<{ total: RatingLoopFigures; departments: RatingLoopFigures[] }> {
    return ratingLoopFigures(this.db, key, version, msPerWorkingDay);
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
    return insertDefaultRatings(this.db, {
      level,
      now: new Date(now),
      cutoff,
      rectificationKey: this.rectificationKey,
    });
  }
}
