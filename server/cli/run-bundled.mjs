// What the `npm run <command>` launchers share: bundle a TypeScript CLI module with esbuild (Node 20 runs no
// TypeScript), import it, and end with the exit code its `main(args)` answers.
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;

/** Runs `entry` (a path from the project root) bundled under dist/<folder>/, one bundle per run. */
export async function runBundled(entry, folder) {
  // one per run: parallel runs never read a half-written bundle
  const outfile = join(root, 'dist', folder, `${basename(entry, '.ts')}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
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
}
