// `npm run screenshots`: runs server/cli/screenshots.ts, bundled (run-bundled.mjs).
import { runBundled } from './run-bundled.mjs';

await runBundled('server/cli/screenshots.ts', 'screenshots');
