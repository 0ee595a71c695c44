// `npm run verify`: bundles server/audit/verify-cli.ts with esbuild (Node 20 runs no TypeScript) and runs it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const outfile = join(root, 'dist', 'verify', `verify-cli-${process.pid}.mjs`); // one per run: parallel runs never read a half-written bundle
await build({
  entryPoints: [join(root, 'server/audit/verify-cli.ts')],
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
