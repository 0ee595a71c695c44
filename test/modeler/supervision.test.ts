// The 电子监察 view (#/supervision) on the business-startup sample's demo history: the warning scheduler raises
// the cards of the history's open tasks and cases; the view shows them by department and process with their
// ageing, the weekly trend and the worst steps, each card linking to its case; a supervisor's follow-up note
// (督办意见) written in the view reaches the card's department through GET /api/warnings.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { seedDemoHistory } from '../../server/simulate/demo.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { collectPageErrors, launchChromium, screenshot, startModelerTest } from './harness.js';

t.test('the supervision view shows the cards of the demo history', async (t) => {
  const started = await startModelerTest(t);
  if (!started) return;
  const { server } = started;
  const dir = mkdtempSync(join(tmpdir(), 'reflow-supervision-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const samples = new URL('../../processes/', import.meta.url).pathname;
  const names = ['business-startup.before', 'business-startup.after', 'rating-rectification'];
  for (const name of names)
    for (const ext of ['bpmn', 'sim.json']) cpSync(`${samples}${name}.${ext}`, join(dir, `${name}.${ext}`));
  const { db, definitions } = server.app.reflow;
  for (const name of names) {
    const deployed = await server.app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: readFileSync(join(dir, `${name}.bpmn`), 'utf8'),
    });
    t.equal(deployed.statusCode, 201, deployed.body);
  }
  const now = Date.parse('2026-11-27T15:00:00+08:00');
  await seedDemoHistory(db, definitions, { processesDir: dir, now });
  const scheduler = new WarningScheduler(db, server.service, { nodeId: 'view', clock: () => now });
  const raised = await scheduler.tick();
  await scheduler.stop();
  const api = (
    await server.app.inject({
      method: 'GET',
      url: '/api/warnings?limit=5000',
      headers: bearer(TOKENS.supervisor),
    })
  ).json() as {
    id: string;
    level: string;
    department: string | null;
    caseId: string;
  }[];
  t.ok(raised > 0 && api.length > 0, `${raised} cards raised on the demo history's open work`);
  const red = api.filter((c) => c.level === 'red').length;

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = collectPageErrors(page);
  // signed in before the page's first call (as a token kept from an earlier visit)
  await page.addInitScript((token) => localStorage.setItem('reflow.token', token), TOKENS.supervisor);
  await page.goto(`${server.url}/#/supervision`);
  await page.waitForSelector('#reflow-supervision-cards article');
  t.equal(
    await page.locator('#reflow-supervision-cards article').count(),
    api.length,
    'every open card listed',
  );
  t.match(await page.textContent('#reflow-supervision-red'), new RegExp(`红牌 ${red}$`));
  t.match(await page.textContent('#reflow-supervision-yellow'), new RegExp(`黄牌 ${api.length - red}$`));
  const departments = await page.locator('#reflow-supervision-departments tbody tr').count();
  t.equal(departments, new Set(api.map((c) => c.department ?? '')).size, 'one row per department');
  t.ok((await page.locator('#reflow-supervision-steps tbody tr').count()) > 0, 'the worst steps listed');
  await page.waitForSelector('#reflow-supervision-trend canvas');
  // the first card's link opens its case
  const first = page.locator('#reflow-supervision-cards article').first();
  const href = await first.locator('a.reflow-card-case').getAttribute('href');
  const card = api.find((c) => href === `#/case/${encodeURIComponent(c.caseId)}`);
  t.ok(card, `the link ${href} names a card's case`);
  // a follow-up note from the view reaches the department
  await first.locator('.reflow-note-text').fill('请三日内办结并说明超时原因');
  await first.locator('.reflow-note-send').click();
  await page.waitForSelector('#reflow-supervision-status[data-kind="ok"]');
  await page.waitForSelector('.reflow-card-notes li');
  const cardId = await first.getAttribute('data-card');
  const noted = api.find((c) => c.id === cardId);
  const departmentToken = Object.entries({
    市场监管: TOKENS.market,
    公安: TOKENS.police,
    税务: TOKENS.tax,
  }).find(([d]) => d === noted?.department)?.[1];
  const seenBy = departmentToken ?? TOKENS.auditor;
  const seen = (
    await server.app.inject({ method: 'GET', url: '/api/warnings?limit=5000', headers: bearer(seenBy) })
  ).json() as {
    id: string;
    notes: { text: string }[];
  }[];
  t.same(
    seen.find((c) => c.id === cardId)?.notes.map((n) => n.text),
    ['请三日内办结并说明超时原因'],
    `the note is on the card for ${departmentToken ? noted?.department : 'the auditor'}`,
  );
  // an unchanged list answers 304 to the view's ETag
  const once = await server.app.inject({
    method: 'GET',
    url: '/api/warnings',
    headers: bearer(TOKENS.supervisor),
  });
  const again = await server.app.inject({
    method: 'GET',
    url: '/api/warnings',
    headers: { ...bearer(TOKENS.supervisor), 'if-none-match': String(once.headers.etag) },
  });
  t.equal(again.statusCode, 304);
  await screenshot(page, 'supervision');
  await page.click('a.reflow-card-case >> nth=0');
  await page.waitForFunction(() => document.body.dataset.view === 'case');
  // the case shows its cards with the note
  await page.waitForSelector('#reflow-case-cards .reflow-card-notes li');
  t.match(await page.textContent('#reflow-case-cards'), /请三日内办结并说明超时原因/);
  await screenshot(page, 'supervision-case');
  t.same(errors, [], 'no page errors');
});
