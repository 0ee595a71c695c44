// The 电子监察 view (#/supervision) on the business-startup sample's demo history, which holds the cards its past
// raised (open on its open work, cleared where the work ended): the view shows them by department and process with
// their ageing, the weekly trend and the worst steps, each card linking to its case; a supervisor's follow-up note
// (督办意见) written in the view reaches the card's department through GET /api/warnings, and shows under the task
// in the department's open inbox at its next poll, without reloading the page.
import t from 'tap';
import { parseTokens } from '../../server/auth/tokens.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { api, openPage, screenshot, seedSampleHistory, startBrowserTest } from './harness.js';

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
  // a supervisor's page, signed in before its first call (as a token kept from an earlier visit)
  const viewport = { width: 1280, height: 900 };
  const started = await startBrowserTest(t, {
    viewport,
    app: { people: demoDepartments },
    token: TOKENS.supervisor,
  });
  if (!started) return;
  const { server, browser, page, errors } = started;
  const now = Date.parse('2026-11-27T15:00:00+08:00');
  await seedSampleHistory(t, server, now, 1);
  const scheduler = new WarningScheduler(server.app.reflow.db, server.service, {
    nodeId: 'view',
    clock: () => now,
  });
  const raised = await scheduler.tick();
  await scheduler.stop();
  const cards = (await api(server, TOKENS.supervisor, 'GET', '/api/warnings?limit=5000')).json() as {
    id: string;
    level: string;
    department: string | null;
    caseId: string;
    taskId: string | null;
  }[];
  // the seeding raised the cards of the history, each when it came due: nothing was left for the scheduler
  t.equal(raised, 0, 'the demo history already holds its cards');
  t.ok(cards.length > 0, `${cards.length} cards open on the demo history's open work`);
  const history = (
    await api(server, TOKENS.supervisor, 'GET', '/api/warnings?limit=5000&history=true')
  ).json() as { clearedAt: string | null }[];
  t.ok(
    history.filter((c) => c.clearedAt !== null).length > 100,
    `${history.length} cards in the demo history, cleared where the work ended`,
  );
  const red = cards.filter((c) => c.level === 'red').length;

  await page.goto(`${server.url}/#/supervision`);
  await page.waitForSelector('#reflow-supervision-cards article');
  t.equal(
    await page.locator('#reflow-supervision-cards article').count(),
    cards.length,
    'every open card listed',
  );
  t.match(await page.textContent('#reflow-supervision-red'), new RegExp(`红牌 ${red}$`));
  t.match(await page.textContent('#reflow-supervision-yellow'), new RegExp(`黄牌 ${cards.length - red}$`));
  const departments = await page.locator('#reflow-supervision-departments tbody tr').count();
  t.equal(departments, new Set(cards.map((c) => c.department ?? '')).size, 'one row per department');
  t.ok((await page.locator('#reflow-supervision-steps tbody tr').count()) > 0, 'the worst steps listed');
  await page.waitForSelector('#reflow-supervision-trend canvas');
  // the first card's link opens its case
  const first = page.locator('#reflow-supervision-cards article').first();
  const href = await first.locator('a.reflow-card-case').getAttribute('href');
  const card = cards.find((c) => href === `#/case/${encodeURIComponent(c.caseId)}`);
  t.ok(card, `the link ${href} names a card's case`);
  // a task card in a department's queue: the department's inbox shows it, and will show the note
  let noted: (typeof cards)[number] | undefined;
  let departmentToken = '';
  for (const [department, token] of Object.entries(DEMO_DEPARTMENTS)) {
    const queue = (
      await api(server, token, 'GET', '/api/tasks?status=open&claimed=false&sort=due')
    ).json() as {
      id: string;
    }[];
    const ids = new Set(queue.map((task) => task.id));
    noted = cards.find((c) => c.department === department && c.taskId !== null && ids.has(c.taskId));
    if (noted) {
      departmentToken = token;
      break;
    }
  }
  if (!noted) return t.fail('no task card of the demo history is in a department queue');
  const {
    context: inboxContext,
    page: inbox,
    errors: inboxErrors,
  } = await openPage(browser, { viewport, token: departmentToken });
  await inbox.clock.install(); // the inbox's polling interval runs when the test moves this clock on
  await inbox.goto(`${server.url}/#/inbox`);
  const taskRow = inbox.locator(`#reflow-tasks tr[data-task-id="${noted.taskId}"]:not(.reflow-task-notes)`);
  await taskRow.waitFor();
  t.match(
    (await taskRow.locator('.reflow-card-badge').allTextContents()).join(' '),
    cards.some((c) => c.taskId === noted.taskId && c.level === 'red') ? /^ *红牌 *$/ : /^ *黄牌 *$/,
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
  const seen = (await api(server, departmentToken, 'GET', '/api/warnings?limit=5000')).json() as {
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
  const once = await api(server, TOKENS.supervisor, 'GET', '/api/warnings');
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
