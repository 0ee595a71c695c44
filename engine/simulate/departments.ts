/**
 * The staff of the departments: each department is a pool of numbered staff members (or unlimited) with a
 * first-come-first-served queue of work items. A task waits in its department's queue, is taken up by the
 * lowest-numbered free member at the next working instant, and is over when it completes or is cancelled.
 * Kept here too: the statistics of the work done, per department and per step (Prosimos' definitions:
 * waiting = start − enabled, processing = complete − start, both in working time).
 */
import type { WorkingCalendar } from '../calendar/index.js';
import type { ProcessGraph } from '../model/types.js';
import type { SimCase } from './sim-case.js';
import type { DepartmentStats, StepStats } from './types.js';

/** Where a work item is: waiting in its department's queue, being worked on by a member, or over. */
export type WorkState = 'queued' | 'working' | 'over';

/** One task of a case as the department sees it. */
export interface Work {
  /** The engine's task id. */
  id: string;
  kase: SimCase;
  elementId: string;
  department: string;
  pool: Pool;
  enabledAt: number;
  startAt: number;
  durationMs: number;
  /** Who works on it: `department#n`, or the department's name when its staff is unlimited. */
  staff: string | null;
  state: WorkState;
}

/** A department: its statistics, its free members (sorted ascending) and its queue (`head` is the next to take). */
export interface Pool {
  stats: DepartmentStats;
  free: number[];
  queue: Work[];
  head: number;
  waiting: number;
}

export class Departments {
  private readonly pools = new Map<string, Pool>();
  private readonly steps = new Map<string, StepStats>();

  /**
   * @param staff members per department; a department not listed has unlimited staff
   * @param graph names the steps in their statistics
   * @param onStart told when a member takes up a work item, with the instant it will be done
   */
  constructor(
    private readonly staff: Map<string, number>,
    private readonly graph: ProcessGraph,
    private readonly calendar: WorkingCalendar,
    private readonly onStart: (work: Work, end: number) => void,
  ) {}

  /** The department's pool, created on its first task. */
  poolOf(department: string): Pool {
    let pool = this.pools.get(department);
    if (!pool) {
      const staff = this.staff.get(department) ?? null;
      pool = {
        stats: { name: department, staff, tasks: 0, busyMs: 0, waitingMs: 0, maxQueue: 0 },
        free: staff === null ? [] : Array.from({ length: staff }, (_, i) => i + 1),
        queue: [],
        head: 0,
        waiting: 0,
      };
      this.pools.set(department, pool);
    }
    return pool;
  }

  /** A new work item (state `queued`) arrives at `now`: taken up at once when staff is unlimited or free. */
  enqueue(work: Work, now: number): void {
    const pool = work.pool;
    if (pool.stats.staff === null) {
      this.begin(work, null, now);
      return;
    }
    pool.queue.push(work);
    pool.waiting++;
    this.dispatch(pool, now);
    if (pool.waiting > pool.stats.maxQueue) pool.stats.maxQueue = pool.waiting;
  }

  /** Free members take the queued work items in order. */
  dispatch(pool: Pool, now: number): void {
    if (pool.stats.staff === null) return;
    while (pool.free.length > 0 && pool.head < pool.queue.length) {
      const work = pool.queue[pool.head++];
      if (work.state !== 'queued') continue;
      pool.waiting--;
      this.begin(work, pool.free.shift() as number, now);
    }
    if (pool.head > 1024 && pool.head * 2 > pool.queue.length) {
      pool.queue = pool.queue.slice(pool.head);
      pool.head = 0;
    }
  }

  /** A work item is done: its step's and department's statistics, and its member is free (the caller dispatches). */
  complete(work: Work): void {
    work.state = 'over';
    const step = this.stepOf(work);
    const waited = this.calendar.workingMsBetween(work.enabledAt, work.startAt);
    step.worked++;
    step.waitingMs += waited;
    step.processingMs += work.durationMs;
    const stats = work.pool.stats;
    stats.tasks++;
    stats.busyMs += work.durationMs;
    stats.waitingMs += waited;
    this.release(work);
  }

  /** The engine cancelled the task (e.g. a boundary timer interrupted it): its member, if any, takes the next. */
  cancel(work: Work, now: number): void {
    if (work.state === 'queued') work.pool.waiting--;
    else if (work.state === 'working') {
      work.pool.stats.busyMs += this.calendar.workingMsBetween(work.startAt, Math.max(now, work.startAt));
      this.release(work);
      work.state = 'over';
      this.dispatch(work.pool, now);
    }
    work.state = 'over';
  }

  /** The run stopped at `end` with this work item in hand: its member was busy until then. */
  stopAt(work: Work, end: number): void {
    if (work.state === 'working')
      work.pool.stats.busyMs += this.calendar.workingMsBetween(work.startAt, Math.max(end, work.startAt));
  }

  /** Every department's statistics, in order of first task. */
  departmentStats(): DepartmentStats[] {
    return [...this.pools.values()].map((p) => p.stats);
  }

  /** Every step's statistics, in order of first completed work item. */
  stepStats(): StepStats[] {
    return [...this.steps.values()];
  }

  private stepOf(work: Work): StepStats {
    let stats = this.steps.get(work.elementId);
    if (!stats) {
      // a step of the case's own process (a department case's, started by a message), else of the simulated one
      const node = work.kase.definition.graph.nodes[work.elementId] ?? this.graph.nodes[work.elementId];
      stats = {
        elementId: work.elementId,
        name: node?.name ?? null,
        departments: [],
        worked: 0,
        waitingMs: 0,
        processingMs: 0,
      };
      this.steps.set(work.elementId, stats);
    }
    if (!stats.departments.includes(work.department)) stats.departments.push(work.department);
    return stats;
  }

  private begin(work: Work, staffNumber: number | null, now: number): void {
    work.state = 'working';
    work.startAt = this.calendar.addWorkingMs(now, 1) - 1; // the next working instant
    work.staff = staffNumber === null ? work.department : `${work.department}#${staffNumber}`;
    const end =
      work.durationMs === 0 ? work.startAt : this.calendar.addWorkingMs(work.startAt, work.durationMs);
    this.onStart(work, end);
  }

  private release(work: Work): void {
    const pool = work.pool;
    if (pool.stats.staff !== null && work.staff !== null) {
      const number = Number(work.staff.slice(work.staff.lastIndexOf('#') + 1));
      // the free list stays sorted: the lowest-numbered free member takes the next task
      let i = pool.free.length;
      pool.free.push(number);
      while (i > 0 && pool.free[i - 1] > number) {
        pool.free[i] = pool.free[i - 1];
        i--;
      }
      pool.free[i] = number;
    }
  }
}
