// The 电子监察 view (#/supervision) on the business-startup sample's demo history: the warning scheduler raises
// the cards of the history's open tasks and cases; the view shows them by department and process with their
// ageing, the weekly trend and the worst steps, each card linking to its case; a supervisor's follow-up note
// (督办意见) written in the view reaches the card's department through GET /api/warnings, and shows under the task
// in the department's open inbox at its next poll, without reloading the page.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseTokens } from '../../server/auth/tokens.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { seedDemoHistory } from '../../server/simulate/demo.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { collectPageErrors, launchChromium, screenshot, startModelerTest } from './harness.js';

// the departments of the demo history's lanes, each with a token for its inbox
const DEMO_DEPARTMENTS = {
  市场监管局: 'dept-samr-demo-0001',
  公安局: 'dept-police-demo-0001',
  税务局: 'dept-tax-demo-0001',
} as const;
const demoDepartments = parseTokens(
  JSON.stringify(
    Object.entries(DEMO_DEPARTMENTS).map(([department, token]) => ({
      token,
      role: 'department',
      department,
    })),
  ),
  'demo departments',
);

t.test('the supervision view shows the cards of the demo history', async (t) => {
  const started = await startModelerTest(t, { people: demoDepartments });
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
    taskId: string | null;
  }[];
  // the seeding raised the cards of the history, each when it came due: nothing was left for the scheduler
  t.equal(raised, 0, 'the demo history already holds its cards');
  t.ok(api.length > 0, `${api.length} cards open on the demo history's open work`);
  const history = (
    await server.app.inject({
      method: 'GET',
      url: '/api/warnings?limit=5000&history=true',
      headers: bearer(TOKENS.supervisor),
    })
  ).json() as { clearedAt: string | null }[];
  t.ok(
    history.filter((c) => c.clearedAt !== null).length > 100,
    `${history.length} cards in the demo history, cleared where the work ended`,
  );
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
  // a task card in a department's queue: the department's inbox shows it, and will show the note
  let noted: (typeof api)[number] | undefined;
  let departmentToken = '';
  for (const [department, token] of Object.entries(DEMO_DEPARTMENTS)) {
    const queue = (
      await server.app.inject({
        method: 'GET',
        url: '/api/tasks?status=open&claimed=false&sort=due',
        headers: bearer(token),
      })
    ).json() as { id: string }[];
    const ids = new Set(queue.map((task) => task.id));
    noted = api.find((c) => c.department === department && c.taskId !== null && ids.has(c.taskId));
    if (noted) {
      departmentToken = token;
      break;
    }
  }
  if (!noted) return t.fail('no task card of the demo history is in a department queue');
  const inboxContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const inbox = await inboxContext.newPage();
  const inboxErrors = collectPageErrors(inbox);
  await inbox.clock.install(); // the inbox's polling interval runs when the test moves this clock on
  await inbox.addInitScript((token) => localStorage.setItem('reflow.token', token), departmentToken);
  await inbox.goto(`${server.url}/#/inbox`);
  const taskRow = inbox.locator(`#reflow-tasks tr[data-task-id="${noted.taskId}"]:not(.reflow-task-notes)`);
  await taskRow.waitFor();
  t.match(
    (await taskRow.locator('.reflow-card-badge').allTextContents()).join(' '),
    api.some((c) => c.taskId === noted.taskId && c.level === 'red') ? /^ *红牌 *$/ : /^ *黄牌 *$/,
    "the task's highest card in the department's inbox",
  );
  const notesRow = inbox.locator(`tr.reflow-task-notes[data-task-id="${noted.taskId}"]`);
  t.equal(await notesRow.count(), 0, 'no note yet');
  await inbox.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  // a follow-up note from the supervision view
  const article = page.locator(`#reflow-supervision-cards article[data-card="${noted.id}"]`);
  await article.locator('.reflow-note-text').fill('请三日内办结并说明超时原因');
  await article.locator('.reflow-note-send').click();
  await page.waitForSelector('#reflow-supervision-status[data-kind="ok"]');
  await page.waitForSelector(
    `#reflow-supervision-cards article[data-card="${noted.id}"] .reflow-card-notes li`,
  );
  const seen = (
    await server.app.inject({
      method: 'GET',
      url: '/api/warnings?limit=5000',
      headers: bearer(departmentToken),
    })
  ).json() as {
    id: string;
    notes: { text: string }[];
  }[];
  t.same(
    seen.find((c) => c.id === noted.id)?.notes.map((n) => n.text),
    ['请三日内办结并说明超时原因'],
    `the note is on the card for ${noted.department}`,
  );
  // reaches the department's inbox at its next poll, without reloading the page
  await inbox.clock.runFor(15_000);
  await notesRow.waitFor();
  t.match(await notesRow.textContent(), /督办意见：.*请三日内办结并说明超时原因/, 'the note under the task');
  t.ok(
    await inbox.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true),
    'the inbox was not reloaded',
  );
  await screenshot(inbox, 'supervision-note-in-inbox');
  t.same(inboxErrors, [], 'no page errors in the inbox');
  await inboxContext.close();
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
  await article.locator('a.reflow-card-case').click();
  await page.waitForFunction(() => document.body.dataset.view === 'case');
  // the case shows its cards with the note
  await page.waitForSelector('#reflow-case-cards .reflow-card-notes li');
  t.match(await page.textContent('#reflow-case-cards'), /请三日内办结并说明超时原因/);
  await screenshot(page, 'supervision-case');
  t.same(errors, [], 'no page errors');
});
