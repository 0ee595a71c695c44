/**
 * Messages and signals between cases. A message — sent by POST /api/messages, or by a case's throw event, message
 * end event or send task (stored with the sending case's rows: the outbox, server/store/batch-statement.ts) — goes
 * to exactly one case waiting for its name with an equal correlation key (`case_subscriptions`, written with the
 * waiting case's rows), else starts a case at a message start event of each process's newest version, else is
 * buffered for its time to live and then recorded as undelivered. A signal goes to every case waiting for it
 * and starts a case at each signal start event.
 *
 * Exactly once: a message is claimed together with its wait in one transaction (row locks, SKIP LOCKED), then
 * delivered to that wait by a command naming it (a wait already consumed refuses it), then marked delivered.
 * A node stopping between the steps leaves the message `pending` or `claimed`; every node's sweep redoes such
 * messages after a while: a case's audit log shows whether it already received the message, and starts carry an
 * idempotency key made of the message id.
 */
import { randomUUID } from 'node:crypto';
import {
  type CaseSnapshot,
  CommandRejected,
  type CompiledDefinition,
  type Variables,
} from '../../engine/index.js';
import type { CaseService } from '../cases/case-service.js';
import { CaseIncident } from '../cases/command-budget.js';
import { NotFound } from '../cases/errors.js';
import type { Db } from '../db/database.js';
import { sayCommandRejected, type Text } from '../problem-text.js';
import { sayMessageCouldNotStart } from '../problem-text-files.js';
import { Problem } from '../problems.js';
import { versionIdsInForce } from '../repositories/definition-repository.js';
import {
  bufferedFor,
  bufferMessage,
  caseReceived,
  caseReceivedSignal,
  casesWaitingForSignal,
  claimForStart,
  claimSignal,
  claimWait,
  deleteOpenMessage,
  expireBuffered,
  finishMessage,
  insertMessage,
  listMessages,
  type MessageRow,
  type MessageStatus,
  messagesToRetry,
  reclaimStale,
  releaseMessage,
  undeliverMessage,
} from '../repositories/message-repository.js';
import type { DefinitionStore } from '../store/definition-store.js';

export interface MessageServiceOptions {
  /** How long a message a case sent is kept when nothing waits for it (REFLOW_MESSAGE_TTL_SECONDS). */
  defaultTtlSeconds?: number;
  newId?: () => string;
  /** How often the sweep runs (ms). */
  sweepMs?: number;
  /** A pending message older than this was not delivered by its sender's node: the sweep delivers it. */
  pendingAfterMs?: number;
  /** A claim older than this was left by a deliverer that stopped: the sweep redoes it. */
  claimTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

export interface MessageInput {
  name: string;
  correlationKey?: string | null;
  variables?: Variables;
  ttlSeconds?: number;
}

export interface SendResult {
  delivered: string[];
  started: string[];
  buffered: boolean;
  messageId: string;
}

/** What delivering one message did. */
type Outcome =
  | { kind: 'delivered'; caseId: string }
  | { kind: 'started'; caseIds: string[] }
  | { kind: 'none' }
  | { kind: 'busy' }
  | { kind: 'refused'; reason: Text };

const ATTEMPTS = 20;

/** How long a message a case sent is kept when nothing waits for it, unless REFLOW_MESSAGE_TTL_SECONDS says. */
export const DEFAULT_MESSAGE_TTL_SECONDS = 3600;

export class MessageService {
  private readonly newId: () => string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly cases: CaseService,
    private readonly definitions: DefinitionStore,
    private readonly options: MessageServiceOptions = {},
  ) {
    this.newId = options.newId ?? randomUUID;
    // what a landed command sent goes out after its commit; a new wait takes a buffered message
    cases.onWritten((caseId, plan) => {
      if (this.stopped) return;
      for (const sent of plan.sent)
        this.track(sent.kind === 'message' ? this.deliverSent(sent.id) : this.broadcastSent(sent.id));
      for (const wait of plan.newSubscriptions)
        if (wait.kind === 'message')
          this.track(this.offerBuffered(wait.name, wait.correlation_key).catch((e) => this.failed(e)));
      void caseId;
    });
  }

  private now(): Date {
    return new Date(this.cases.now());
  }

  private failed(error: unknown): void {
    (this.options.onError ?? (() => undefined))(error);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error) => this.failed(error)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Resolves once every delivery this node started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Starts the periodic sweep (expiry, and redelivery of what a stopped node left). */
  start(): void {
    const every = this.options.sweepMs ?? 5_000;
    this.timer = setInterval(() => {
      this.sweeping = this.sweep().catch((error) => this.failed(error));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await this.idle();
  }

  /** POST /api/messages: delivered, started, buffered for `ttlSeconds`, or a 409 when nothing waits. */
  async send(input: MessageInput, actor: string | null): Promise<SendResult> {
    const messageId = this.newId();
    const correlationKey = input.correlationKey ?? null;
    await insertMessage(this.db, {
      id: messageId,
      name: input.name,
      correlationKey,
      variables: input.variables ?? {},
      at: this.now(),
    });
    const outcome = await this.deliver(messageId, actor);
    const result: SendResult = { delivered: [], started: [], buffered: false, messageId };
    if (outcome.kind === 'delivered') return { ...result, delivered: [outcome.caseId] };
    if (outcome.kind === 'started') return { ...result, started: outcome.caseIds };
    if (outcome.kind === 'refused')
      throw new Problem(409, 'message-refused', 'The message was refused', outcome.reason, [
        { field: 'body.name', message: outcome.reason },
      ]);
    const ttl = input.ttlSeconds ?? 0;
    if (outcome.kind === 'none' && ttl > 0) {
      const now = this.now();
      await bufferMessage(this.db, messageId, { expiresAt: new Date(now.getTime() + ttl * 1000), now });
      // a wait that began meanwhile finds it buffered
      this.track(this.offerBuffered(input.name, correlationKey));
      return { ...result, buffered: true };
    }
    await deleteOpenMessage(this.db, messageId);
    const detail = {
      zh: `没有办件在等待消息“${input.name}”（${correlationKey === null ? '没有关联键' : `关联键“${correlationKey}”`}），也没有流程以它开始：请在办件等待时发送，或给出 ttlSeconds 保留到那时`,
      en: `no case waits for message '${input.name}' with ${correlationKey === null ? 'no correlation key' : `correlation key '${correlationKey}'`} and no process starts on it: send it when the case waits, or give ttlSeconds to keep it until then`,
    };
    throw new Problem(409, 'message-not-deliverable', 'Nothing waits for the message', detail, [
      { field: 'body.correlationKey', message: detail },
    ]);
  }

  /** A message a case sent: delivered, else started, else buffered for the default time to live. */
  private async deliverSent(messageId: string): Promise<void> {
    const outcome = await this.deliver(messageId, 'messages');
    if (outcome.kind === 'none') await this.bufferDefault(messageId);
  }

  private async bufferDefault(messageId: string): Promise<void> {
    const now = this.now();
    const ttl = this.options.defaultTtlSeconds ?? DEFAULT_MESSAGE_TTL_SECONDS;
    await bufferMessage(this.db, messageId, {
      expiresAt: ttl > 0 ? new Date(now.getTime() + ttl * 1000) : null,
      now,
    });
  }

  /** Buffered messages for a wait that just began: each offered again (the oldest claims the oldest wait). */
  private async offerBuffered(name: string, correlationKey: string | null): Promise<void> {
    for (const id of await bufferedFor(this.db, { name, correlationKey })) {
      const outcome = await this.deliver(id, 'messages');
      if (outcome.kind === 'none') return; // no wait left for the rest
    }
  }

  /** Delivers an open message: to one waiting case, else by starting cases; `none`: nothing takes it. */
  private async deliver(messageId: string, actor: string | null): Promise<Outcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const claim = await claimWait(this.db, messageId, this.now());
      if (claim.kind === 'busy') return { kind: 'busy' };
      if (claim.kind === 'wait') {
        const done = await this.toWait(claim.message, claim.caseId, claim.subscriptionId, actor);
        if (done) return { kind: 'delivered', caseId: claim.caseId };
        continue; // the wait was gone: match again
      }
      const starts = await this.startsOn('message', claim.message.name);
      if (starts.length === 0) return { kind: 'none' };
      const message = await claimForStart(this.db, messageId, this.now());
      if (!message) return { kind: 'busy' };
      return this.startBy(message, starts, actor);
    }
    throw new Error(`message '${messageId}' found a wait ${ATTEMPTS} times and each was gone: try again`);
  }

  /**
   * Gives a claimed message to its wait; false when the case no longer waits there (and did not receive it):
   * the message is open again.
   */
  private async toWait(
    message: MessageRow,
    caseId: string,
    subscriptionId: string,
    actor: string | null,
  ): Promise<boolean> {
    try {
      await this.cases.command(
        caseId,
        {
          type: 'deliverMessage',
          name: message.name,
          variables: message.variables,
          subscriptionId,
          messageId: message.id,
        },
        actor,
      );
    } catch (error) {
      // the case received it, and its run failed the case with an incident: delivered all the same
      if (!(error instanceof CaseIncident)) {
        if (!(error instanceof CommandRejected || error instanceof NotFound)) throw error;
        if (!(await caseReceived(this.db, caseId, message.id))) {
          await releaseMessage(this.db, message.id);
          return false;
        }
      }
    }
    await finishMessage(this.db, message.id, { status: 'delivered', caseId, at: this.now() });
    return true;
  }

  /** Starts a case of each process that starts on the claimed message (idempotent per message and process). */
  private async startBy(
    message: MessageRow,
    starts: { definition: CompiledDefinition; startEventId: string }[],
    actor: string | null,
  ): Promise<Outcome> {
    const caseIds: string[] = [];
    try {
      for (const { definition } of starts) {
        const { view } = await this.cases.start(
          {
            process: definition.key,
            version: definition.version,
            ...(message.correlation_key === null ? {} : { businessKey: message.correlation_key }),
            variables: message.variables,
            message: message.name,
          },
          actor,
          `message:${message.id}:${definition.key}`,
          undefined,
          // a case's message starts a case of its 一件事 (its figures count in the master's)
          { startedByCase: message.source_case_id },
        );
        caseIds.push(view.id);
      }
    } catch (error) {
      if (!(error instanceof Problem) && !(error instanceof CommandRejected)) throw error;
      const why = error instanceof Problem ? error.detail : sayCommandRejected(error.code, error.message);
      const reason = sayMessageCouldNotStart(message.name, why);
      // the messages table keeps both languages (an operator reads it in either)
      await undeliverMessage(this.db, message.id, `${reason.zh} / ${reason.en}`, this.now());
      return { kind: 'refused', reason };
    }
    await finishMessage(this.db, message.id, {
      status: 'started',
      caseId: caseIds[0] ?? null,
      at: this.now(),
    });
    return { kind: 'started', caseIds };
  }

  /** The start events of each process's version in force that start on a message or signal of this name. */
  private async startsOn(
    kind: 'message' | 'signal',
    name: string,
  ): Promise<{ definition: CompiledDefinition; startEventId: string }[]> {
    const found: { definition: CompiledDefinition; startEventId: string }[] = [];
    for (const id of await versionIdsInForce(this.db, this.now())) {
      const definition = await this.definitions.load(id);
      if (!definition) continue;
      const graph = definition.graph;
      for (const startId of graph.scopes[graph.key]?.startEvents ?? []) {
        const event = graph.nodes[startId]?.event;
        if (event?.kind === kind && event.name === name) {
          found.push({ definition, startEventId: startId });
          break;
        }
      }
    }
    return found;
  }

  /**
   * POST /api/signals: every case waiting for the signal receives it; each signal start event starts a case.
   * `delivered` counts cases (a case with several waits for the signal counts once). A broadcast has an id
   * (`signalId`: the thrown signal's message id, else a new one); a case records it when it receives it, so a
   * broadcast redone after a node stopped in its middle skips the cases it reached, and its starts are keyed by it.
   */
  async signal(
    input: { name: string; variables?: Variables },
    actor: string | null,
    from: { caseId: string | null; signalId?: string } = { caseId: null },
  ): Promise<{ delivered: number; started: number }> {
    const signalId = from.signalId ?? this.newId();
    let delivered = 0;
    for (const caseId of await casesWaitingForSignal(this.db, input.name, from.caseId)) {
      if (await caseReceivedSignal(this.db, caseId, signalId)) continue; // reached before a redo

      const waits = (snapshot: CaseSnapshot) => {
        if (!snapshot.subscriptions.some((s) => s.kind === 'signal' && s.name === input.name))
          throw new CommandRejected(
            'noSubscriber',
            `nothing in case '${caseId}' waits for signal '${input.name}'`,
          );
      };
      try {
        await this.cases.command(
          caseId,
          { type: 'signal', name: input.name, variables: input.variables ?? {}, signalId },
          actor,
          waits,
        );
        delivered += 1;
      } catch (error) {
        if (error instanceof CaseIncident) delivered += 1;
        else if (!(error instanceof CommandRejected || error instanceof NotFound)) throw error;
      }
    }
    let started = 0;
    for (const { definition, startEventId } of await this.startsOn('signal', input.name)) {
      await this.cases.start(
        {
          process: definition.key,
          version: definition.version,
          variables: input.variables ?? {},
          startEvent: startEventId,
        },
        actor,
        `signal:${signalId}:${definition.key}`,
      );
      started += 1;
    }
    return { delivered, started };
  }

  /** A signal a case threw: to every other case waiting for it, and to signal start events. */
  private async broadcastSent(signalId: string): Promise<void> {
    const signal = await claimSignal(this.db, signalId, this.now());
    if (!signal) return;
    await this.signal({ name: signal.name, variables: signal.variables }, 'messages', {
      caseId: signal.source_case_id,
      signalId,
    });
    await finishMessage(this.db, signalId, { status: 'delivered', caseId: null, at: this.now() });
  }

  /**
   * The sweep: buffered messages past their time to live are recorded undelivered; messages a stopped node left
   * pending or claimed are delivered (a claim is redone: a case that already received it is not sent it again);
   * buffered messages a case now waits for are delivered.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    await expireBuffered(this.db, now);
    const retry = await messagesToRetry(this.db, {
      pendingBefore: new Date(now.getTime() - (this.options.pendingAfterMs ?? 5_000)),
      claimedBefore: new Date(now.getTime() - (this.options.claimTimeoutMs ?? 30_000)),
      limit: 100,
    });
    for (const { id, kind, status } of retry) {
      if (this.stopped) return;
      if (kind === 'signal') await this.broadcastSent(id);
      else if (status === 'claimed') await this.redoClaim(id);
      else if (status === 'pending') await this.deliverSent(id);
      else await this.deliver(id, 'messages');
    }
  }

  /** A claim a stopped deliverer left: delivered to its wait (unless received already), or its starts redone. */
  private async redoClaim(messageId: string): Promise<void> {
    const now = this.now();
    const before = new Date(now.getTime() - (this.options.claimTimeoutMs ?? 30_000));
    const message = await reclaimStale(this.db, messageId, before, now);
    if (!message) return;
    if (message.target_case_id && message.subscription_id) {
      if (await caseReceived(this.db, message.target_case_id, message.id)) {
        await finishMessage(this.db, message.id, {
          status: 'delivered',
          caseId: message.target_case_id,
          at: now,
        });
        return;
      }
      if (await this.toWait(message, message.target_case_id, message.subscription_id, 'messages')) return;
      await this.deliverSent(message.id);
      return;
    }
    const starts = await this.startsOn('message', message.name);
    if (starts.length > 0) await this.startBy(message, starts, 'messages');
    else {
      await releaseMessage(this.db, message.id);
      await this.deliverSent(message.id);
    }
  }

  /** Messages by status (GET /api/messages). */
  list(filter: { status?: MessageStatus; name?: string; limit?: number }): Promise<MessageRow[]> {
    return listMessages(this.db, { ...filter, limit: filter.limit ?? 100 });
  }
}
