// In headless Chromium: the case view of a 一件事 (the 企业开办一件事 by messages). The master's view lists the
// department cases its messages started, with the figures over them as the API gives them; a department case's
// view names its master and links to it.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { collectPageErrors, launchChromium, screenshot, startModelerTest, useToken } from './harness.js';

const BY_MESSAGES = readFileSync(
  new URL('../../processes/business-startup-one-thing.after.bpmn', import.meta.url),
  'utf8',
);

t.test('the case view shows the 一件事 a case belongs to', async (t) => {
  const started = await startModelerTest(t);
  if (!started) return;
  const { server } = started;
  const { app, service } = server;
  const deployed = await app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
    payload: BY_MESSAGES,
  });
  t.equal(deployed.statusCode, 201, deployed.body);
  const view = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/api/cases/${id}`, headers: bearer(TOKENS.admin) })).json();

  // given a master applied for at a window, its registration done: five department cases started
  const master = await app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: bearer(TOKENS.intake),
    payload: {
      process: 'business_startup_one_thing',
      businessKey: 'QYKB-2026-0099',
      channel: 'window',
      variables: {
        companyName: '杭州示例科技有限公司',
        legalPerson: '张三',
        registeredCapital: 100,
        address: '杭州市西湖区示例路1号',
        delivery: 'window',
      },
    },
  });
  t.equal(master.statusCode, 201, master.body);
  const masterId = master.json().id as string;
  await app.reflow.messages.idle();
  const registration = (await view(masterId)).oneThing.cases[1];
  for (const task of (await view(registration.id)).openTasks)
    await service.completeTask(task.id, { licenceNo: '91330106MA2KXXXX01' }, 'test');
  await app.reflow.messages.idle();
  const oneThing = (await view(masterId)).oneThing;
  t.equal(oneThing.cases.length, 6, 'the master and five department cases');

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await (
    await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' })
  ).newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('.djs-palette');
  await useToken(page, TOKENS.admin);

  // when the master's case is opened
  await page.goto(`${server.url}/#/case/${masterId}`);
  await page.waitForSelector('#reflow-one-thing-cases tbody tr');

  // then its 一件事 is listed, the master first, with the figures over all its cases
  const rows = page.locator('#reflow-one-thing-cases tbody tr');
  t.equal(await rows.count(), 6);
  t.match(await rows.nth(0).textContent(), /主办件本办件business_startup_one_thing v1办理中/);
  t.match(await rows.nth(1).textContent(), /部门办件.*samr_company_registration v1已办结/);
  t.match(
    await page.locator('[data-field="oneThing"]').textContent(),
    `一件事至今合计：跑动 ${oneThing.trips} 次，一次性办结：是；尚未办结`,
  );
  t.equal(oneThing.trips, 1, 'the window visit: the departments asked for none yet');
  await screenshot(page, 'one-thing-01-master');

  // when a department case is opened from the list
  await page.click(`#reflow-one-thing-cases a[href="#/case/${registration.id}"]`);
  await page.waitForSelector('[data-field="rootCaseId"]');

  // then it names its master and links back to it
  t.match(
    await page.locator('[data-field="rootCaseId"]').textContent(),
    `本办件由主办件的消息发起：${masterId}`,
  );
  t.equal(
    await page.locator(`#reflow-one-thing-cases tr[data-case-id="${registration.id}"] strong`).textContent(),
    '本办件',
  );
  await screenshot(page, 'one-thing-02-department');
  await page.click('[data-field="rootCaseId"] a');
  await page.waitForFunction((id) => location.hash === `#/case/${id}`, masterId);

  // when every department answers and the master is handed over
  for (const linked of oneThing.cases.slice(1))
    for (const task of (await view(linked.id)).openTasks) await service.completeTask(task.id, {}, 'test');
  await app.reflow.messages.idle();
  for (const task of (await view(masterId)).openTasks) await service.completeTask(task.id, {}, 'test');
  const done = await view(masterId);
  t.equal(done.status, 'completed');
  await page.goto(`${server.url}/#/case/${registration.id}`);
  await page.waitForSelector('[data-field="rootCaseId"]');
  await page.goto(`${server.url}/#/case/${masterId}`);
  await page.waitForFunction(() =>
    /一件事合计/.test(document.querySelector('[data-field="oneThing"]')?.textContent ?? ''),
  );

  // then the 一件事's figures are the completed ones, its working days from its first start to its last end (the
  // master's here: its department cases ended before it)
  t.match(
    await page.locator('[data-field="oneThing"]').textContent(),
    `一件事合计：跑动 ${done.oneThing.trips} 次，一次性办结：是，用时 ${done.oneThing.workingDays === 0 ? '0' : ''}`,
  );
  t.equal(done.oneThing.workingDays, done.workingDays);
  t.equal(
    await page.locator('#reflow-one-thing-cases tbody tr:has-text("已办结")').count(),
    6,
    'all six completed',
  );
  await screenshot(page, 'one-thing-03-completed');
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page',
  );
});
