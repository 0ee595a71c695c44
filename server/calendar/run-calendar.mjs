// `npm run calendar`: runs server/calendar/calendar-cli.ts, bundled (server/cli/run-bundled.mjs).
import { runBundled } from '../cli/run-bundled.mjs';

await runBundled('server/calendar/calendar-cli.ts', 'calendar');
