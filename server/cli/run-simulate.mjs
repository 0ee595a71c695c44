// `npm run simulate -- …` and `npm run demo`: bundles the CLI (server/cli/simulate.ts) with esbuild, as
// test/bench/run.mjs does, then runs its main in this process (Node 20 runs no TypeScript by itself) and ends
// with the exit code main answers. No source map: coverage counts the sources as the tests load them, and a
// bundle mapped back onto them would count each function a second time (mostly as not run).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const outfile = join(root, 'dist', 'simulate', 'cli.mjs');
await build({
  entryPoints: [join(root, 'server', 'cli', 'simulate.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2));
