// `npm run calendar`: bundles server/calendar/calendar-cli.ts with esbuild (Node 20 runs no TypeScript) and runs it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const outfile = join(root, 'dist', 'calendar', `calendar-cli-${process.pid}.mjs`); // one per run
await build({
  entryPoints: [join(root, 'server/calendar/calendar-cli.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
rmSync(outfile, { force: true });
process.exitCode = await main(process.argv.slice(2));
