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
 *
 * The steps of a run, one method each on `Simulation`: an applicant arrives (`arrive`), a command runs on a case
 * (`apply`) and its events are followed (`follow`: steps, tasks to the departments, timers; `subscribe`:
 * messages), a member completes a task (`completeTask`), a message or a timer comes (`deliverMessage`,
 * `fireTimer`), a case ends (`finish`: outcome and rating), and the run is collected (`collect`). The departments'
 * queues live in departments.ts, the arrivals in arrivals.ts, the log in case-log.ts, a case's end in case-end.ts,
 * the messages between cases in case-messages.ts.
 */
import type { WorkingCalendar } from '../calendar/index.js';
import type { CaseCommand, CaseEvent, CaseSnapshot } from '../elements/state.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import { execute } from '../runtime/execute.js';
import { RunBudgetExceeded } from '../runtime/run-budget.js';
import { Arrivals } from './arrivals.js';
import { countWaits, drawRating, includeLinked, recordEnd } from './case-end.js';
import { CaseLogs } from './case-log.js';
import { CaseMessages } from './case-messages.js';
import { Departments, type Work } from './departments.js';
import { EventQueue } from './event-queue.js';
import { MESSAGES_ACTOR, type SentMessage } from './messages.js';
import type { CompiledParams } from './params.js';
import { type Streams, streams } from './random.js';
import { enterStep, leaveStep, newSimCase, nextVisit, type SimCase } from './sim-case.js';
import {
  type Rating,
  type SimulatedCase,
  type SimulateOptions,
  SimulationError,
  type SimulationResult,
} from './types.js';

const MS_PER_HOUR = 3_600_000;
/** A case that runs more commands than this is looping without end (a correction loop with probability 1?). */
const MAX_COMMANDS_PER_CASE = 10_000;

type SimEvent =
  | { time: number; seq: number; kind: 'arrival'; number: number }
  | { time: number; seq: number; kind: 'complete'; work: Work }
  | { time: number; seq: number; kind: 'message'; kase: SimCase; subscriptionId: string; name: string }
  | { time: number; seq: number; kind: 'timer'; kase: SimCase; timerId: string }
  | { time: number; seq: number; kind: 'sent'; message: SentMessage };

/** Runs the simulation to the end (no events left, or `until`) and returns every case and statistic. */
export function simulate(options: SimulateOptions): SimulationResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly definition: CompiledDefinition;
  private readonly params: CompiledParams;
  private readonly calendar: WorkingCalendar;
  private readonly random: Streams;
  private readonly until: number;
  private readonly record: boolean;
  private readonly arrivals: Arrivals;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly departments: Departments;
  private readonly logs: CaseLogs;
  private readonly cases: SimulatedCase[] = [];
  /** Messages between cases, and the cases they started (department cases of a 一件事). */
  private readonly messages: CaseMessages;
  private readonly open = new Map<string, SimCase>();
  private readonly ratings: Rating[] = [];
  private readonly warnings: string[];
  private commands = 0;
  private arrived = 0;
  private now: number;

  constructor(private readonly options: SimulateOptions) {
    const { definition, params, calendar } = options;
    this.definition = definition;
    this.params = params;
    this.calendar = calendar;
    this.random = streams(options.seed, options.namespace ?? definition.id);
    this.until = options.until ?? Number.POSITIVE_INFINITY;
    this.arrivals = new Arrivals(options, this.until, this.random, calendar);
    this.now = this.arrivals.start;
    this.record = options.record === true;
    this.warnings = [...params.warnings];
    this.departments = new Departments(params.staff, definition.graph, calendar, (work, end) =>
      this.started(work, end),
    );
    this.logs = new CaseLogs(options.onCaseLog);
    this.messages = new CaseMessages(options.collaboration ?? [], this.record, (data, definition) =>
      newSimCase(data, this.now, { ...options, definition }, this.logs.enabled),
    );
  }

  run(): SimulationResult {
    this.scheduleArrival(1);
    for (let event = this.queue.pop(); event; event = this.queue.pop()) {
      if (event.time > this.until) {
        this.queue.push(event); // not processed: the clock stops at `until`
        break;
      }
      this.now = event.time;
      switch (event.kind) {
        case 'arrival':
          this.arrive(event.number);
          break;
        case 'complete':
          this.completeTask(event.work);
          break;
        case 'message':
          this.deliverMessage(event.kase, event.subscriptionId, event.name);
          break;
        case 'timer':
          this.fireTimer(event.kase, event.timerId);
          break;
        case 'sent':
          this.deliverSent(event.message);
          break;
      }
    }
    this.options.onProgress?.(this.arrived, this.arrivals.total);
    return this.collect();
  }

  // ── arrivals ──

  private scheduleArrival(number: number): void {
    const time = this.arrivals.timeOf(number);
    if (time !== null && time <= this.until) this.queue.push({ time, kind: 'arrival', number });
  }

  /** An applicant arrives: the case is drawn (id, variables, channel, business key) and started. */
  private arrive(number: number): void {
    const { options, now } = this;
    this.arrived++;
    const data = this.arrivals.newCase(number, now, this.record);
    const c = newSimCase(data, now, options, this.logs.enabled);
    this.cases.push(data);
    this.open.set(data.id, c);
    this.scheduleArrival(number + 1);
    const command: CaseCommand = {
      type: 'start',
      caseId: data.id,
      variables: { ...data.variables },
      ...(data.channel ? { channel: data.channel } : {}),
      // as CaseService starts it: the business key is the case's, readable in FEEL as `businessKey`
      ...(data.businessKey !== null && data.businessKey !== undefined
        ? { businessKey: data.businessKey }
        : {}),
    };
    this.apply(c, command, 'simulation:applicant', [data.id]);
    if (options.onProgress && this.arrived % 1000 === 0)
      options.onProgress(this.arrived, this.arrivals.total);
  }

  // ── commands ──

  /** Runs one command on the case at `now`, records it, and follows what it produced. */
  private apply(c: SimCase, command: CaseCommand, actor: string, firstIds: string[] = []): void {
    if (++c.commandCount > MAX_COMMANDS_PER_CASE) {
      throw new SimulationError(
        `case ${c.data.number} ran more than ${MAX_COMMANDS_PER_CASE} commands: does a loop never end (a probability of 1)?`,
      );
    }
    const now = this.now;
    c.pendingIds = this.record ? [...firstIds] : null;
    c.options.now = now;
    let result: ReturnType<typeof execute>;
    try {
      result = execute(c.definition, c.snapshot, command, c.options);
    } catch (error) {
      // run in place, the case cannot be rolled back: the simulation stops, naming the loop
      if (error instanceof RunBudgetExceeded)
        throw new SimulationError(`case ${c.data.number} (${command.type}): ${error.message}`);
      throw error;
    }
    const { snapshot, events } = result;
    this.commands++;
    c.snapshot = snapshot;
    if (c.data.commands && c.pendingIds)
      c.data.commands.push({ at: now, command, ids: c.pendingIds, actor, events: structuredClone(events) });
    c.pendingIds = null;
    this.follow(c, events);
    if (snapshot.status !== 'active') this.finish(c);
    else if (snapshot.subscriptions.length > 0) this.subscribe(c, snapshot);
  }

  /** The engine's events: steps tracked and logged, tasks to their departments, timers onto the clock. */
  private follow(c: SimCase, events: CaseEvent[]): void {
    for (const [index, event] of events.entries()) {
      switch (event.type) {
        case 'stepEntered':
          enterStep(c, event.step, this.logs);
          break;
        case 'stepCompleted':
        case 'stepCancelled':
        case 'stepFailed':
          leaveStep(c, event.step, event.type === 'stepCompleted', this.now, this.logs);
          break;
        case 'taskCreated':
          this.enqueue(c, event.task.id, event.task.elementId, event.task.department);
          break;
        case 'taskCancelled': {
          const work = c.work.get(event.taskId);
          if (work) this.departments.cancel(work, this.now);
          break;
        }
        case 'messageSent': {
          const message = this.messages.sent(c, event, index, this.now);
          this.queue.push({ time: this.now, kind: 'sent', message });
          break;
        }
        case 'timerScheduled':
          this.queue.push({
            time: Math.max(event.timer.dueAt, this.now),
            kind: 'timer',
            kase: c,
            timerId: event.timer.id,
          });
          break;
        default:
          break;
      }
    }
  }

  /**
   * The answer to each new message subscription (a correction's documents) is scheduled after its delay; a
   * message the parameters do not answer waits for another case to send it (messages.ts).
   */
  private subscribe(c: SimCase, snapshot: CaseSnapshot): void {
    for (const sub of snapshot.subscriptions) {
      if (sub.kind !== 'message' || c.scheduledSubs.has(sub.id)) continue;
      c.scheduledSubs.add(sub.id);
      const message = this.params.messages.get(sub.name);
      if (!message) {
        // no parameter answers it: it waits for a message a case sends; messages kept for it are sent again
        for (const kept of this.messages.wait(c, sub))
          this.queue.push({ time: this.now, kind: 'sent', message: kept });
        continue;
      }
      const delay = Math.max(0, Math.round(message.delay(this.random.messages) * MS_PER_HOUR));
      this.queue.push({
        time: delay === 0 ? this.now : this.calendar.addWorkingMs(this.now, delay),
        kind: 'message',
        kase: c,
        subscriptionId: sub.id,
        name: sub.name,
      });
    }
  }

  // ── the departments' work ──

  /** A task is created: its duration is drawn and it goes to its department's queue. */
  private enqueue(c: SimCase, id: string, elementId: string, department: string | null): void {
    const task = this.params.tasks.get(elementId);
    if (!task)
      throw new SimulationError(
        `task '${elementId}' has no duration in the parameters (give tasks.${elementId} or defaults.duration)`,
      );
    const name = department ?? '';
    const work: Work = {
      id,
      kase: c,
      elementId,
      department: name,
      pool: this.departments.poolOf(name),
      enabledAt: this.now,
      startAt: this.now,
      durationMs: Math.max(0, Math.round(task.duration(this.random.work) * MS_PER_HOUR)),
      staff: null,
      state: 'queued',
    };
    c.work.set(id, work);
    this.departments.enqueue(work, this.now);
  }

  /** A member took up the task: it completes at `end`, and the log says who took it when. */
  private started(work: Work, end: number): void {
    this.queue.push({ time: end, kind: 'complete', work });
    if (work.kase.log) {
      const step = work.kase.steps.get(work.id);
      if (step) this.logs.add(work.kase, step.record, 'assign', work.startAt, work.staff);
    }
  }

  /** The member is done: the task completes with variables drawn for this visit, and takes the next. */
  private completeTask(work: Work): void {
    if (work.state !== 'working') return; // cancelled meanwhile (a boundary timer interrupted the task)
    this.departments.complete(work);
    const c = work.kase;
    const task = this.params.tasks.get(work.elementId);
    const visit = nextVisit(c, work.elementId);
    const variables = task?.variables?.(this.random.variables, { caseNumber: c.data.number, visit }) ?? {};
    if (!c.ended)
      this.apply(c, { type: 'completeTask', taskId: work.id, variables }, work.staff ?? 'simulation:staff');
    this.departments.dispatch(work.pool, this.now);
  }

  // ── messages and timers ──

  private deliverMessage(c: SimCase, subscriptionId: string, name: string): void {
    if (c.ended || !c.snapshot?.subscriptions.some((s) => s.id === subscriptionId)) return;
    const message = this.params.messages.get(name);
    const visit = nextVisit(c, `message:${name}`);
    const context = { caseNumber: c.data.number, visit };
    const variables = message?.variables?.(this.random.messages, context) ?? {};
    const channel = message?.channel ? String(message.channel(this.random.messages, context)) : undefined;
    this.apply(
      c,
      { type: 'deliverMessage', name, variables, ...(channel ? { channel } : {}) },
      'simulation:applicant',
    );
  }

  /** A case sent a message: the commands it brings, each run by the actor `messages` (case-messages.ts). */
  private deliverSent(message: SentMessage): void {
    for (const { kase, command, ids, started } of this.messages.route(message, this.now)) {
      if (started) this.open.set(kase.data.id, kase);
      this.apply(kase, command, MESSAGES_ACTOR, ids);
    }
  }

  private fireTimer(c: SimCase, timerId: string): void {
    const timer = c.snapshot?.timers[timerId];
    if (c.ended || !timer || timer.dueAt > this.now) return;
    this.apply(c, { type: 'fireTimer', timerId }, 'scheduler');
  }

  // ── a case ends ──

  /** The case ended: its outcome, perhaps a rating, its log handed over, and its working state dropped. */
  private finish(c: SimCase): void {
    const snapshot = c.snapshot as CaseSnapshot;
    c.ended = true;
    this.open.delete(c.data.id);
    const end = snapshot.endedAt ?? this.now;
    recordEnd(c, snapshot, end, this.calendar);
    // the applicant rates the 一件事 through its master, not each department case its messages started
    if (snapshot.status === 'completed' && this.params.ratings && !c.data.rootCaseId) {
      const rating = drawRating(c, end, this.params.ratings, this.random, this.calendar);
      if (rating) this.ratings.push(rating);
    }
    this.logs.flush(c);
    if (this.record) c.data.snapshot = snapshot;
    c.snapshot = null;
    c.steps.clear();
    c.work.clear();
  }

  // ── the run is over ──

  /** What stayed open, the work in hand at the stop, and every statistic. */
  private collect(): SimulationResult {
    const { definition, queue, open } = this;
    const end = Number.isFinite(this.until) && queue.size > 0 ? this.until : this.now;
    const waitingAt = new Map<string, number>();
    for (const c of open.values()) {
      for (const work of c.work.values()) this.departments.stopAt(work, end);
      countWaits(c.snapshot, waitingAt);
      this.logs.flush(c);
      if (this.record) c.data.snapshot = c.snapshot;
    }
    this.warnings.push(...this.messages.warnings());
    includeLinked(this.cases, this.messages.linked);
    if (queue.size === 0 && open.size > 0) {
      this.warnings.push(
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
      seed: this.options.seed,
      start: this.arrivals.start,
      end,
      cases: this.cases,
      linked: this.messages.linked.map((c) => c.data),
      messages: this.messages.list(),
      ratings: this.ratings,
      steps: this.departments.stepStats(),
      departments: this.departments.departmentStats(),
      waiting: [...waitingAt].map(([elementId, n]) => ({ elementId, cases: n })),
      warnings: this.warnings,
      commands: this.commands,
    };
  }
}
