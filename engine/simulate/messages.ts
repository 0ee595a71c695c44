/**
 * Messages between simulated cases (a 一件事 whose master starts department processes by messages), routed as
 * the server's message service routes them (server/messages/message-service.ts): a message a case sends goes to
 * the oldest wait of its name and correlation key still waiting; with none, it starts a case at each process of
 * the collaboration whose top-level message start event waits for its name (its key the new case's business
 * key); with neither, it is kept until a wait for it begins. What is still kept when the run ends is reported
 * as undelivered: the simulation has no time to live, it runs until nothing is left to happen.
 */
import type { CaseCommand, Subscription, Variables } from '../elements/state.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import type { SimCase } from './sim-case.js';
import type { SentMessageRecord, SimulatedCase } from './types.js';

/** The actor the server's message service delivers messages and starts cases by (server/messages). */
export const MESSAGES_ACTOR = 'messages';

/** A message a simulated case sent (a message throw or end event, or a send task). */
export interface SentMessage {
  /** Its outbox id, as the server numbers the rows a command sends (engine/history commandRows). */
  id: string;
  /** When it was sent. */
  at: number;
  /** Whether nothing took it when it was sent (kept until a wait began). */
  kept: boolean;
  name: string;
  correlationKey: string | null;
  variables: Variables;
  from: SimCase;
}

/** A case waiting for a message: its subscription. */
export interface Wait {
  kase: SimCase;
  subscriptionId: string;
}

/** Where a sent message goes. */
export type Route =
  | { kind: 'wait'; wait: Wait }
  | { kind: 'start'; definitions: CompiledDefinition[] }
  | { kind: 'kept' };

const keyOf = (name: string, correlationKey: string | null | undefined): string =>
  `${name}\u0000${correlationKey ?? ''}\u0000${correlationKey === null || correlationKey === undefined ? 0 : 1}`;

/** The processes (of `collaboration`) each message name starts, by their top-level message start events. */
export function messageStartsOf(
  collaboration: readonly CompiledDefinition[],
): Map<string, CompiledDefinition[]> {
  const starts = new Map<string, CompiledDefinition[]>();
  for (const definition of collaboration) {
    const graph = definition.graph;
    for (const id of graph.scopes[graph.key]?.startEvents ?? []) {
      const event = graph.nodes[id]?.event;
      if (event?.kind !== 'message' || !event.name) continue;
      const list = starts.get(event.name) ?? [];
      if (!list.includes(definition)) list.push(definition);
      starts.set(event.name, list);
    }
  }
  return starts;
}

export class MessageRouter {
  private readonly waits = new Map<string, Wait[]>();
  private readonly kept = new Map<string, SentMessage[]>();

  constructor(private readonly starts: ReadonlyMap<string, CompiledDefinition[]>) {}

  /** Whether any process starts on messages (else the router has nothing to do beyond waits). */
  get startsProcesses(): boolean {
    return this.starts.size > 0;
  }

  /**
   * A case began waiting for a message: registered behind the earlier waits of its name and key. Returns the
   * messages kept for that name and key, no longer kept: to be routed again (the oldest wait takes the first).
   */
  wait(kase: SimCase, subscription: Subscription): SentMessage[] {
    const key = keyOf(subscription.name, subscription.correlationKey);
    const list = this.waits.get(key) ?? [];
    list.push({ kase, subscriptionId: subscription.id });
    this.waits.set(key, list);
    const kept = this.kept.get(key) ?? [];
    this.kept.delete(key);
    return kept;
  }

  /** Where `message` goes: the oldest wait still waiting (taken), else the processes it starts, else kept. */
  route(message: SentMessage): Route {
    const key = keyOf(message.name, message.correlationKey);
    const list = this.waits.get(key);
    while (list && list.length > 0) {
      const wait = list.shift() as Wait;
      if (stillWaits(wait)) {
        if (list.length === 0) this.waits.delete(key);
        return { kind: 'wait', wait };
      }
    }
    this.waits.delete(key);
    const definitions = this.starts.get(message.name);
    if (definitions && definitions.length > 0) return { kind: 'start', definitions };
    const kept = this.kept.get(key) ?? [];
    message.kept = true;
    kept.push(message);
    this.kept.set(key, kept);
    return { kind: 'kept' };
  }

  /** The messages still kept (no wait began for them, nothing started on them). */
  undelivered(): SentMessage[] {
    return [...this.kept.values()].flat();
  }

  /** One warning per message still kept, naming it, its key and its sender. */
  undeliveredWarnings(): string[] {
    return this.undelivered().map(
      (m) =>
        `message '${m.name}' (key ${m.correlationKey ?? 'none'}) sent by case ${m.from.data.id} found no case waiting for it and started none: undelivered`,
    );
  }
}

/** Whether the case still waits at this subscription (it may have ended, or moved on past a boundary). */
export const stillWaits = (wait: Wait): boolean =>
  !wait.kase.ended && (wait.kase.snapshot?.subscriptions.some((s) => s.id === wait.subscriptionId) ?? false);

/** The outbox id of the `index`-th event of a case's command at `revision` (0: its start), as the server's. */
export const sentId = (caseId: string, revision: number, index: number): string =>
  `${caseId}:${revision}:${index}`;

/**
 * The case a message starts at `now` and its start command: numbered as the case that sent it, its id the
 * sender's and the process's key (`-2`, `-3`… when the sender starts that process again), its business key the
 * message's correlation key, its start variables the message's, its idempotency key the server's for a start by
 * a message (`message:<message id>:<process key>`), and its master the sender's master, else the sender.
 */
export function linkedCase(
  message: SentMessage,
  definition: CompiledDefinition,
  now: number,
  taken: (id: string) => boolean,
  record: boolean,
): { data: SimulatedCase; command: CaseCommand } {
  const from = message.from.data;
  const base = `${from.id}-${definition.key}`;
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  const { name, correlationKey } = message;
  const command: CaseCommand = {
    type: 'start',
    caseId: id,
    variables: { ...message.variables },
    message: name,
    ...(correlationKey === null ? {} : { businessKey: correlationKey }),
  };
  const data: SimulatedCase = {
    id,
    number: from.number,
    arrivedAt: now,
    channel: null,
    businessKey: message.correlationKey,
    idempotencyKey: `message:${message.id}:${definition.key}`,
    variables: { ...message.variables },
    status: 'active',
    endedAt: null,
    outcome: { status: 'active', workingMs: null, trips: 0, corrected: false, steps: [] },
    incidents: [],
    commands: record ? [] : null,
    snapshot: null,
    process: definition.key,
    definitionId: definition.id,
    version: definition.version,
    startedByCase: from.id,
    rootCaseId: from.rootCaseId ?? from.id,
  };
  return { data, command };
}

/** Where each message a case sent went, in the order they were sent (kept only with `record`). */
export class SentRecords {
  private readonly records = new Map<string, SentMessageRecord>();

  constructor(private readonly enabled: boolean) {}

  /** A case sent it: kept (`buffered`) until it is delivered or starts cases. */
  sent(message: SentMessage): void {
    if (!this.enabled) return;
    this.records.set(message.id, {
      id: message.id,
      name: message.name,
      correlationKey: message.correlationKey,
      sourceCaseId: message.from.data.id,
      sentAt: message.at,
      status: 'buffered',
      targetCaseId: null,
      subscriptionId: null,
      doneAt: null,
      kept: false,
    });
  }

  /** It reached a waiting case (`delivered`) or started cases (`started`, the first named) at `at`. */
  done(
    message: SentMessage,
    status: 'delivered' | 'started',
    at: number,
    targetCaseId: string | null,
    subscriptionId: string | null,
  ): void {
    const record = this.records.get(message.id);
    if (record)
      Object.assign(record, { status, doneAt: at, targetCaseId, subscriptionId, kept: message.kept });
  }

  /** Every message sent, each as it stands now (the ones still kept: `buffered`). */
  list(): SentMessageRecord[] {
    return [...this.records.values()].map((r) => {
      const kept = r.status === 'buffered';
      return kept ? { ...r, kept } : { ...r };
    });
  }
}
