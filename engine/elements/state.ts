/** The persisted shape of a case (plain JSON), the commands applied to it and the events they yield. */
import type { LifecycleState } from './lifecycle.js';

export type Variables = Record<string, unknown>;
export type CaseStatus = 'active' | 'completed' | 'cancelled' | 'failed';
export type Channel = 'online' | 'window' | string;

/** A running container of tokens: the process, a subprocess, an event subprocess or a called process. */
export interface ScopeInstance {
  id: string;
  /** The element whose content runs here: the process key, or the subprocess id. */
  elementId: string;
  /** The definition the scope's graph comes from (a call activity runs another definition). */
  definitionId: string;
  /** The activity instance this scope runs inside; null for the case's root scope. */
  parentActivity: string | null;
  /** Tokens waiting at joins: node → incoming flow → count. */
  joins: Record<string, Record<string, number>>;
  /** Own variables: the case's root scope and called processes have them; others share their parent's. */
  variables?: Variables;
  /** Read-only values visible inside (multi-instance element variable, loop counter). */
  locals?: Variables;
}

/** One activity or waiting event instance: one step of the timeline, unless it is a multi-instance body. */
export interface ActivityInstance {
  id: string;
  elementId: string;
  scopeId: string;
  type: string;
  state: LifecycleState;
  enteredAt: number;
  department: string | null;
  dueAt: number | null;
  /** Whether this instance is a step of the timeline (a multi-instance body and gateways are not). */
  step: boolean;
  /** What the instance waits for. */
  wait: 'task' | 'message' | 'timer' | 'signal' | 'conditional' | 'scope' | 'body' | 'gateway' | 'none';
  /** The scope an embedded/called/event subprocess runs in. */
  childScope?: string;
  /** Inner instance of this multi-instance body. */
  bodyId?: string;
  locals?: Variables;
  loopCounter?: number;
  multi?: MultiInstanceState;
  /** Variable names this step set, reported on its completion. */
  changed?: string[];
}

export interface MultiInstanceState {
  total: number;
  completed: number;
  active: number;
  /** Index of the next inner instance to start (sequential). */
  next: number;
  items: unknown[] | null;
}

/** Something a case waits for from outside: a message, a signal, or a condition on its variables. */
export interface Subscription {
  id: string;
  kind: 'message' | 'signal' | 'conditional';
  name: string;
  /** The node that catches: a catch event, boundary event, receive task or event subprocess start. */
  elementId: string;
  /** The instance that waits (catch event, receive task, gateway) or whose boundary this is. */
  activityId: string | null;
  /** The scope whose event subprocess starts on it (activityId null). */
  scopeId: string;
  /** Conditional events fire on the condition becoming true, not on it staying true. */
  lastValue?: boolean;
  /** A message's correlation key, evaluated when the wait began (messages between cases match on it). */
  correlationKey?: string | null;
}

export interface TimerInstance {
  id: string;
  elementId: string;
  activityId: string | null;
  scopeId: string;
  dueAt: number;
  /** Remaining repetitions of a cycle (null: unbounded), and its interval. */
  repeat?: number | null;
  intervalMs?: number;
  /** A gov:workingDays timer: its working days and when it was scheduled, so a calendar change can move it. */
  workingDays?: number;
  scheduledAt?: number;
}

export interface Incident {
  elementId: string;
  message: string;
  at: number;
  /** The elements that kept running when a command went over its budget (the loop, from its entry). */
  elements?: string[];
}

export interface CaseSnapshot {
  /** Snapshot format version. */
  format: 1;
  id: string;
  definitionId: string;
  status: CaseStatus;
  /** The XState state value of the case lifecycle machine. */
  lifecycle: string;
  startedAt: number;
  endedAt: number | null;
  variables: Variables;
  scopes: Record<string, ScopeInstance>;
  activities: Record<string, ActivityInstance>;
  subscriptions: Subscription[];
  timers: Record<string, TimerInstance>;
  incidents: Incident[];
  /** In-person trips so far: window start, in-person completions, window messages. */
  trips: number;
  /** Whether the case ever reached a gov:correction node (not done first time). */
  corrected: boolean;
  /** Counter for deterministic ids. */
  seq: number;
  /** The case's business key (readable in FEEL as `businessKey`); absent in cases stored before 2026-12-07. */
  businessKey?: string | null;
}

export type CaseCommand =
  | {
      type: 'start';
      caseId?: string;
      variables?: Variables;
      channel?: Channel;
      startEventId?: string;
      message?: string;
      businessKey?: string | null;
    }
  | { type: 'completeTask'; taskId: string; variables?: Variables }
  | {
      type: 'deliverMessage';
      name: string;
      variables?: Variables;
      channel?: Channel;
      /** Delivered to this subscription (messages between cases); else to the first waiting for `name`. */
      subscriptionId?: string;
      /** The stored message (POST /api/messages or another case's throw), recorded in `messageReceived`. */
      messageId?: string;
    }
  | { type: 'fireTimer'; timerId: string }
  /** A signal broadcast from outside the case; `signalId` names the broadcast (its `signalThrown` records it). */
  | { type: 'signal'; name: string; variables?: Variables; signalId?: string }
  | { type: 'cancel'; reason?: string };

export interface StepRecord {
  id: string;
  elementId: string;
  name: string | null;
  type: string;
  department: string | null;
  status: 'active' | 'completed' | 'cancelled' | 'failed';
  enteredAt: number;
  completedAt: number | null;
  dueAt: number | null;
  timeLimit: number | null;
  inPerson: boolean;
  correction: boolean;
  pausesClock: boolean;
  variablesChanged: string[];
  /** The enclosing subprocess step, if any. */
  parentStepId: string | null;
}

export interface TaskRecord {
  id: string;
  caseId: string;
  elementId: string;
  name: string | null;
  type: string;
  department: string | null;
  createdAt: number;
  dueAt: number | null;
  form: unknown | null;
}

export type CaseEvent =
  | { type: 'caseStarted'; caseId: string; at: number; variables: Variables; channel: Channel | null }
  | { type: 'stepEntered'; step: StepRecord }
  | { type: 'stepCompleted'; step: StepRecord }
  | { type: 'stepCancelled'; step: StepRecord }
  | { type: 'stepFailed'; step: StepRecord }
  | { type: 'taskCreated'; task: TaskRecord }
  | { type: 'taskCompleted'; taskId: string; at: number; variables: Variables }
  | { type: 'taskCancelled'; taskId: string; at: number }
  | { type: 'timerScheduled'; timer: TimerInstance }
  | { type: 'timerCancelled'; timerId: string }
  | { type: 'timerFired'; timerId: string; elementId: string; at: number }
  | {
      type: 'messageReceived';
      name: string;
      elementId: string;
      at: number;
      channel: Channel | null;
      messageId?: string;
    }
  /**
   * A message throw event or send task: whoever carries messages between cases or systems delivers it, to the
   * case waiting for `name` with `correlationKey` (evaluated in the sending case).
   */
  | {
      type: 'messageSent';
      name: string;
      elementId: string;
      at: number;
      variables: Variables;
      correlationKey?: string | null;
    }
  /** A signal thrown by an element, or (`elementId` 'external') received from a broadcast named `signalId`. */
  | { type: 'signalThrown'; name: string; elementId: string; at: number; signalId?: string }
  | { type: 'escalationRaised'; code: string | null; elementId: string; caught: boolean; at: number }
  | { type: 'errorRaised'; code: string | null; elementId: string; caught: boolean; at: number }
  | { type: 'variablesChanged'; at: number; changes: Variables }
  | { type: 'incidentRaised'; incident: Incident }
  | { type: 'caseCompleted'; at: number }
  | { type: 'caseFailed'; at: number }
  | { type: 'caseCancelled'; at: number; reason: string | null };

/** A command that cannot apply to the case as it stands (nothing waits for the message, task not open…). */
export class CommandRejected extends Error {
  constructor(
    readonly code: 'notOpen' | 'noSubscriber' | 'notActive' | 'unknownTask' | 'alreadyStarted' | 'noStart',
    message: string,
  ) {
    super(message);
  }
}
