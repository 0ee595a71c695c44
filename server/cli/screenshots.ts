/**
 * `npm run screenshots`: every image the README shows, taken from a running Reflow on the demo data (the sample
 * processes and their simulated history, as `npm start` seeds them) in headless Chromium at 1440×900, written
 * to docs/screenshots/. No screenshot is made by hand: test/repository/readme-screenshots.test.ts checks that
 * each image the README shows is one of SHOTS.
 *
 * The images do not depend on the day they are taken: the server runs on a fixed clock (SCREENSHOT_TIME, the
 * demo history ends there) and the page's "today" is the same instant (Playwright's clock), so a second run
 * writes the same bytes. `npm run screenshots -- --check` takes them again into a temporary folder and compares
 * each with docs/screenshots/ by SHA-256: exit 1 naming every image that differs (run it after a change to a
 * page to see which images it moves; run it right after `npm run screenshots` to check the images are stable).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startNode } from '../node.js';

const root = new URL('../..', import.meta.url).pathname;
export const SCREENSHOT_DIR = 'docs/screenshots';

interface Shot {
  /** The file under docs/screenshots/, without .png. */
  name: string;
  /** Whose view: the role of the token the page signs in with. */
  as: 'admin' | 'department';
  /** Opens the view and waits until it is drawn. */
  open(page: Page, url: string, businessKey: string): Promise<void>;
}

export const SHOTS: Shot[] = [
  {
    name: 'heatmap',
    as: 'admin',
    async open(page, url) {
      await page.goto(`${url}/#/heatmap/business_startup/2`);
      await page.waitForSelector('#reflow-heatmap-diagram .reflow-label-heat');
    },
  },
  {
    name: 'versions',
    as: 'admin',
    async open(page, url) {
      await page.goto(`${url}/#/versions/business_startup/1/2`);
      await page.waitForSelector('#reflow-version-changes li[data-element]');
    },
  },
  {
    name: 'compare',
    as: 'admin',
    async open(page, url) {
      await page.goto(`${url}/#/compare/business_startup/1/2`);
      await page.waitForSelector('.reflow-comparison table');
    },
  },
  {
    name: 'case',
    as: 'admin',
    async open(page, url, businessKey) {
      await page.goto(`${url}/#/case`);
      await page.fill('#reflow-case-id', businessKey);
      await page.press('#reflow-case-id', 'Enter');
      await page.waitForSelector('#reflow-case-progress #reflow-progress-now li');
    },
  },
  {
    name: 'inbox',
    as: 'department',
    async open(page, url) {
      await page.goto(`${url}/#/inbox`);
      await page.click('.reflow-task-open');
      await page.waitForSelector('#reflow-task-form .reflow-schema-form, #reflow-task-comment');
    },
  },
];

const BUSINESS_KEY = 'QY-2026-0042';

/**
 * The instant every screenshot is taken at, on the server and in the page: a Tuesday, 10:00 in Beijing, well
 * inside the built-in holiday data (no horizon warning) and after the National Day week.
 */
export const SCREENSHOT_TIME = Date.parse('2026-10-20T10:00:00+08:00');

/** UUID-shaped ids, the same on every run (a case's id shows on its page). */
function fixedIds(): () => string {
  let n = 0;
  return () => {
    const hex = createHash('sha256').update(`reflow-screenshots:${++n}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}

const sha256 = (path: string): string | null =>
  existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;

export async function main(args: string[]): Promise<number> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const check = args.includes('--check');
  const only = new Set(args.filter((a) => a !== '--check'));
  const work = mkdtempSync(join(tmpdir(), 'reflow-screenshots-'));
  // --check: into the temporary folder, to compare; otherwise over the README's images
  const outDir = check ? join(work, 'shots') : join(root, SCREENSHOT_DIR);
  const differ: string[] = [];
  const kept = join(tmpdir(), `reflow-screenshots-check-${process.pid}`);
  // the page as `npm run build` makes it
  await import(new URL('../../modeler/build.mjs', import.meta.url).href);
  const node = await startNode({
    dataDir: join(work, 'data'),
    tokensFile: join(work, 'tokens.json'),
    processesDir: join(root, 'processes'),
    seedDemo: true,
    logger: false,
    clock: () => SCREENSHOT_TIME,
    newId: fixedIds(),
  });
  const browser = await chromium.launch({
    executablePath,
    // one raster thread, every compositor stage before a frame is drawn: the same pixels on every run (rounded
    // corners were otherwise antialiased differently now and then)
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--num-raster-threads=1',
      '--disable-partial-raster',
      '--run-all-compositor-stages-before-draw',
      '--disable-threaded-animation',
      '--disable-threaded-scrolling',
      '--disable-checker-imaging',
    ],
  });
  try {
    await node.app.listen({ port: 0, host: '127.0.0.1' });
    const address = node.app.server.address();
    if (!address || typeof address === 'string') throw new Error('the server did not listen on a TCP port');
    const url = `http://127.0.0.1:${address.port}`;
    const token = (role: string, department?: string) =>
      node.principals.find(
        (p) => p.roles.includes(role as never) && (!department || p.department === department),
      )?.token;
    // an application in progress, for the case view and the inbox
    const started = await node.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { authorization: `Bearer ${token('intake')}`, 'accept-language': 'en' },
      payload: {
        process: 'business_startup',
        businessKey: BUSINESS_KEY,
        variables: {
          companyName: '五味小吃有限公司',
          legalPerson: '王五',
          registeredCapital: 10,
          address: '幸福路 1 号',
        },
      },
    });
    if (started.statusCode !== 201) throw new Error(`the demo application was refused: ${started.body}`);
    const department = started.json().openTasks[0]?.department as string;
    mkdirSync(outDir, { recursive: true });
    for (const shot of SHOTS) {
      if (only.size > 0 && !only.has(shot.name)) continue;
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      // the page's "today" (due dates, ages, 'updated at') is the server's
      await context.clock.setFixedTime(SCREENSHOT_TIME);
      const page = await context.newPage();
      const signIn = shot.as === 'admin' ? token('admin') : token('department', department);
      await page.addInitScript((t) => localStorage.setItem('reflow.token', t ?? ''), signIn);
      await shot.open(page, url, BUSINESS_KEY);
      // every request answered (a view's figures load after its list), fonts and overlays settled
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.fonts.ready);
      await page.waitForTimeout(300);
      const path = join(outDir, `${shot.name}.png`);
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      await context.close();
      const committed = `${SCREENSHOT_DIR}/${shot.name}.png`;
      if (!check) console.log(committed);
      else if (sha256(path) === sha256(join(root, committed))) console.log(`${committed}: unchanged`);
      else {
        console.log(
          `${committed}: DIFFERS (sha256 ${sha256(path)?.slice(0, 12)} ≠ ${sha256(join(root, committed))?.slice(0, 12) ?? 'none'})`,
        );
        differ.push(committed);
        // kept, to look at beside the committed one
        mkdirSync(kept, { recursive: true });
        cpSync(path, join(kept, `${shot.name}.png`));
      }
    }
    if (differ.length > 0)
      console.error(`${differ.length} image(s) differ from the committed ones; the new ones are in ${kept}`);
    return differ.length > 0 ? 1 : 0;
  } finally {
    await browser.close();
    await node.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
