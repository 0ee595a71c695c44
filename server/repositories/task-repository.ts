/** SQL on the tasks table: the work items of departments, open ones included (the one place for "open tasks"). */
import type { Executor, RowOf } from './executor.js';

export type TaskRow = RowOf<'tasks'>;

export interface TaskFilter {
  department?: string;
  caseId?: string;
  /** The tasks of the case(s) with this business number (办件编号). */
  businessKey?: string;
  /** `open`, `completed` or `cancelled`. */
  status?: string;
  limit: number;
}

/** Tasks, oldest first (by creation, then id). */
export async function listTasks(db: Executor, filter: TaskFilter): Promise<TaskRow[]> {
  let query = db.selectFrom('tasks').selectAll();
  if (filter.department) query = query.where('department', '=', filter.department);
  if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
  if (filter.businessKey) {
    const key = filter.businessKey;
    query = query.where('case_id', 'in', (sub) =>
      sub.selectFrom('cases').select('id').where('business_key', '=', key),
    );
  }
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('created_at').orderBy('id').limit(filter.limit).execute();
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
