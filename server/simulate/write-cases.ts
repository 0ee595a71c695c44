/**
 * Writes simulated cases into the database as if they had run: every command of every case goes through the
 * server's CaseService (form checks, engine, one-statement writes, audit chain, timers, metric rollups at
 * completion), with the service's clock set to the command's virtual instant and its id source handing out the
 * ids the simulation drew — so the stored case is the simulated one, id for id, and the same seed writes the
 * same rows. Cases are written one after another, a batch of them per transaction: the simulated process's,
 * then those their messages started (each after its sender), then the messages finished as the message service
 * leaves them (simulated-links.ts).
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { ServiceHandler } from '../../engine/index.js';
import type { SimulatedCase, SimulationResult } from '../../engine/simulate/index.js';
import { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { allCases, finishedMessageColumns, processOf } from './simulated-links.js';

export class ReplayDiverged extends Error {}

export interface WriteOptions {
  calendar?: WorkingCalendar;
  handlers?: Record<string, ServiceHandler>;
  /** Cases per transaction (default 25). */
  batch?: number;
  /** The server's REFLOW_MESSAGE_TTL_SECONDS: how long a message nothing took was kept (simulated-links.ts). */
  messageTtlSeconds?: number;
  onProgress?: (written: number, total: number) => void;
}

/** A CaseService on a virtual clock whose ids come from the recorded commands. */
export class ReplayService {
  private at = 0;
  private ids: string[] = [];
  private next = 0;

  service(db: Db, definitions: DefinitionStore, options: WriteOptions): CaseService {
    return new CaseService(db, definitions, {
      calendar: options.calendar,
      handlers: options.handlers,
      clock: () => this.at,
      newId: () => {
        if (this.next >= this.ids.length)
          throw new ReplayDiverged(
            `the database run needs more ids than the simulation drew (${this.ids.length})`,
          );
        return this.ids[this.next++];
      },
    });
  }

  prepare(at: number, ids: string[]): void {
    this.at = at;
    this.ids = ids;
    this.next = 0;
  }

  /** Throws unless the command used exactly the ids the simulation drew. */
  check(c: SimulatedCase, type: string): void {
    if (this.next !== this.ids.length) {
      throw new ReplayDiverged(
        `case ${c.id} (${type}): the database run drew ${this.next} ids where the simulation drew ${this.ids.length}`,
      );
    }
  }
}

async function writeCase(
  service: CaseService,
  replay: ReplayService,
  result: SimulationResult,
  c: SimulatedCase,
): Promise<void> {
  for (const recorded of c.commands ?? []) {
    const command = recorded.command;
    replay.prepare(recorded.at, recorded.ids);
    switch (command.type) {
      case 'start': {
        const process = processOf(result, c);
        await service.start(
          {
            process: process.key,
            version: process.version,
            variables: command.variables,
            channel: command.channel,
            businessKey: c.businessKey ?? undefined,
            ...(command.message === undefined ? {} : { message: command.message }),
          },
          recorded.actor,
          c.idempotencyKey ?? undefined,
          undefined,
          // a case's message started it: a case of that case's 一件事, as the message service starts it
          { startedByCase: c.startedByCase ?? null },
        );
        break;
      }
      case 'completeTask':
        await service.completeTask(command.taskId, command.variables ?? {}, recorded.actor);
        break;
      case 'fireTimer':
        if (!(await service.fireTimer(command.timerId, c.id)))
          throw new ReplayDiverged(`case ${c.id}: timer ${command.timerId} was not pending in the database`);
        break;
      default:
        await service.command(c.id, command, recorded.actor);
        break;
    }
    replay.check(c, command.type);
  }
}

/**
 * Writes every case of a run made with `record: true` (its definition must be deployed in `definitions` as the
 * same key and version). Returns the number of cases and commands written.
 */
export async function writeSimulatedCases(
  db: Db,
  definitions: DefinitionStore,
  result: SimulationResult,
  options: WriteOptions = {},
): Promise<{ cases: number; commands: number }> {
  const cases = allCases(result);
  for (const id of new Set(cases.map((c) => processOf(result, c).id))) {
    if (!(await definitions.load(id))) throw new Error(`process version ${id} is not deployed`);
  }
  if (cases.some((c) => c.commands === null))
    throw new Error('the simulation did not record its commands: run it with record: true');
  const replay = new ReplayService();
  const batch = Math.max(1, options.batch ?? 25);
  let commands = 0;
  for (let i = 0; i < cases.length; i += batch) {
    const slice = cases.slice(i, i + batch);
    await db.transaction().execute(async (trx) => {
      const service = replay.service(trx, definitions, options);
      for (const c of slice) {
        await writeCase(service, replay, result, c);
        commands += c.commands?.length ?? 0;
      }
    });
    options.onProgress?.(Math.min(i + batch, cases.length), cases.length);
  }
  await finishMessages(db, result, options.messageTtlSeconds);
  return { cases: cases.length, commands };
}

/**
 * The messages the cases sent, written `pending` by their senders' commands, finished as the message service
 * finishes them (simulated-links.ts): its part of the live run, which the replay does not run.
 */
async function finishMessages(db: Db, result: SimulationResult, ttlSeconds?: number): Promise<void> {
  const messages = result.messages ?? [];
  if (messages.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const m of messages)
      await trx
        .updateTable('messages')
        .set(finishedMessageColumns(m, ttlSeconds))
        .where('id', '=', m.id)
        .execute();
  });
}
