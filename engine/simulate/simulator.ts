/**
 * Discrete-event simulation of a process on the real engine, in virtual time.
 *
 * Every case runs through `execute()` — the same engine, commands and calendar as the server — while this
 * module plays the world around it: applicants arrive (Poisson in working time, or a fixed number spread over a
 * window), staff of each department take the waiting tasks in order of arrival and work on them in working
 * hours only, tasks complete with variables drawn from their distributions (so the real FEEL conditions choose
 * the branches and the correction loops), applicants answer correction requests after a delay (a message),
 * timers fire on the virtual clock, and completed cases are rated. Events wait in a priority queue ordered by
 * (time, seq), and every random draw comes from seeded generators: the same seed gives the same result, to the
 * byte. Nothing here does I/O; the caller receives the cases, their commands (to replay them through the
 * server's CaseService) and their event log.
 */
import type { WorkingCalendar } from '../calendar/index.js';
import type { ServiceHandler } from '../elements/context.js';
import type { CaseCommand, CaseEvent, CaseSnapshot, StepRecord, Variables } from '../elements/state.js';
import type { CaseOutcome } from '../metrics/dynamic-metrics.js';
import type { CompiledDefinition, DefinitionSource } from '../runtime/definition.js';
import { type ExecuteOptions, execute } from '../runtime/execute.js';
import { RunBudgetExceeded } from '../runtime/run-budget.js';
import { compileTemplate } from './distributions.js';
import { EventQueue } from './event-queue.js';
import type { CompiledParams } from './params.js';
import { Random } from './random.js';

/** The default virtual clock start: Monday 2026-03-02, 09:00 in Beijing (after the Spring Festival holidays). */
export const DEFAULT_START = Date.parse('2026-03-02T09:00:00+08:00');
const MS_PER_HOUR = 3_600_000;
/** A case that runs more commands than this is looping without end (a correction loop with probability 1?). */
const MAX_COMMANDS_PER_CASE = 10_000;

export interface SimulateOptions {
  definition: CompiledDefinition;
  /** Other definitions a case may need (called processes). */
  definitions?: DefinitionSource;
  params: CompiledParams;
  seed: number | string;
  calendar: WorkingCalendar;
  /** Virtual clock start (epoch ms); default `arrivals.start` of the parameters, else DEFAULT_START. */
  start?: number;
  /** Cases to start; default `arrivals.count`, else 1000 (unless `until` bounds the run). */
  cases?: number;
  /**
   * With a case count: spread exactly that many arrivals over the working time from `start` to here, as a
   * Poisson process conditioned on its number of arrivals (uniform order statistics in working time).
   */
  arrivalsEnd?: number;
  /**
   * Instead of drawn arrivals: these cases, at these instants (ascending), each with its own id and start
   * variables (merged over the drawn `case.variables`) — e.g. the rectification cases of given bad ratings.
   */
  arrivals?: ExplicitArrival[];
  /** Stop the clock here: later events are not processed and cases still open stay active. */
  until?: number;
  /** Keep each case's commands with the ids they generated, to replay them through CaseService. */
  record?: boolean;
  /** Receives each case's event-log entries when the case ends (or, for open cases, when the run ends). */
  onCaseLog?: (entries: LogEntry[]) => void;
  /** Called every 1,000 arrivals and at the end. */
  onProgress?: (arrived: number, total: number | null) => void;
  handlers?: Record<string, ServiceHandler>;
  /** Names the id sequence: two scenarios written into one database need different namespaces. */
  namespace?: string;
}

export interface ExplicitArrival {
  at: number;
  id: string;
  variables?: Variables;
  businessKey?: string | null;
  channel?: string | null;
  /** Written with the case like CaseService's Idempotency-Key. */
  idempotencyKey?: string;
}

/** One command of a case as it ran: when, what, by whom, and the ids the engine drew for it, in order. */
export interface RecordedCommand {
  at: number;
  command: CaseCommand;
  /** For `start`: the case id first, then the engine's. */
  ids: string[];
  actor: string;
  /** What the command produced (a copy), for writers that build the rows themselves. */
  events: CaseEvent[];
}

export interface SimulatedCase {
  id: string;
  /** 1-based arrival number. */
  number: number;
  arrivedAt: number;
  channel: string | null;
  businessKey: string | null;
  idempotencyKey: string | null;
  variables: Variables;
  status: CaseSnapshot['status'];
  endedAt: number | null;
  /** As the metrics measure it (README: 各项指标如何计算 / Figures); steps only for ended cases. */
  outcome: CaseOutcome;
  incidents: { elementId: string; message: string }[];
  commands: RecordedCommand[] | null;
  /** With `record`: the case's snapshot when it ended, or when the run ended. */
  snapshot: CaseSnapshot | null;
}

/**
 * An event-log line (XES / CSV), as the API's log export writes a case's steps — `start` when a step was entered,
 * `complete` when it completed, `ate_abort` when it was cancelled or failed — plus `assign` when a staff member
 * took up a task (the XES lifecycle transition for it; `resource` names the staff member): the time between a
 * task's `start` and its `assign` is its waiting, between `assign` and `complete` its processing.
 */
export interface LogEntry {
  caseId: string;
  activity: string;
  elementId: string;
  department: string | null;
  lifecycle: 'start' | 'assign' | 'complete' | 'ate_abort';
  timestamp: number;
  resource: string | null;
  seq: number;
}

export interface Rating {
  caseId: string;
  /** 5 very satisfied … 1 very dissatisfied (国办发〔2019〕51号). */
  level: number;
  at: number;
  /** The step rated (一次一评): a completed step of the case that a department did; absent for the whole case. */
  elementId?: string;
}

export interface StepStats {
  elementId: string;
  name: string | null;
  departments: string[];
  /** Work items completed by staff, with their waiting (enabled → start) and processing (start → complete), working ms. */
  worked: number;
  waitingMs: number;
  processingMs: number;
}

export interface DepartmentStats {
  name: string;
  /** null: unlimited (not listed in `departments`). */
  staff: number | null;
  tasks: number;
  busyMs: number;
  waitingMs: number;
  maxQueue: number;
}

export interface SimulationResult {
  process: { id: string; key: string; version: number; name: string | null };
  seed: number | string;
  start: number;
  /** The last instant simulated (the stop time, or the last event). */
  end: number;
  cases: SimulatedCase[];
  ratings: Rating[];
  steps: StepStats[];
  departments: DepartmentStats[];
  /** What open cases were left waiting for when the run ended with nothing more to happen. */
  waiting: { elementId: string; cases: number }[];
  warnings: string[];
  commands: number;
}

// ── internal state ────────────────────────────────────────────────────────

interface TrackedStep {
  record: StepRecord;
  enteredAt: number;
  completedAt: number | null;
  status: string;
}

interface SimCase {
  data: SimulatedCase;
  snapshot: CaseSnapshot | null;
  idSeq: number;
  pendingIds: string[] | null;
  newId: (prefix: string) => string;
  /** execute()'s options, reused from command to command (only `now` changes). */
  options: ExecuteOptions;
  visits: Map<string, number>;
  steps: Map<string, TrackedStep>;
  work: Map<string, Work>;
  scheduledSubs: Set<string>;
  log: LogEntry[] | null;
  commandCount: number;
  ended: boolean;
}

interface Work {
  id: string;
  kase: SimCase;
  elementId: string;
  department: string;
  pool: Pool;
  enabledAt: number;
  startAt: number;
  durationMs: number;
  staff: string | null;
  /** 0 waiting in the queue, 1 being worked on, 2 over (completed or cancelled). */
  state: 0 | 1 | 2;
}

interface Pool {
  stats: DepartmentStats;
  free: number[];
  queue: Work[];
  head: number;
  waiting: number;
}

type SimEvent =
  | { time: number; seq: number; kind: 'arrival'; number: number }
  | { time: number; seq: number; kind: 'complete'; work: Work }
  | { time: number; seq: number; kind: 'message'; kase: SimCase; subscriptionId: string; name: string }
  | { time: number; seq: number; kind: 'timer'; kase: SimCase; timerId: string };

const NO_INCIDENTS = Object.freeze([]) as unknown as SimulatedCase['incidents'];

export class SimulationError extends Error {}

/** Runs the simulation to the end (no events left, or `until`) and returns every case and statistic. */
export function simulate(options: SimulateOptions): SimulationResult {
  const { definition, params, calendar } = options;
  const namespace = options.namespace ?? definition.id;
  const random = {
    arrivals: new Random(options.seed, 'arrivals'),
    work: new Random(options.seed, 'work'),
    variables: new Random(options.seed, 'variables'),
    messages: new Random(options.seed, 'messages'),
    ratings: new Random(options.seed, 'ratings'),
    ratingSteps: new Random(options.seed, 'rating-steps'),
    ids: new Random(options.seed, `ids:${namespace}`),
  };
  const firstGiven =
    options.arrivals && options.arrivals.length > 0
      ? options.arrivals.reduce((m, a) => Math.min(m, a.at), Number.POSITIVE_INFINITY)
      : undefined;
  const start = options.start ?? firstGiven ?? params.start ?? DEFAULT_START;
  const until = options.until ?? Number.POSITIVE_INFINITY;
  const explicit = options.arrivals ? [...options.arrivals].sort((a, b) => a.at - b.at) : null;
  const total = explicit
    ? explicit.length
    : (options.cases ?? params.count ?? (Number.isFinite(until) ? null : 1000));
  const record = options.record === true;
  const logging = options.onCaseLog !== undefined;
  const queue = new EventQueue<SimEvent>();
  const cases: SimulatedCase[] = [];
  const open = new Map<string, SimCase>();
  const ratings: Rating[] = [];
  const stepStats = new Map<string, StepStats>();
  const pools = new Map<string, Pool>();
  const warnings = [...params.warnings];
  let commands = 0;
  let logSeq = 0;
  let now = start;
  const nextWorking = (t: number): number => calendar.addWorkingMs(t, 1) - 1;
  const businessKey = params.businessKey === null ? null : compileTemplate(params.businessKey);

  // ── arrivals ──
  let arrivalTimes: number[] | null = null;
  if (options.arrivalsEnd !== undefined) {
    if (total === null) throw new SimulationError('an arrival window needs a number of cases');
    const window = calendar.workingMsBetween(start, options.arrivalsEnd);
    arrivalTimes = Array.from({ length: total }, () => random.arrivals.next() * window).sort((a, b) => a - b);
    arrivalTimes = arrivalTimes.map((x) => calendar.addWorkingMs(start, Math.max(1, Math.round(x))));
  }
  let lastArrival = start;
  const scheduleArrival = (number: number): void => {
    if (total !== null && number > total) return;
    let time: number;
    if (explicit) time = explicit[number - 1].at;
    else if (arrivalTimes) time = arrivalTimes[number - 1];
    else {
      const gap = Math.max(1, Math.round(params.interArrival(random.arrivals) * MS_PER_HOUR));
      time = calendar.addWorkingMs(lastArrival, gap);
      lastArrival = time;
    }
    if (time <= until) queue.push({ time, kind: 'arrival', number });
  };

  // ── departments ──
  const poolOf = (department: string): Pool => {
    let pool = pools.get(department);
    if (!pool) {
      const staff = params.staff.get(department) ?? null;
      pool = {
        stats: { name: department, staff, tasks: 0, busyMs: 0, waitingMs: 0, maxQueue: 0 },
        free: staff === null ? [] : Array.from({ length: staff }, (_, i) => i + 1),
        queue: [],
        head: 0,
        waiting: 0,
      };
      pools.set(department, pool);
    }
    return pool;
  };

  const log = (
    c: SimCase,
    step: StepRecord,
    lifecycle: LogEntry['lifecycle'],
    timestamp: number,
    resource: string | null,
  ): void => {
    c.log?.push({
      caseId: c.data.id,
      activity: step.name ?? step.elementId,
      elementId: step.elementId,
      department: step.department,
      lifecycle,
      timestamp,
      resource,
      seq: logSeq++,
    });
  };

  const begin = (work: Work, staffNumber: number | null): void => {
    work.state = 1;
    work.startAt = nextWorking(now);
    work.staff = staffNumber === null ? work.department : `${work.department}#${staffNumber}`;
    const end = work.durationMs === 0 ? work.startAt : calendar.addWorkingMs(work.startAt, work.durationMs);
    queue.push({ time: end, kind: 'complete', work });
    if (work.kase.log) {
      const step = work.kase.steps.get(work.id);
      if (step) log(work.kase, step.record, 'assign', work.startAt, work.staff);
    }
  };

  const dispatch = (pool: Pool): void => {
    if (pool.stats.staff === null) return;
    while (pool.free.length > 0 && pool.head < pool.queue.length) {
      const work = pool.queue[pool.head++];
      if (work.state !== 0) continue;
      pool.waiting--;
      begin(work, pool.free.shift() as number);
    }
    if (pool.head > 1024 && pool.head * 2 > pool.queue.length) {
      pool.queue = pool.queue.slice(pool.head);
      pool.head = 0;
    }
  };

  const release = (work: Work): void => {
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
  };

  const enqueue = (c: SimCase, id: string, elementId: string, department: string | null): void => {
    const task = params.tasks.get(elementId);
    if (!task)
      throw new SimulationError(
        `task '${elementId}' has no duration in the parameters (give tasks.${elementId} or defaults.duration)`,
      );
    const name = department ?? '';
    const pool = poolOf(name);
    const work: Work = {
      id,
      kase: c,
      elementId,
      department: name,
      pool,
      enabledAt: now,
      startAt: now,
      durationMs: Math.max(0, Math.round(task.duration(random.work) * MS_PER_HOUR)),
      staff: null,
      state: 0,
    };
    c.work.set(id, work);
    if (pool.stats.staff === null) {
      begin(work, null);
      return;
    }
    pool.queue.push(work);
    pool.waiting++;
    dispatch(pool);
    if (pool.waiting > pool.stats.maxQueue) pool.stats.maxQueue = pool.waiting;
  };

  const cancelWork = (work: Work): void => {
    if (work.state === 0) work.pool.waiting--;
    else if (work.state === 1) {
      work.pool.stats.busyMs += calendar.workingMsBetween(work.startAt, Math.max(now, work.startAt));
      release(work);
      work.state = 2;
      dispatch(work.pool);
    }
    work.state = 2;
  };

  // ── commands ──
  const apply = (c: SimCase, command: CaseCommand, actor: string, firstIds: string[] = []): void => {
    if (++c.commandCount > MAX_COMMANDS_PER_CASE) {
      throw new SimulationError(
        `case ${c.data.number} ran more than ${MAX_COMMANDS_PER_CASE} commands: does a loop never end (a probability of 1)?`,
      );
    }
    c.pendingIds = record ? [...firstIds] : null;
    c.options.now = now;
    let result: ReturnType<typeof execute>;
    try {
      result = execute(definition, c.snapshot, command, c.options);
    } catch (error) {
      // run in place, the case cannot be rolled back: the simulation stops, naming the loop
      if (error instanceof RunBudgetExceeded)
        throw new SimulationError(`case ${c.data.number} (${command.type}): ${error.message}`);
      throw error;
    }
    const { snapshot, events } = result;
    commands++;
    c.snapshot = snapshot;
    if (c.data.commands && c.pendingIds)
      c.data.commands.push({ at: now, command, ids: c.pendingIds, actor, events: structuredClone(events) });
    c.pendingIds = null;
    handle(c, events);
    if (snapshot.status !== 'active') finish(c);
    else if (snapshot.subscriptions.length > 0) subscribe(c, snapshot);
  };

  const handle = (c: SimCase, events: CaseEvent[]): void => {
    for (const event of events) {
      switch (event.type) {
        case 'stepEntered': {
          const s = event.step;
          c.steps.set(s.id, { record: s, enteredAt: s.enteredAt, completedAt: null, status: 'active' });
          if (c.log) log(c, s, 'start', s.enteredAt, null);
          break;
        }
        case 'stepCompleted':
        case 'stepCancelled':
        case 'stepFailed': {
          const s = event.step;
          const tracked = c.steps.get(s.id);
          if (tracked) {
            tracked.record = s;
            tracked.completedAt = s.completedAt;
            tracked.status = s.status;
          }
          if (c.log)
            log(
              c,
              s,
              event.type === 'stepCompleted' ? 'complete' : 'ate_abort',
              s.completedAt ?? now,
              c.work.get(s.id)?.staff ?? null,
            );
          break;
        }
        case 'taskCreated':
          enqueue(c, event.task.id, event.task.elementId, event.task.department);
          break;
        case 'taskCancelled': {
          const work = c.work.get(event.taskId);
          if (work) cancelWork(work);
          break;
        }
        case 'timerScheduled':
          queue.push({
            time: Math.max(event.timer.dueAt, now),
            kind: 'timer',
            kase: c,
            timerId: event.timer.id,
          });
          break;
        default:
          break;
      }
    }
  };

  const subscribe = (c: SimCase, snapshot: CaseSnapshot): void => {
    for (const sub of snapshot.subscriptions) {
      if (sub.kind !== 'message' || c.scheduledSubs.has(sub.id)) continue;
      c.scheduledSubs.add(sub.id);
      const message = params.messages.get(sub.name);
      if (!message) continue;
      const delay = Math.max(0, Math.round(message.delay(random.messages) * MS_PER_HOUR));
      queue.push({
        time: delay === 0 ? now : calendar.addWorkingMs(now, delay),
        kind: 'message',
        kase: c,
        subscriptionId: sub.id,
        name: sub.name,
      });
    }
  };

  const finish = (c: SimCase): void => {
    const snapshot = c.snapshot as CaseSnapshot;
    c.ended = true;
    open.delete(c.data.id);
    const end = snapshot.endedAt ?? now;
    const pauses: [number, number][] = [];
    const steps: CaseOutcome['steps'] = [];
    for (const s of c.steps.values()) {
      if (s.record.pausesClock) pauses.push([s.enteredAt, s.completedAt ?? end]);
      steps.push({
        elementId: s.record.elementId,
        name: s.record.name,
        status: s.status,
        workingMs: s.completedAt === null ? null : calendar.workingMsBetween(s.enteredAt, s.completedAt),
        timeLimit: s.record.timeLimit,
      });
    }
    const data = c.data;
    data.status = snapshot.status;
    data.endedAt = end;
    if (snapshot.incidents.length > 0)
      data.incidents = snapshot.incidents.map((i) => ({ elementId: i.elementId, message: i.message }));
    data.outcome = {
      status: snapshot.status,
      workingMs: calendar.workingMsBetweenExcluding(snapshot.startedAt, end, pauses),
      trips: snapshot.trips,
      corrected: snapshot.corrected,
      steps,
    };
    if (snapshot.status === 'completed' && params.ratings && random.ratings.next() < params.ratings.share) {
      const r = params.ratings;
      const u = random.ratings.next() * r.cumulative[r.cumulative.length - 1];
      let index = r.cumulative.findIndex((cum) => u < cum);
      if (index < 0) index = r.levels.length - 1;
      const delay = Math.max(0, Math.round(r.delay(random.ratings) * MS_PER_HOUR));
      // a share of ratings is of one step a department did (drawn from its own stream: other draws unchanged)
      let elementId: string | undefined;
      if (r.stepShare > 0 && random.ratingSteps.next() < r.stepShare) {
        const rateable = [...c.steps.values()].filter(
          (s) => s.status === 'completed' && s.record.department !== null && !s.record.pausesClock,
        );
        if (rateable.length > 0)
          elementId = rateable[Math.floor(random.ratingSteps.next() * rateable.length)].record.elementId;
      }
      ratings.push({
        caseId: data.id,
        level: r.levels[index],
        at: delay === 0 ? end : calendar.addWorkingMs(end, delay),
        ...(elementId === undefined ? {} : { elementId }),
      });
    }
    flushLog(c);
    if (record) data.snapshot = snapshot;
    c.snapshot = null;
    c.steps.clear();
    c.work.clear();
  };

  const flushLog = (c: SimCase): void => {
    if (!c.log || !options.onCaseLog) return;
    const entries = c.log.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
    c.log = null;
    options.onCaseLog(entries);
  };

  const stepStatsOf = (work: Work): StepStats => {
    let stats = stepStats.get(work.elementId);
    if (!stats) {
      const node = definition.graph.nodes[work.elementId];
      stats = {
        elementId: work.elementId,
        name: node?.name ?? null,
        departments: [],
        worked: 0,
        waitingMs: 0,
        processingMs: 0,
      };
      stepStats.set(work.elementId, stats);
    }
    if (!stats.departments.includes(work.department)) stats.departments.push(work.department);
    return stats;
  };

  // ── the event loop ──
  scheduleArrival(1);
  let arrived = 0;
  for (let event = queue.pop(); event; event = queue.pop()) {
    if (event.time > until) {
      queue.push(event); // not processed: the clock stops at `until`
      break;
    }
    now = event.time;
    switch (event.kind) {
      case 'arrival': {
        arrived++;
        const number = event.number;
        const given = explicit?.[number - 1];
        const id = given ? given.id : random.ids.uuid();
        const context = { caseNumber: number, visit: 1 };
        const variables = {
          ...(params.startVariables?.(random.variables, context) ?? {}),
          ...(given?.variables ?? {}),
        };
        const drawnChannel = params.channel ? String(params.channel(random.variables, context)) : null;
        const channel = given?.channel !== undefined ? given.channel : drawnChannel;
        const drawnKey = businessKey === null ? null : businessKey(number);
        const data: SimulatedCase = {
          id,
          number,
          arrivedAt: now,
          channel,
          businessKey: given?.businessKey !== undefined ? given.businessKey : drawnKey,
          idempotencyKey: given?.idempotencyKey ?? null,
          variables,
          status: 'active',
          endedAt: null,
          outcome: { status: 'active', workingMs: null, trips: 0, corrected: false, steps: [] },
          incidents: NO_INCIDENTS,
          commands: record ? [] : null,
          snapshot: null,
        };
        const c: SimCase = {
          data,
          snapshot: null,
          idSeq: 0,
          pendingIds: null,
          newId: (prefix) => {
            const generated = `${id}-${prefix}${++c.idSeq}`;
            c.pendingIds?.push(generated);
            return generated;
          },
          options: {
            now,
            calendar,
            definitions: options.definitions,
            handlers: options.handlers,
            inPlace: true,
          },
          visits: new Map(),
          steps: new Map(),
          work: new Map(),
          scheduledSubs: new Set(),
          log: logging ? [] : null,
          commandCount: 0,
          ended: false,
        };
        c.options.newId = c.newId;
        cases.push(data);
        open.set(id, c);
        scheduleArrival(number + 1);
        const command: CaseCommand = {
          type: 'start',
          caseId: id,
          variables: { ...variables },
          ...(channel ? { channel } : {}),
        };
        apply(c, command, 'simulation:applicant', [id]);
        if (options.onProgress && arrived % 1000 === 0) options.onProgress(arrived, total);
        break;
      }
      case 'complete': {
        const work = event.work;
        if (work.state !== 1) break; // cancelled meanwhile (a boundary timer interrupted the task)
        work.state = 2;
        const pool = work.pool;
        const stats = stepStatsOf(work);
        const waited = calendar.workingMsBetween(work.enabledAt, work.startAt);
        stats.worked++;
        stats.waitingMs += waited;
        stats.processingMs += work.durationMs;
        pool.stats.tasks++;
        pool.stats.busyMs += work.durationMs;
        pool.stats.waitingMs += waited;
        release(work);
        const c = work.kase;
        const task = params.tasks.get(work.elementId);
        const visit = (c.visits.get(work.elementId) ?? 0) + 1;
        c.visits.set(work.elementId, visit);
        const variables = task?.variables?.(random.variables, { caseNumber: c.data.number, visit }) ?? {};
        if (!c.ended)
          apply(c, { type: 'completeTask', taskId: work.id, variables }, work.staff ?? 'simulation:staff');
        dispatch(pool);
        break;
      }
      case 'message': {
        const c = event.kase;
        if (c.ended || !c.snapshot?.subscriptions.some((s) => s.id === event.subscriptionId)) break;
        const message = params.messages.get(event.name);
        const visit = (c.visits.get(`message:${event.name}`) ?? 0) + 1;
        c.visits.set(`message:${event.name}`, visit);
        const variables = message?.variables?.(random.messages, { caseNumber: c.data.number, visit }) ?? {};
        const channel = message?.channel
          ? String(message.channel(random.messages, { caseNumber: c.data.number, visit }))
          : undefined;
        apply(
          c,
          { type: 'deliverMessage', name: event.name, variables, ...(channel ? { channel } : {}) },
          'simulation:applicant',
        );
        break;
      }
      case 'timer': {
        const c = event.kase;
        const timer = c.snapshot?.timers[event.timerId];
        if (c.ended || !timer || timer.dueAt > now) break;
        apply(c, { type: 'fireTimer', timerId: event.timerId }, 'scheduler');
        break;
      }
    }
  }
  options.onProgress?.(arrived, total);

  // the run is over: what stayed open, and the work in progress at the stop
  const end = Number.isFinite(until) && queue.size > 0 ? until : now;
  const waitingAt = new Map<string, number>();
  for (const c of open.values()) {
    for (const work of c.work.values()) {
      if (work.state === 1)
        work.pool.stats.busyMs += calendar.workingMsBetween(work.startAt, Math.max(end, work.startAt));
    }
    for (const instance of Object.values(c.snapshot?.activities ?? {})) {
      if (
        instance.wait === 'task' ||
        instance.wait === 'message' ||
        instance.wait === 'timer' ||
        instance.wait === 'signal' ||
        instance.wait === 'conditional'
      ) {
        waitingAt.set(instance.elementId, (waitingAt.get(instance.elementId) ?? 0) + 1);
      }
    }
    flushLog(c);
    if (record) c.data.snapshot = c.snapshot;
  }
  if (queue.size === 0 && open.size > 0) {
    warnings.push(
      `${open.size} case(s) stayed open with nothing left to happen: see 'waiting' (a message without parameters?)`,
    );
  }
  return {
    process: {
      id: definition.id,
      key: definition.key,
      version: definition.version,
      name: definition.graph.name,
    },
    seed: options.seed,
    start,
    end,
    cases,
    ratings,
    steps: [...stepStats.values()],
    departments: [...pools.values()].map((p) => p.stats),
    waiting: [...waitingAt].map(([elementId, n]) => ({ elementId, cases: n })),
    warnings,
    commands,
  };
}
