// Real server processes for crash and multi-node tests: the server bundled once per test file with esbuild,
// spawned as `node <bundle>` with the environment of the README's 配置 / Configuration, and killed or stopped like an operator would.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { Test } from 'tap';
import { recordInputs, unchangedInputs } from '../../modeler/build-lib.mjs';
import { createDatabaseBeside, seedDataDir } from './test-database.js';

const root = new URL('../..', import.meta.url).pathname;

/** The tokens every child server accepts (written to its REFLOW_TOKENS_FILE). */
export const CHILD_TOKENS = {
  admin: 'child-admin-0001',
  designer: 'child-designer-0001',
  intake: 'child-intake-0001',
  auditor: 'child-auditor-0001',
  market: 'child-market-0001',
  police: 'child-police-0001',
  tax: 'child-tax-0001',
  social: 'child-social-0001',
  fund: 'child-fund-0001',
} as const;

/** Which token completes the tasks of each department of the sample processes. */
export const DEPARTMENT_TOKENS: Record<string, string> = {
  市场监管: CHILD_TOKENS.market,
  公安: CHILD_TOKENS.police,
  税务: CHILD_TOKENS.tax,
  人社: CHILD_TOKENS.social,
  公积金中心: CHILD_TOKENS.fund,
};

/** Writes the tokens file (format of server/auth/tokens.ts) and returns its path. */
export function writeTokensFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tokens.json');
  const entries = [
    { token: CHILD_TOKENS.admin, role: 'admin' },
    { token: CHILD_TOKENS.designer, role: 'designer' },
    { token: CHILD_TOKENS.intake, role: 'intake' },
    { token: CHILD_TOKENS.auditor, role: 'auditor' },
    ...Object.entries(DEPARTMENT_TOKENS).map(([department, token]) => ({
      token,
      role: 'department',
      department,
    })),
  ];
  writeFileSync(file, JSON.stringify(entries, null, 2));
  return file;
}

let bundle: Promise<string> | null = null;

/**
 * Bundles server/main.ts inside the project (so `packages: 'external'` resolves node_modules) into
 * dist/test-server.mjs, once per test run: a bundle made from the same input files (sizes and modification
 * times recorded beside it, modeler/build-lib.mjs) is reused by every test file, each running a copy of its own.
 */
export function serverBundle(): Promise<string> {
  bundle ??= (async () => {
    const shared = join(root, 'dist', 'test-server.mjs');
    const stampPath = `${shared}.inputs.json`;
    // children run this process's own copy, removed when it exits: coverage (collected from the children too)
    // then skips the bundle, whose lines are not sources (.taprc)
    const own = join(root, 'dist', `test-server-${process.pid}.mjs`);
    process.once('exit', () => rmSync(own, { force: true }));
    if (unchangedInputs(stampPath) && existsSync(shared)) {
      copyFileSync(shared, own);
      return own;
    }
    // written under this process's name, then renamed: a test file starting a child meanwhile reads a whole one
    const partial = join(root, 'dist', `test-server-${process.pid}.partial.mjs`);
    const result = await build({
      entryPoints: [join(root, 'server/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: partial,
      metafile: true,
      logLevel: 'warning',
    });
    copyFileSync(partial, own);
    renameSync(partial, shared);
    recordInputs(stampPath, Object.keys(result.metafile.inputs));
    return own;
  })();
  return bundle;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildOptions {
  /** REFLOW_DATA_DIR: the embedded database (when no databaseUrl) and the tokens file. */
  dataDir: string;
  databaseUrl?: string;
  /** REFLOW_PROCESSES_DIR: .bpmn files deployed at start (an empty folder when unset). */
  processesDir?: string;
  pollMs?: number;
  logLevel?: string;
  env?: Record<string, string>;
  /** Options for node itself, before the bundle (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Start on an empty embedded database (else a new data dir gets a migrated one: seedDataDir). */
  emptyDatabase?: boolean;
}

export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the child has exited (and node has reaped it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful: in-flight requests finish, the database closes), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Spawns a server process without waiting for it to be ready (see startChild). */
export async function spawnChild(options: ChildOptions): Promise<ChildServer> {
  const file = await serverBundle();
  mkdirSync(options.dataDir, { recursive: true });
  if (!options.databaseUrl && !options.emptyDatabase) await seedDataDir(options.dataDir);
  const tokensFile = writeTokensFile(options.dataDir);
  const processesDir = options.processesDir ?? join(options.dataDir, 'no-processes');
  mkdirSync(processesDir, { recursive: true });
  const port = await freePort();
  // through `env -u NODE_OPTIONS` (which execs node: the same pid): tap's process-info loader, which it puts in
  // the NODE_OPTIONS of every process a test spawns, would otherwise run in the child, hooking every module it
  // loads and, with coverage on, covering it — seconds of CPU per start for nothing, as the child's lines are the
  // bundle's, which coverage skips (.taprc)
  const command = existsSync('/usr/bin/env')
    ? ['/usr/bin/env', '-u', 'NODE_OPTIONS', process.execPath]
    : [process.execPath];
  const child = spawn(command[0], [...command.slice(1), ...(options.nodeArgs ?? []), file], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      REFLOW_DATA_DIR: options.dataDir,
      REFLOW_TOKENS_FILE: tokensFile,
      REFLOW_PROCESSES_DIR: processesDir,
      REFLOW_TIMER_POLL_MS: String(options.pollMs ?? 200),
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!done) child.kill(signal);
    return exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    process: child,
    output: () => out,
    exited,
    kill,
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Spawns a server process and waits until GET /healthz answers 200: by default up to two minutes, since an
 * embedded database's first start (initdb) on a machine busy with other test files can take over half a minute.
 */
export async function startChild(options: ChildOptions, timeoutMs = 120_000): Promise<ChildServer> {
  const child = await spawnChild(options);
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void child.exited.then(() => {
    gone = true;
  });
  // asked as soon as the child prints something (its banner comes right after it listens), else every 500 ms: a
  // refused fetch costs the test process a couple of ms of CPU, and a start takes seconds
  let printed = 0;
  let askedAt = 0;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited before it was ready:\n${child.output()}`);
    const length = child.output().length;
    if (length !== printed || Date.now() - askedAt >= 500) {
      printed = length;
      askedAt = Date.now();
      try {
        const res = await fetch(`${child.url}/healthz`);
        if (res.status === 200) return child;
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await child.kill('SIGKILL');
  throw new Error(`the server did not answer /healthz within ${timeoutMs} ms:\n${child.output()}`);
}

/**
 * Waits for, then holds until the end of `t`, a lock the test files running at once share (tap runs two, and
 * helpers on the same machine use the same PostgreSQL): three server processes on PostgreSQL take it, as two such
 * clusters side by side — six pools of up to 20 connections (server/db/database.ts) — pass PostgreSQL's default
 * max_connections of 100, and requests fail with "sorry, too many clients already". A lock whose holder has died
 * is taken over; after three minutes the test goes on without it.
 */
export async function holdServerCluster(t: Test): Promise<void> {
  const lock = join(tmpdir(), 'reflow-test-server-cluster.lock');
  const pidFile = join(lock, 'pid');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(pidFile, 'utf8'));
      } catch {
        // being taken right now: its pid follows
      }
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    writeFileSync(pidFile, String(process.pid));
    const release = () => rmSync(lock, { recursive: true, force: true });
    process.once('exit', release);
    t.teardown(() => {
      process.off('exit', release);
      release();
    });
    return;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh PostgreSQL database for child servers (test-database.ts); drop() removes it. */
export const createPostgresDatabase = (url: string) => createDatabaseBeside(url, 'reflow_c');

export interface HttpResult {
  status: number;
  body: any;
}

/** One JSON request to a child; network failures come back as status 0 (not acknowledged). */
export async function http(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined
          ? {}
          : { 'content-type': typeof body === 'string' ? 'application/xml' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}

/** Where a test's child servers run: a data dir, a processes folder and (on PostgreSQL) a database of their own. */
export interface ChildSetting {
  dataDir: string;
  processesDir: string;
  databaseUrl: string | undefined;
  /** Starts a server on this setting (polling timers every 200 ms); every one started is killed at the test's end. */
  start(): Promise<ChildServer>;
}

/**
 * A fresh setting for child servers: a temporary folder holding the data dir and a processes folder with
 * `processFiles` copied in, a new PostgreSQL database when `postgresUrl` is given; all removed at the test's end.
 */
export async function childSetting(
  t: Test,
  processFiles: string[],
  postgresUrl?: string,
): Promise<ChildSetting> {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-child-'));
  const dataDir = join(dir, 'data');
  const processesDir = join(dir, 'processes');
  mkdirSync(processesDir);
  for (const file of processFiles) copyFileSync(file, join(processesDir, basename(file)));
  const children: ChildServer[] = [];
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let databaseUrl: string | undefined;
  if (postgresUrl) {
    const created = await createPostgresDatabase(postgresUrl);
    databaseUrl = created.url;
    t.teardown(created.drop);
  }
  return {
    dataDir,
    processesDir,
    databaseUrl,
    async start() {
      const child = await startChild({ dataDir, databaseUrl, processesDir, pollMs: 200 });
      children.push(child);
      return child;
    },
  };
}
