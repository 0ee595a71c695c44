/** SQL on the tasks table: the work items of departments, open ones included (the one place for "open tasks"). */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

export type TaskRow = RowOf<'tasks'>;

/** A task with its case's business number (办件编号) and its service's name (事项名称), for a person's inbox. */
export type ListedTask = TaskRow & {
  business_key: string | null;
  process_key: string;
  process_name: string | null;
};

export interface TaskFilter {
  department?: string;
  caseId?: string;
  /** The tasks of the case(s) with this business number (办件编号). */
  businessKey?: string;
  /** `open`, `completed` or `cancelled`. */
  status?: string;
  /** Held by this person (claimed or assigned). */
  claimedBy?: string;
  /** true: held by someone; false: in the department's queue. */
  claimed?: boolean;
  /** `due`: soonest due first (no due date last); default oldest first. */
  sort?: 'created' | 'due';
  limit: number;
}

/** Tasks, oldest first (by creation, then id), or soonest due first. */
export async function listTasks(db: Executor, filter: TaskFilter): Promise<ListedTask[]> {
  let query = db
    .selectFrom('tasks')
    .innerJoin('cases', 'cases.id', 'tasks.case_id')
    .innerJoin('definition_versions', 'definition_versions.id', 'cases.definition_id')
    .selectAll('tasks')
    .select(['cases.business_key', 'cases.process_key', 'definition_versions.name as process_name']);
  if (filter.department) query = query.where('tasks.department', '=', filter.department);
  if (filter.caseId) query = query.where('tasks.case_id', '=', filter.caseId);
  if (filter.businessKey) query = query.where('cases.business_key', '=', filter.businessKey);
  if (filter.status) query = query.where('tasks.status', '=', filter.status);
  if (filter.claimedBy) query = query.where('tasks.claimed_by', '=', filter.claimedBy);
  if (filter.claimed === true) query = query.where('tasks.claimed_by', 'is not', null);
  if (filter.claimed === false) query = query.where('tasks.claimed_by', 'is', null);
  if (filter.sort === 'due')
    query = query.orderBy(sql`tasks.due_at asc nulls last`).orderBy('tasks.created_at');
  else query = query.orderBy('tasks.created_at');
  return query.orderBy('tasks.id').limit(filter.limit).execute();
}

/** The ids of a case's open tasks. */
export async function openTaskIdsOfCase(db: Executor, caseId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('tasks')
    .select('id')
    .where('case_id', '=', caseId)
    .where('status', '=', 'open')
    .execute();
  return new Set(rows.map((t) => t.id));
}

/** Whether any task of the case (open or not) is the department's. */
export async function caseHasTaskOf(db: Executor, caseId: string, department: string): Promise<boolean> {
  const own = await db
    .selectFrom('tasks')
    .select('id')
    .where('case_id', '=', caseId)
    .where('department', '=', department)
    .limit(1)
    .executeTakeFirst();
  return own !== undefined;
}

/** Moves a task's due date. */
export async function setTaskDueAt(db: Executor, taskId: string, dueAt: Date): Promise<void> {
  await db.updateTable('tasks').set({ due_at: dueAt }).where('id', '=', taskId).execute();
}
