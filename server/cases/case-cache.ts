/**
 * A node's memory of the cases it recently worked on: the case row, its steps and its tasks as of a revision.
 * A command on a remembered case skips the read and goes straight to the write, which lands only if the case
 * is still at that revision — so a stale entry (another node moved the case on) costs one retry from the
 * database, never a wrong write. API reads (GET) always come from the database.
 */

import { applyCommandRows, type CommandRows, type RowKeeping } from '../../engine/index.js';
import type { CaseRow } from '../repositories/case-repository.js';
import type { PeopleOfTask } from '../store/batch-statement.js';

/** What the service reads off a cases row (server/repositories/case-repository.ts). */
export type { CaseRow } from '../repositories/case-repository.js';

/** A step as the timeline and the working-time computation need it; times in ms since the epoch. */
export interface CachedStep {
  id: string;
  element_id: string;
  name: string | null;
  type: string;
  department: string | null;
  status: string;
  entered_at: number;
  completed_at: number | null;
  due_at: number | null;
  working_ms: number | null;
  pauses_clock: boolean;
  seq: number;
  /** The handler an imported step names (org:resource of its event log); a task's step names it on the task. */
  handler_id: string | null;
  handler_name: string | null;
}

export interface CachedTask {
  id: string;
  element_id: string;
  name: string | null;
  department: string | null;
  status: string;
  created_at: number;
  due_at: number | null;
  /** Who holds the open task (claimed or assigned) and who completed it (经办人); null: nobody. */
  claimed_by: string | null;
  claimed_name: string | null;
  handler_id: string | null;
  handler_name: string | null;
}

export interface CaseState {
  row: CaseRow;
  steps: Map<string, CachedStep>;
  tasks: Map<string, CachedTask>;
}

const ms = (value: string | null): number | null => (value === null ? null : Date.parse(value));

/** A step as the database or a write plan has it (times as ISO strings), as the case state keeps it. */
export function cachedStep(
  s: Omit<CachedStep, 'entered_at' | 'completed_at' | 'due_at' | 'handler_id' | 'handler_name'> & {
    entered_at: string | null;
    completed_at: string | null;
    due_at: string | null;
    handler_id?: string | null;
    handler_name?: string | null;
  },
): CachedStep {
  return {
    id: s.id,
    element_id: s.element_id,
    name: s.name,
    type: s.type,
    department: s.department,
    status: s.status,
    entered_at: ms(s.entered_at) as number,
    completed_at: ms(s.completed_at),
    due_at: ms(s.due_at),
    working_ms: s.working_ms,
    pauses_clock: s.pauses_clock,
    seq: s.seq,
    handler_id: s.handler_id ?? null,
    handler_name: s.handler_name ?? null,
  };
}

/** A task as the database or a write plan has it (times as ISO strings), as the case state keeps it. */
export function cachedTask(
  t: Omit<CachedTask, 'created_at' | 'due_at' | keyof PeopleOfTask> & {
    created_at: string | null;
    due_at: string | null;
  } & PeopleOfTask,
): CachedTask {
  return {
    id: t.id,
    element_id: t.element_id,
    name: t.name,
    department: t.department,
    status: t.status,
    created_at: ms(t.created_at) as number,
    due_at: ms(t.due_at),
    claimed_by: t.claimed_by ?? null,
    claimed_name: t.claimed_name ?? null,
    handler_id: t.handler_id ?? null,
    handler_name: t.handler_name ?? null,
  };
}

/** How the case state keeps a case's rows (engine/history): times as ms, only what the service reads. */
const CACHED_ROWS: RowKeeping<CachedStep, CachedTask> = {
  step: cachedStep,
  changeStep: (kept, change) => ({
    ...kept,
    status: change.status,
    completed_at: ms(change.completed_at),
    working_ms: change.working_ms,
    department: change.department,
  }),
  task: cachedTask,
  changeTask: (kept, change) => {
    const people = change as PeopleOfTask; // set by a completion, kept by every other change (batch-statement.ts)
    return {
      ...kept,
      status: change.status,
      claimed_by: people.claimed_by ?? kept.claimed_by,
      claimed_name: people.claimed_name ?? kept.claimed_name,
      handler_id: people.handler_id ?? kept.handler_id,
      handler_name: people.handler_name ?? kept.handler_name,
    };
  },
};

/** The steps and tasks of a case after a command's plan; the case's state before is left as it was. */
export function applyPlan(
  state: Pick<CaseState, 'steps' | 'tasks'>,
  plan: CommandRows,
): Pick<CaseState, 'steps' | 'tasks'> {
  const { steps, tasks } = applyCommandRows({ steps: state.steps, tasks: state.tasks }, plan, CACHED_ROWS);
  return { steps, tasks };
}

/** Least recently used first out; also finds the case of a task it holds. */
export class CaseCache {
  private readonly entries = new Map<string, CaseState>();
  private readonly taskCases = new Map<string, string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(caseId: string): CaseState | undefined {
    const entry = this.entries.get(caseId);
    if (entry) {
      this.entries.delete(caseId);
      this.entries.set(caseId, entry);
    }
    return entry;
  }

  /** The remembered state of a case, leaving its place in the eviction order as it is. */
  peek(caseId: string): CaseState | undefined {
    return this.entries.get(caseId);
  }

  caseOfTask(taskId: string): string | undefined {
    return this.taskCases.get(taskId);
  }

  set(state: CaseState): void {
    if (this.capacity <= 0) return;
    const id = state.row.id;
    this.delete(id);
    this.entries.set(id, state);
    for (const taskId of state.tasks.keys()) this.taskCases.set(taskId, id);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(caseId: string): void {
    const entry = this.entries.get(caseId);
    if (!entry) return;
    this.entries.delete(caseId);
    for (const taskId of entry.tasks.keys()) this.taskCases.delete(taskId);
  }
}
