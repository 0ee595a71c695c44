/**
 * Work items for people (issue 20): a member claims an open task of their department's queue and may give it
 * back; a department lead (or an administrator) assigns it to a member or transfers it (转办) to another member or
 * department, with a reason. Each change is one transaction on the task's row and its case's row, locked in that
 * order: concurrent claims of one task are serialised by the row lock, so exactly one wins and the others get
 * 409. Each change is an entry of the case's hash-chained audit log and moves the case's revision on, so a
 * completion decided on the task as it was before retries on the task as it is (server/cases/case-service.ts).
 */
import { sql } from 'kysely';
import { type CaseSnapshot, ExpressionError, evaluateFeel } from '../../engine/index.js';
import type { Principal } from '../auth/tokens.js';
import type { CaseService, Person } from '../cases/case-service.js';
import { NotFound } from '../cases/errors.js';
import type { Db } from '../db/database.js';
import { type Detail, sayCommandRejected, sayTaskMissing } from '../problem-text.js';
import { Problem } from '../problems.js';
import { auditHash } from '../store/audit-log.js';

/** A task as its holders see it after a change. */
export interface TaskHolder {
  id: string;
  caseId: string;
  department: string | null;
  status: string;
  claimedBy: Person | null;
  claimedAt: string | null;
  transfers: number;
}

interface Locked {
  id: string;
  case_id: string;
  element_id: string;
  department: string | null;
  status: string;
  claimed_by: string | null;
  claimed_name: string | null;
  claimed_at: Date | null;
  transfers: number;
  audit_seq: number;
  audit_hash: string;
  snapshot: CaseSnapshot;
  definition_id: string;
}

const conflict = (detail: Detail) =>
  new Problem(409, 'task-conflict', 'The task cannot take this now', detail);
const forbidden = (detail: Detail) => new Problem(403, 'forbidden', 'Forbidden', detail);
/** The verbs of the work-item commands in Chinese, for their refusals. */
const VERB_ZH: Record<string, string> = { claim: '认领', release: '退回', assign: '分派', transfer: '转办' };

const isAdmin = (p: Principal) => p.roles.includes('admin');
/** A lead of the task's department, or an administrator. */
export const leadsTask = (p: Principal, department: string | null): boolean =>
  isAdmin(p) || (p.lead && p.department !== null && p.department === department);

export class WorkItems {
  constructor(
    private readonly db: Db,
    private readonly cases: CaseService,
    /** The people the node knows by id (the tokens file): an assignee's display name. */
    private readonly known: ReadonlyMap<string, string> = new Map(),
  ) {}

  claim(taskId: string, by: Principal): Promise<TaskHolder> {
    return this.change(taskId, by, 'taskClaimed', (task, candidates) => {
      this.ownDepartment(task, by, 'claim');
      if (
        candidates &&
        !isAdmin(by) &&
        !candidates.includes(by.userId) &&
        !candidates.includes(by.department ?? '')
      )
        throw forbidden({
          zh: `待办“${taskId}”只能由其候选人认领（${candidates.join('、')}），${by.userId} 不在其中：请科长分派`,
          en: `task '${taskId}' may be claimed by its candidates only (gov:candidates: ${candidates.join(', ')}); ${by.userId} is none of them: ask the department lead to assign it`,
        });
      if (task.claimed_by === by.userId) return null; // claimed already by the caller: nothing changes
      if (task.claimed_by !== null)
        throw conflict({
          zh: `待办“${taskId}”已由 ${task.claimed_name ?? task.claimed_by}（${task.claimed_by}）认领：请其本人或科长退回或转办`,
          en: `task '${taskId}' is claimed by ${task.claimed_name ?? task.claimed_by} (${task.claimed_by}): ask them or the department lead to release or transfer it`,
        });
      return { claim: { userId: by.userId, name: by.name }, payload: {} };
    });
  }

  release(taskId: string, by: Principal): Promise<TaskHolder> {
    return this.change(taskId, by, 'taskReleased', (task) => {
      this.ownDepartment(task, by, 'release');
      if (task.claimed_by === null)
        throw conflict({
          zh: `待办“${taskId}”尚未被认领，无需退回`,
          en: `task '${taskId}' is not claimed: nothing to release`,
        });
      if (task.claimed_by !== by.userId && !leadsTask(by, task.department))
        throw forbidden({
          zh: `待办“${taskId}”由 ${task.claimed_by} 认领：只有其本人或“${task.department}”的科长可以退回`,
          en: `task '${taskId}' is claimed by ${task.claimed_by}: only they or a lead of '${task.department}' may release it`,
        });
      return {
        claim: null,
        payload: { from: { userId: task.claimed_by, name: task.claimed_name ?? task.claimed_by } },
      };
    });
  }

  async assign(taskId: string, userId: string, by: Principal): Promise<TaskHolder> {
    const name = await this.nameOf(userId);
    return this.change(taskId, by, 'taskAssigned', (task) => {
      this.leads(task, by, 'assign');
      if (task.claimed_by === userId) return null;
      return {
        claim: { userId, name },
        payload: task.claimed_by ? { from: { userId: task.claimed_by, name: task.claimed_name } } : {},
      };
    });
  }

  async transfer(
    taskId: string,
    to: { department?: string; userId?: string; reason: string },
    by: Principal,
  ): Promise<TaskHolder> {
    if (to.department === undefined && to.userId === undefined)
      throw new Problem(400, 'invalid-request', 'Invalid request', {
        zh: '转办须写明转给谁：body.department、body.userId 或两者',
        en: 'a transfer names where the task goes: body.department, body.userId or both',
      });
    if (to.reason.trim() === '')
      throw new Problem(400, 'invalid-request', 'Invalid request', {
        zh: '请在 body.reason 中写明转办理由',
        en: 'body.reason must say why the task is transferred',
      });
    const name = to.userId === undefined ? undefined : await this.nameOf(to.userId);
    return this.change(taskId, by, 'taskTransferred', (task) => {
      this.leads(task, by, 'transfer');
      const department = to.department ?? task.department;
      if (department === task.department && (to.userId === undefined || to.userId === task.claimed_by))
        throw conflict({
          zh: `待办“${taskId}”已在 ${to.userId ?? `“${department}”`} 处：请转给别处`,
          en: `task '${taskId}' is already with ${to.userId ?? `'${department}'`}: transfer it elsewhere`,
        });
      return {
        claim: to.userId === undefined ? null : { userId: to.userId, name: name as string },
        department,
        reason: to.reason,
        payload: {
          from: {
            department: task.department,
            userId: task.claimed_by,
          },
          to: { department, userId: to.userId ?? null },
          reason: to.reason,
        },
      };
    });
  }

  /**
   * The candidates of a task (`gov:candidates` of its element): user ids or department names, a literal list or
   * a FEEL expression evaluated in the case's variables (with `businessKey`); undefined when the element names none.
   */
  private candidatesOf(task: Locked, text: string | undefined): string[] | undefined {
    if (!text) return undefined;
    const split = (value: string) => value.split(/[\s,，、]+/).filter(Boolean);
    if (!text.startsWith('=')) return split(text);
    const variables = { businessKey: task.snapshot.businessKey ?? null, ...task.snapshot.variables };
    let value: unknown;
    try {
      value = evaluateFeel(text, variables);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      throw conflict({
        zh: `环节“${task.element_id}”的候选人（gov:candidates）无法计算（${error.message}）：请科长分派此待办`,
        en: `gov:candidates of '${task.element_id}' could not be evaluated (${error.message}): ask the department lead to assign the task`,
      });
    }
    const list = Array.isArray(value) ? value : [value];
    return list.flatMap((v) => (typeof v === 'string' ? split(v) : []));
  }

  /** The display name of a person by id: the tokens file's, else the name last recorded for them, else the id. */
  private async nameOf(userId: string): Promise<string> {
    const known = this.known.get(userId);
    if (known) return known;
    const row = await sql<{ name: string | null }>`
      SELECT coalesce(
        (SELECT claimed_name FROM tasks WHERE claimed_by = ${userId} AND claimed_name IS NOT NULL LIMIT 1),
        (SELECT handler_name FROM tasks WHERE handler_id = ${userId} AND handler_name IS NOT NULL LIMIT 1)) AS name`.execute(
      this.db,
    );
    return row.rows[0]?.name ?? userId;
  }

  private ownDepartment(task: Locked, by: Principal, what: string): void {
    if (isAdmin(by)) return;
    if (by.department !== task.department)
      throw forbidden({
        zh: `待办“${task.id}”属于“${task.department}”，不属于“${by.department}”：只有本部门人员可以${VERB_ZH[what] ?? what}`,
        en: `task '${task.id}' belongs to department '${task.department}', not '${by.department}': only its members may ${what} it`,
      });
  }

  private leads(task: Locked, by: Principal, what: string): void {
    if (!leadsTask(by, task.department))
      throw forbidden({
        zh: `只有“${task.department}”的科长或管理员可以${VERB_ZH[what] ?? what}待办“${task.id}”`,
        en: `only a lead of department '${task.department}' or an administrator may ${what} task '${task.id}'`,
      });
  }

  /**
   * One change of a task in one transaction: the task and its case locked, `decide` run on them as stored
   * (null: nothing to change), the task's row, its step's department (a transfer), the transfer's record and
   * the case's audit entry written, the case's revision moved on.
   */
  private async change(
    taskId: string,
    by: Principal,
    type: string,
    decide: (
      task: Locked,
      /** Who may claim it (gov:candidates of its element, evaluated in its case); undefined: any member. */
      candidates: string[] | undefined,
    ) => {
      claim: Person | null;
      department?: string | null;
      reason?: string;
      payload: Record<string, unknown>;
    } | null,
  ): Promise<TaskHolder> {
    const now = new Date(this.cases.now());
    // the element's gov:candidates, read before the transaction (a task's element and definition never change)
    const { rows: where } = await sql<{ element_id: string; definition_id: string; case_id: string }>`
      SELECT t.element_id, c.definition_id, t.case_id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.id = ${taskId}`.execute(
      this.db,
    );
    const definition = where[0] && (await this.cases.definitions.load(where[0].definition_id));
    const candidateText = (where[0] && definition?.graph.nodes[where[0].element_id]?.candidates) || undefined;
    const result = await this.db.transaction().execute(async (trx) => {
      // the case before its task, as the case writer's batch locks them (server/store/batch-statement.ts)
      if (where[0]) await sql`SELECT id FROM cases WHERE id = ${where[0].case_id} FOR UPDATE`.execute(trx);
      const { rows } = await sql<Locked>`
        SELECT t.id, t.case_id, t.element_id, t.department, t.status, t.claimed_by, t.claimed_name, t.claimed_at,
               t.transfers, c.audit_seq, c.audit_hash, c.snapshot, c.definition_id
          FROM tasks t JOIN cases c ON c.id = t.case_id
         WHERE t.id = ${taskId}
           FOR UPDATE OF t, c`.execute(trx);
      const task = rows[0];
      if (!task) throw new NotFound(sayTaskMissing(taskId));
      if (task.status !== 'open')
        throw conflict(sayCommandRejected('notOpen', `task '${taskId}' is ${task.status}, not open`));
      const decided = decide(task, this.candidatesOf(task, candidateText));
      if (!decided) return { task, changed: false };
      const department = decided.department ?? task.department;
      const moved = department !== task.department;
      const claimedAt = decided.claim ? now : null;
      await sql`UPDATE tasks SET claimed_by = ${decided.claim?.userId ?? null},
          claimed_name = ${decided.claim?.name ?? null}, claimed_at = ${claimedAt},
          department = ${department}, transfers = transfers + ${decided.reason === undefined ? 0 : 1}
        WHERE id = ${taskId}`.execute(trx);
      let snapshot: string | null = null;
      if (moved) {
        // the step's department and the running instance's: the task's step completes in its new department
        await sql`UPDATE steps SET department = ${department} WHERE id = ${taskId}`.execute(trx);
        const stored = task.snapshot;
        const activity = stored.activities[taskId];
        if (activity) activity.department = department;
        snapshot = JSON.stringify(stored);
      }
      if (decided.reason !== undefined)
        await sql`INSERT INTO task_transfers
            (task_id, case_id, from_department, to_department, from_user, to_user, reason, actor, at)
          VALUES (${taskId}, ${task.case_id}, ${task.department}, ${department}, ${task.claimed_by},
                  ${decided.claim?.userId ?? null}, ${decided.reason}, ${by.userId}, ${now})`.execute(trx);
      const seq = task.audit_seq + 1;
      const payload = {
        type,
        taskId,
        elementId: task.element_id,
        by: { userId: by.userId, name: by.name },
        ...(decided.claim ? { claimedBy: decided.claim } : {}),
        ...decided.payload,
      };
      const entry = { type, at: now, actor: by.userId, payload };
      const hash = auditHash(task.audit_hash, task.case_id, seq, entry);
      await sql`INSERT INTO audit_events (case_id, seq, type, at, actor, payload, prev_hash, hash)
        VALUES (${task.case_id}, ${seq}, ${type}, ${now}, ${by.userId}, ${JSON.stringify(payload)}::json,
                ${task.audit_hash}, ${hash})`.execute(trx);
      await sql`UPDATE cases SET audit_seq = ${seq}, audit_hash = ${hash}, revision = revision + 1
          ${snapshot === null ? sql`` : sql`, snapshot = ${snapshot}::json`}
        WHERE id = ${task.case_id}`.execute(trx);
      return {
        task: {
          ...task,
          department,
          claimed_by: decided.claim?.userId ?? null,
          claimed_name: decided.claim?.name ?? null,
          claimed_at: claimedAt,
          transfers: task.transfers + (decided.reason === undefined ? 0 : 1),
        },
        changed: true,
      };
    });
    if (result.changed) this.cases.forget([result.task.case_id]);
    const t = result.task;
    return {
      id: t.id,
      caseId: t.case_id,
      department: t.department,
      status: t.status,
      claimedBy:
        t.claimed_by === null ? null : { userId: t.claimed_by, name: t.claimed_name ?? t.claimed_by },
      claimedAt: t.claimed_at === null ? null : new Date(t.claimed_at).toISOString(),
      transfers: t.transfers,
    };
  }
}
