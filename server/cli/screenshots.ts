/**
 * `npm run screenshots`: every image the README shows, taken from a running Reflow on the demo data (the sample
 * processes and their simulated history, as `npm start` seeds them) in headless Chromium at 1440×900, written
 * to docs/screenshots/. No screenshot is made by hand: test/repository/readme-screenshots.test.ts checks that
 * each image the README shows is one of SHOTS.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

export async function main(args: string[]): Promise<number> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const only = new Set(args);
  const work = mkdtempSync(join(tmpdir(), 'reflow-screenshots-'));
  // the page as `npm run build` makes it
  await import(new URL('../../modeler/build.mjs', import.meta.url).href);
  const node = await startNode({
    dataDir: join(work, 'data'),
    tokensFile: join(work, 'tokens.json'),
    processesDir: join(root, 'processes'),
    seedDemo: true,
    logger: false,
  });
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
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
    mkdirSync(join(root, SCREENSHOT_DIR), { recursive: true });
    for (const shot of SHOTS) {
      if (only.size > 0 && !only.has(shot.name)) continue;
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      const signIn = shot.as === 'admin' ? token('admin') : token('department', department);
      await page.addInitScript((t) => localStorage.setItem('reflow.token', t ?? ''), signIn);
      await shot.open(page, url, BUSINESS_KEY);
      await page.waitForTimeout(300); // fonts and overlays settle
      const path = join(root, SCREENSHOT_DIR, `${shot.name}.png`);
      await page.screenshot({ path });
      console.log(`${SCREENSHOT_DIR}/${shot.name}.png`);
      await context.close();
    }
    return 0;
  } finally {
    await browser.close();
    await node.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
