// Page load of the modeler and dashboards (`/`) in headless Chromium, served by a Reflow server on this
// machine: navigation start to the end of the load event, each in a fresh browser context (empty cache),
// beside a blank static page from the same server as the baseline. Target: under 1 s.
import { buildPage, launchChromium, loadEventMs, startServer } from '../modeler/harness.js';

const RUNS = 10;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const build = await buildPage();
const server = await startServer();
const browser = await launchChromium();

async function measure(path: string, ready?: string): Promise<{ load: number; ready: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(`${server.url}${path}`);
  const load = await loadEventMs(page);
  if (ready) await page.waitForSelector(ready);
  const readyMs = performance.now() - t0;
  await context.close();
  return { load, ready: readyMs };
}

await measure('/', '.djs-palette'); // warm-up: the browser process, the server's first requests
await measure('/assets/blank.html');
const page: { load: number; ready: number }[] = [];
const blank: number[] = [];
for (let i = 0; i < RUNS; i++) {
  blank.push((await measure('/assets/blank.html')).load);
  page.push(await measure('/', '.djs-palette'));
}
await browser.close();
await server.close();

const loadMs = median(page.map((p) => p.load));
const readyMs = median(page.map((p) => p.ready));
const baselineMs = median(blank);
const ratio = loadMs / baselineMs;
console.log(
  `modeler page: load event ${loadMs.toFixed(0)} ms (median of ${RUNS}), palette drawn ${readyMs.toFixed(0)} ms; bundle ${(build.bytes / 1024).toFixed(0)} KiB built in ${build.ms} ms`,
);
console.log(`blank page from the same server: ${baselineMs.toFixed(1)} ms`);
console.log(
  JSON.stringify({
    figure: `page load ${loadMs.toFixed(0)} ms (median of ${RUNS}, cold cache)`,
    baseline: `blank page ${baselineMs.toFixed(0)} ms`,
    ratio: `${ratio.toFixed(1)}× blank; ${loadMs < 1000 ? '<' : '≥'} 1 s target`,
    loadMs,
    readyMs,
    baselineMs,
    ratioValue: ratio,
    bundleBytes: build.bytes,
    buildMs: build.ms,
    pass: loadMs < 1000,
  }),
);
