// Bundles the modeler and dashboards into dist/modeler/ (modeler/build-lib.mjs). Importing this module runs the
// build (server/build.mjs imports it for `npm run build` and `npm start`).
import { relative } from 'node:path';
import { buildModeler } from './build-lib.mjs';

const root = new URL('..', import.meta.url).pathname;

export const built = await buildModeler();
// run as a build script (`node modeler/build.mjs`, or `npm run build` through server/build.mjs): say what it did
if (process.argv[1]?.endsWith('build.mjs')) {
  console.log(`modeler: ${built.files} files, ${(built.bytes / 1024).toFixed(0)} KiB in ${built.ms} ms → ${relative(root, built.outdir)}/`);
}
