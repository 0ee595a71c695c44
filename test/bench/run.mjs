// `npm run bench`: bundles every test/bench/*.bench.ts with esbuild, runs each in its own process, gathers
// the figures each prints as its last line (JSON) into test/bench/results.json and the README's table.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForNode } from './bundle.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..');
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results = { measuredAt: new Date().toISOString(), node: process.version, benchmarks: {} };
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  const outfile = await bundleForNode(join(here, file), name);
  console.log(`\n▶ ${name}`);
  let stdout = '';
  try {
    stdout = execFileSync(process.execPath, ['--expose-gc', outfile], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
      timeout: 30 * 60_000,
    });
  } catch (error) {
    stdout = error.stdout ?? '';
    results.benchmarks[name] = { error: String(error.message).split('\n')[0] };
  }
  const lines = stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) console.log(`  ${line}`);
  try {
    results.benchmarks[name] = JSON.parse(lines.at(-1));
  } catch {
    results.benchmarks[name] ??= { error: 'no JSON result line' };
  }
  console.log(`  → ${JSON.stringify(results.benchmarks[name])}`);
}

let previous = {};
try {
  previous = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8')).benchmarks ?? {};
} catch {}
results.benchmarks = { ...previous, ...results.benchmarks };
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

// the README table lists each benchmark's headline figures and its ratio to the baseline
const rows = Object.entries(results.benchmarks).map(([name, r]) =>
  r.error
    ? `| ${name} | error: ${r.error} | | |`
    : `| ${name} | ${r.figure ?? ''} | ${r.baseline ?? ''} | ${r.ratio ?? ''} |`,
);
const table = [
  '| benchmark | Reflow | baseline (same run) | ratio / target |',
  '|---|---|---|---|',
  ...rows,
].join('\n');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const marked = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
if (marked.test(readme))
  writeFileSync(readmePath, readme.replace(marked, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
console.log(`\n${table}\n\nwritten: test/bench/results.json`);
