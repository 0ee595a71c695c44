// `npm run build`: bundles the server (and, when present, the modeler) with esbuild into dist/.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await build({
  entryPoints: [`${root}server/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  outfile: `${root}dist/server/main.mjs`,
  logLevel: 'warning',
});
if (existsSync(`${root}modeler/build.mjs`)) await import(`${root}modeler/build.mjs`);
