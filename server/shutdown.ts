/**
 * Stopping the server process: on SIGTERM/SIGINT (SIGHUP, SIGQUIT) the node stops accepting, lets what it started
 * finish and exits — within the grace period, always. What is still open shortly before the grace period ends is
 * logged and the process exits with code 1; a main thread too stuck to do even that (a synchronous loop, a write
 * that blocks) is ended by a watchdog thread at the end of the grace period.
 *
 * Why not process.exit with the logger's own exit hook: pino's default destination (sonic-boom 4) flushes what it
 * buffered in a 'exit' listener, and that flush retries a write failing with EPIPE every 100 ms for ever — a server
 * whose stdout reader had gone away hung in process.exit, where no further signal can reach it. The server logs to
 * process.stdout instead (logDestination), which never blocks and has no exit hook, and ignores a gone reader.
 */

import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;
/** A signal this long after the first forces the exit; sooner, it is the same one delivered twice. */
const REPEAT_MS = 1000;

export interface ShutdownLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ShutdownOptions {
  /** The longest a shutdown takes, from the signal to the process's end (REFLOW_SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /** Stops the node: requests, timers, writes, the database. */
  stop: () => Promise<void>;
  /** What is still open, for the log line of a forced exit. */
  open: () => Record<string, unknown>;
  log: ShutdownLog;
}

/** The time kept at the end of the grace period for the forced exit: a second, less when the period is short. */
export function forcedExitReserve(graceMs: number): number {
  return Math.min(1000, Math.floor(graceMs / 5));
}

/**
 * The logger's destination: process.stdout, whose writes never block the event loop (a pipe whose reader is slow
 * queues in memory) and which has no exit hook; a reader that went away (EPIPE) silences the log instead of
 * throwing an uncaught error into a running server.
 */
export function logDestination(): NodeJS.WriteStream {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  return process.stdout;
}

/**
 * Ends the process `ms` from now with SIGKILL, from a thread of its own: it needs nothing from the main thread,
 * so a main thread stuck in a synchronous loop or a blocking write cannot starve it. The process's exit ends it.
 */
export function startWatchdog(ms: number, message: string): Worker {
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { write } = require('node:fs');
     setTimeout(() => {
       const kill = () => process.kill(workerData.pid, 'SIGKILL');
       setTimeout(kill, 100); // the line is written unless stderr blocks; the kill happens either way
       write(2, workerData.message, kill);
     }, workerData.ms);`,
    { eval: true, workerData: { pid: process.pid, ms, message: `${message}\n` }, stdout: true, stderr: true },
  );
  worker.on('error', () => {}); // it cannot fail short of the process failing; nothing to report to then
  worker.unref();
  return worker;
}

/** Runs the shutdown on the first signal (or an uncaught error, then with exit code 1). */
export function handleShutdown(options: ShutdownOptions): void {
  const { graceMs, log } = options;
  let started = 0;
  let exitCode = 0;

  const exit = (code: number): never => process.exit(code);
  const forcedExit = (reason: string): never => {
    log.error(
      { reason, graceMs, elapsedMs: Date.now() - started, open: safely(options.open) },
      `forced exit: ${reason}; what was still open is listed in "open"`,
    );
    return exit(1);
  };

  const begin = (why: { signal?: string; err?: unknown }): void => {
    started = Date.now();
    if (why.err) exitCode = 1;
    startWatchdog(
      graceMs,
      JSON.stringify({
        level: 60,
        time: Date.now() + graceMs,
        pid: process.pid,
        msg: `forced exit: the process did not end within the grace period of ${graceMs} ms and its main thread did not respond; ended by the watchdog (SIGKILL)`,
      }),
    );
    // not unref'd, and cancelled by nothing: the process ends at this point whatever stop() is waiting for
    setTimeout(
      () => forcedExit(`the grace period of ${graceMs} ms is nearly over`),
      graceMs - forcedExitReserve(graceMs),
    );
    if (why.err) log.error({ err: why.err }, 'shutting down after an error');
    else log.info({ signal: why.signal, graceMs }, 'shutting down');
    options.stop().then(
      async () => {
        log.info({ ms: Date.now() - started }, 'stopped');
        await drainStdout(Math.min(1000, started + graceMs - forcedExitReserve(graceMs) - Date.now()));
        exit(exitCode);
      },
      (error: unknown) => {
        log.error({ err: error, open: safely(options.open) }, 'stopping failed');
        exit(1);
      },
    );
  };

  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (!started) begin({ signal });
      // one signal can arrive twice (sent to the process group and forwarded by npm): only a later one forces
      else if (Date.now() - started >= REPEAT_MS) forcedExit(`a second signal (${signal}) while stopping`);
    });
  }
  const onError = (err: unknown): void => {
    if (!started) begin({ err });
    else log.error({ err }, 'error while stopping'); // the grace period still bounds the shutdown
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
}

/** Waits until what the log wrote to stdout has gone out, at most `ms`; not at all when the reader is gone. */
async function drainStdout(ms: number): Promise<void> {
  const stdout = process.stdout;
  if (ms <= 0 || stdout.destroyed || stdout.writableLength === 0) return;
  const timeout = new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.race([once(stdout, 'drain'), once(stdout, 'close'), timeout]).catch(() => {});
}

function safely(open: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return open();
  } catch (error) {
    return { unknown: `listing what was open failed: ${(error as Error).message}` };
  }
}

export interface RequestTracker {
  /** The requests being answered right now: method, path and how long they have been running. */
  open(): { method?: string; url?: string; ms: number }[];
  /**
   * From now on every connection closes once its request is answered. The server's close() closes the connections
   * idle at that moment only: one whose request finishes later would stay open, kept alive by its client (a proxy's
   * pool, a keep-alive agent) for the keep-alive timeout, and hold the stop that long.
   */
  drain(): void;
}

/** Follows the requests a server answers, for the log of a forced exit and to let their connections go at a stop. */
export function trackRequests(server: Server): RequestTracker {
  const open = new Map<IncomingMessage, { response: ServerResponse; since: number }>();
  let draining = false;
  const closeAfter = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    open.set(request, { response, since: Date.now() });
    if (draining) closeAfter(response);
    response.once('close', () => {
      open.delete(request);
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    open: () =>
      [...open].map(([request, { since }]) => ({
        method: request.method,
        url: request.url?.split('?')[0],
        ms: Date.now() - since,
      })),
    drain() {
      draining = true;
      for (const { response } of open.values()) closeAfter(response);
      server.closeIdleConnections();
    },
  };
}
