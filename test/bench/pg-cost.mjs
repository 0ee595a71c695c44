// `node test/bench/pg-cost.mjs`: PostgreSQL's instructions per command on the write path, counted by callgrind,
// so a change to the write statement or the schema can be judged on a machine whose speed drifts (timings here
// vary by 2× within minutes; instruction counts repeat exactly for the same input).
//
// 1. The service bench's persisted clients run a few seconds against DATABASE_URL's server (default: the local
//    test server); every write batch's parameters are recorded.
// 2. A throwaway cluster (initdb) gets the migrations and the bench process.
// 3. The batches are replayed in `postgres --single` under callgrind: WARM batches, ANALYZE (as autovacuum would),
//    then MEASURED batches; a replay that stops after the warm-up is subtracted.
// Needs valgrind and PostgreSQL's server binaries (pg_config --bindir); as root, the cluster runs as `postgres`.
// Options (environment): PG_COST_MS (capture length, 6000), PG_COST_WARM (300), PG_COST_MEASURED (300),
// PG_COST_SQL (statements applied to the cluster after the migrations, e.g. to try an index change),
// PG_COST_KEEP (keep the work folder with the callgrind profiles).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { bundleForNode } from './bundle.mjs';

const root = new URL('../..', import.meta.url).pathname;
const MS = Number(process.env.PG_COST_MS ?? 6000);
const WARM = Number(process.env.PG_COST_WARM ?? 300);
const MEASURED = Number(process.env.PG_COST_MEASURED ?? 300);
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
const asRoot = userInfo().uid === 0;
const work = mkdtempSync(join(tmpdir(), 'reflow-pg-cost-'));
chmodSync(work, 0o777);

/** Runs a PostgreSQL binary (as `postgres` when this is root: the server refuses to run as root). */
function pgRun(binary, args, options = {}) {
  const command = asRoot ? 'su' : join(bindir, binary);
  const argv = asRoot
    ? [
        'postgres',
        '-c',
        [join(bindir, binary), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' '),
      ]
    : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')}: ${result.stderr || result.stdout}`);
  return result;
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

try {
  const tool = await bundleForNode(join(root, 'test', 'bench', 'pg-cost.ts'), 'pg-cost');
  const runTool = (...args) =>
    execFileSync(process.execPath, [tool, ...args], { cwd: root, stdio: 'inherit' });

  // 1. capture
  const admin = new URL(baseUrl);
  const captureUrl = new URL(baseUrl);
  captureUrl.pathname = '/reflow_pg_cost';
  execFileSync('psql', [admin.toString(), '-qc', 'DROP DATABASE IF EXISTS reflow_pg_cost WITH (FORCE)'], {
    stdio: 'ignore',
  });
  execFileSync('psql', [admin.toString(), '-qc', 'CREATE DATABASE reflow_pg_cost']);
  const batches = join(work, 'batches.jsonl');
  runTool('capture', captureUrl.toString(), batches, String(MS));
  execFileSync('psql', [admin.toString(), '-qc', 'DROP DATABASE reflow_pg_cost WITH (FORCE)']);
  const lines = readFileSync(batches, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  if (lines.length < WARM + MEASURED)
    throw new Error(
      `captured ${lines.length} batches, fewer than PG_COST_WARM + PG_COST_MEASURED: raise PG_COST_MS`,
    );

  // 2. a throwaway cluster with the schema and the bench process
  const template = join(work, 'template');
  pgRun('initdb', ['-D', template, '-A', 'trust', '-U', 'postgres']);
  const port = await freePort();
  pgRun('pg_ctl', [
    '-D',
    template,
    '-o',
    `-p ${port} -k ${work} -c listen_addresses=127.0.0.1`,
    '-l',
    join(work, 'log'),
    '-w',
    'start',
  ]);
  try {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    runTool('prepare', url);
    if (process.env.PG_COST_SQL)
      execFileSync('psql', [url, '-qc', process.env.PG_COST_SQL], { stdio: 'inherit' });
  } finally {
    pgRun('pg_ctl', ['-D', template, '-w', 'stop']);
  }

  // 3. replays: parameter types left to PostgreSQL (as the driver sends them; typed text, every `$n::text[]`
  // would be coerced row by row)
  const statement = readFileSync(`${batches}.sql`, 'utf8').replace(/\s+/g, ' ').trim();
  const literal = (v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
  const replay = (count) => {
    const sql = [`PREPARE b AS ${statement}`];
    lines.slice(0, count).forEach((line, i) => {
      if (i === WARM) sql.push('ANALYZE');
      sql.push(`EXECUTE b(${line.parameters.map(literal).join(',')})`);
    });
    if (count === WARM) sql.push('ANALYZE');
    const file = join(work, `replay-${count}.sql`);
    writeFileSync(file, `${sql.join('\n')}\n`);
    const data = join(work, `data-${count}`);
    execFileSync('cp', ['-a', template, data]); // keeps the owner and the 0700 PostgreSQL insists on
    const out = join(work, `callgrind-${count}.out`);
    const command = [
      'valgrind',
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      join(bindir, 'postgres'),
      '--single',
      '-D',
      data,
      '-c',
      'fsync=off',
      'postgres',
    ].join(' ');
    const result = spawnSync(
      asRoot ? 'su' : 'sh',
      asRoot ? ['postgres', '-c', `${command} < ${file}`] : ['-c', `${command} < ${file}`],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      },
    );
    if (/ERROR/.test(result.stdout))
      throw new Error(`the replay failed: ${result.stdout.match(/ERROR.*/)[0]}`);
    const collected = /Collected : (\d+)/.exec(result.stderr);
    if (!collected) throw new Error(`callgrind printed no total: ${result.stderr.slice(-500)}`);
    return { instructions: Number(collected[1]), profile: out };
  };
  const warm = replay(WARM);
  const all = replay(WARM + MEASURED);
  const commands = lines.slice(WARM, WARM + MEASURED).reduce((sum, l) => sum + l.commands, 0);
  const perCommand = (all.instructions - warm.instructions) / commands;
  console.log(
    `PostgreSQL: ${Math.round(perCommand).toLocaleString('en')} instructions per command (${commands} commands in ${MEASURED} batches after ${WARM} warm ones)`,
  );
  if (process.env.PG_COST_KEEP)
    console.log(
      `profiles (callgrind_annotate --inclusive=yes): ${warm.profile} (warm-up), ${all.profile} (all)`,
    );
  console.log(
    JSON.stringify({ instructionsPerCommand: perCommand, commands, batches: MEASURED, warmBatches: WARM }),
  );
} finally {
  if (!process.env.PG_COST_KEEP) rmSync(work, { recursive: true, force: true });
}
