/**
 * The messages a run's cases send one another, as the server's message service handles them: each numbered as the
 * server numbers its outbox, routed (messages.ts) to the oldest wait for it or to the processes of the collaboration
 * it starts — a new case, a department case of the sender's 一件事 — or kept until a wait begins; what each became
 * recorded (with `record`). It hands the simulation the commands to run, each on its case, by the actor `messages`;
 * the simulation runs them on its clock.
 */
import type { CaseCommand, CaseEvent, Subscription } from '../elements/state.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import {
  linkedCase,
  MessageRouter,
  messageStartsOf,
  type SentMessage,
  SentRecords,
  sentId,
} from './messages.js';
import type { SimCase } from './sim-case.js';
import type { SentMessageRecord, SimulatedCase } from './types.js';

/** A command a message brings: to a waiting case, or the start of a case it started (`started`). */
export interface MessageCommand {
  kase: SimCase;
  command: CaseCommand;
  /** The ids the command draws first (a started case: its own id). */
  ids: string[];
  started: boolean;
}

type MessageSent = Extract<CaseEvent, { type: 'messageSent' }>;

export class CaseMessages {
  /** Cases started by messages (department cases of a 一件事), in the order they started. */
  readonly linked: SimCase[] = [];
  private readonly linkedIds = new Set<string>();
  private readonly router: MessageRouter;
  private readonly records: SentRecords;

  constructor(
    collaboration: readonly CompiledDefinition[],
    private readonly record: boolean,
    /** A new simulated case of `definition` for a case a message starts. */
    private readonly newCase: (data: SimulatedCase, definition: CompiledDefinition) => SimCase,
  ) {
    this.router = new MessageRouter(messageStartsOf(collaboration));
    this.records = new SentRecords(record);
  }

  /** A case's command sent a message (its `index`-th event) at `now`: numbered and recorded, to be routed. */
  sent(c: SimCase, event: MessageSent, index: number, now: number): SentMessage {
    const { name, correlationKey = null, variables } = event;
    // as the server numbers its outbox: the command's revision is the number of the case's commands before it
    const id = sentId(c.data.id, c.commandCount - 1, index);
    const message = { id, at: now, kept: false, name, correlationKey, variables, from: c };
    this.records.sent(message);
    return message;
  }

  /** A case began waiting for a message no parameter answers: the messages kept for it, to be routed again. */
  wait(c: SimCase, subscription: Subscription): SentMessage[] {
    return this.router.wait(c, subscription);
  }

  /**
   * Where a sent message goes at `now`: the oldest wait for it (its delivery naming the message), else a case of
   * each process of the collaboration it starts, else nowhere yet (kept).
   */
  route(message: SentMessage, now: number): MessageCommand[] {
    const route = this.router.route(message);
    if (route.kind === 'kept') return [];
    if (route.kind === 'start') {
      const starts = route.definitions.map((d) => this.startCase(d, message, now));
      this.records.done(message, 'started', now, starts[0]?.kase.data.id ?? null, null);
      return starts;
    }
    const { name, variables, id: messageId } = message;
    const { kase, subscriptionId } = route.wait;
    this.records.done(message, 'delivered', now, kase.data.id, subscriptionId);
    const command: CaseCommand = { type: 'deliverMessage', name, variables, subscriptionId, messageId };
    return [{ kase, command, ids: [], started: false }];
  }

  /** A message starts a case of a process of the collaboration: a department case of the sender's 一件事. */
  private startCase(definition: CompiledDefinition, message: SentMessage, now: number): MessageCommand {
    const { data, command } = linkedCase(
      message,
      definition,
      now,
      (id) => this.linkedIds.has(id),
      this.record,
    );
    this.linkedIds.add(data.id);
    const kase = this.newCase(data, definition);
    this.linked.push(kase);
    return { kase, command, ids: [data.id], started: true };
  }

  /** One warning per message still kept when the run ends. */
  warnings(): string[] {
    return this.router.undeliveredWarnings();
  }

  /** Every message sent and what it became (with `record`). */
  list(): SentMessageRecord[] {
    return this.records.list();
  }
}
