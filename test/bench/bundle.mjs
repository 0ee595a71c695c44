// Bundles a TypeScript entry of the benchmarks for Node with esbuild (Node 20 runs no TypeScript by itself),
// packages left external, into dist/bench/<name>.mjs; returns that path.
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;

export async function bundleForNode(entry, name) {
  const outfile = join(root, 'dist', 'bench', `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
