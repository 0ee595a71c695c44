// `npm run verify`: runs server/audit/verify-cli.ts, bundled (server/cli/run-bundled.mjs).
import { runBundled } from '../cli/run-bundled.mjs';

await runBundled('server/audit/verify-cli.ts', 'verify');
