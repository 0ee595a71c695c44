// `npm run simulate -- …` and `npm run demo`: runs server/cli/simulate.ts, bundled (server/cli/run-bundled.mjs:
// one bundle per run, removed once loaded, so a run in a test's child adds no bundle to the coverage report).
import { runBundled } from './run-bundled.mjs';

await runBundled('server/cli/simulate.ts', 'simulate');
