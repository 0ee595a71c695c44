// `npm run screenshots`: bundles server/cli/screenshots.ts with esbuild (Node 20 runs no TypeScript) and runs it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const outfile = join(root, 'dist', 'screenshots', `screenshots-${process.pid}.mjs`); // one per run: parallel runs never read a half-written bundle
await build({
  entryPoints: [join(root, 'server/cli/screenshots.ts')],
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
