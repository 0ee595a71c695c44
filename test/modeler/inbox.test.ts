// The inbox of a person in headless Chromium: a member of 市场监管 sees the case in 部门待办 with its business
// number, service and working days left, claims it, finds it in 我的待办 and completes it with its form; the
// step's handler is that member. Below the tasks, figures per person: the member's own (我的指标), a lead's
// department (科室工作量), an auditor's everyone (经办人指标), every figure of the catalogue by its Chinese label.
// Screenshots go to test/artifacts/modeler/.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseTokens } from '../../server/auth/tokens.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { TOKENS } from '../helpers/test-app.js';
import { api, deployXml, screenshot, startBrowserTest, useToken } from './harness.js';

const permit = readFileSync(new URL('../server/fixtures/correction.bpmn', import.meta.url), 'utf8');

t.test('claim a task in the inbox and complete it', async (t) => {
  const lead = 'person-lead-0001';
  const people = parseTokens(
    JSON.stringify([
      {
        token: lead,
        role: 'department',
        department: '市场监管',
        userId: 'u-zhao',
        name: '赵科长',
        lead: true,
      },
    ]),
    'people',
  );
  // a member of 市场监管's page, signed in
  const started = await startBrowserTest(t, { app: { people }, token: TOKENS.market });
  if (!started) return;
  const { server, page, errors } = started;
  await deployXml(t, server, permit);
  const created = await api(server, TOKENS.intake, 'POST', '/api/cases', {
    process: 'permit',
    businessKey: 'SZ-2026-0001',
    variables: { applicant: '张三' },
  });
  t.equal(created.statusCode, 201, created.body);
  const caseId = created.json().id;

  await page.goto(`${server.url}/#/inbox`);
  await page.waitForSelector('#reflow-tasks');
  const row = page.locator(`#reflow-tasks tr:has(a[href="#/case/${caseId}"])`);
  t.match((await row.textContent()) ?? '', /SZ-2026-0001/, 'the business number on the row');
  t.match((await row.textContent()) ?? '', /许可（测试）/, 'the service on the row');
  t.match((await row.locator('.reflow-days-left').textContent()) ?? '', /^2$/, 'two working days left');
  await screenshot(page, '20-inbox-queue');
  // when the member claims it
  await row.locator('.reflow-task-claim').click();
  await page.waitForSelector('#reflow-inbox-status[data-kind="ok"]');
  t.equal(
    await page.locator(`#reflow-tasks tr:has(a[href="#/case/${caseId}"])`).count(),
    0,
    'gone from 部门待办',
  );
  // then it is in 我的待办, and completes there with its form
  await page.click('#reflow-inbox-tab-mine');
  await page.waitForSelector(`#reflow-tasks tr:has(a[href="#/case/${caseId}"])`);
  await screenshot(page, '21-inbox-mine');
  // the review overran its 2 working days before it was done: the warning scheduler, 3 working days on, raised
  // its yellow and red cards (the lead's table shows the member's step red-card rate)
  const later = server.service.calendar.addWorkingDays(Date.now(), 3);
  const scheduler = new WarningScheduler(server.app.reflow.db, server.service, {
    nodeId: 'inbox-test',
    clock: () => later,
  });
  t.ok((await scheduler.tick()) >= 2, 'yellow and red on the review');
  await scheduler.stop();
  await page.locator(`#reflow-tasks tr:has(a[href="#/case/${caseId}"]) .reflow-task-open`).click();
  await page.waitForSelector('#reflow-task-form');
  await page.check('#reflow-task-field-complete');
  await page.click('#reflow-task-submit');
  await page.waitForSelector('#reflow-inbox-status[data-kind="ok"]');
  await page.waitForSelector('#reflow-inbox-empty');
  const view = (await api(server, TOKENS.auditor, 'GET', `/api/cases/${caseId}`)).json();
  const review = view.timeline.find((s: { elementId: string }) => s.elementId === 'review');
  t.equal(review.status, 'completed', 'the review is completed');
  t.same(review.handler, { userId: 'department:市场监管', name: 'department:市场监管' }, 'its handler');
  // figures per person under the tasks: the member's own row, every figure of the catalogue
  const figureCell = (key: string) =>
    page
      .locator(`#reflow-team-load-table tr[data-user-id="department:市场监管"] td`)
      .nth(headers.indexOf(key));
  let headers: string[] = [];
  const readHeaders = async () => {
    await page.waitForSelector('#reflow-team-load-table');
    headers = await page
      .locator('#reflow-team-load-table th')
      .evaluateAll((ths) => ths.map((th) => (th as HTMLElement).dataset.figure ?? th.textContent ?? ''));
    return page.locator('#reflow-team-load-table th').allTextContents();
  };
  t.equal(await page.textContent('#reflow-team-load h3'), '我的指标');
  const catalogue = [
    '在办待办',
    '已办环节',
    '平均每环节办理时间（工作日）',
    '90% 环节办结时间（工作日）',
    '环节按时办结率',
    '有时限的环节',
    '亮牌环节',
    '红牌环节',
    '环节预警率（亮黄牌或红牌）',
    '环节红牌率（超时）',
    '满意度',
    '差评数',
    '差评已整改',
    '按期整改',
    '转出（转办）',
  ];
  t.same(await readHeaders(), ['经办人', ...catalogue], 'every figure of the catalogue, by its label');
  t.equal(await figureCell('completedTasks').textContent(), '1', 'the member completed one step');
  t.equal(await figureCell('openTasks').textContent(), '0', 'and holds none');
  await screenshot(page, '24-inbox-my-figures');
  // a lead sees the department's people; an auditor everyone, with their department
  await useToken(page, lead);
  await page.waitForSelector('#reflow-team-load h3:has-text("科室工作量")');
  t.equal(await page.textContent('#reflow-team-load h3'), '科室工作量（市场监管）');
  await readHeaders();
  t.equal(await figureCell('completedTasks').textContent(), '1', "the lead sees the member's figures");
  t.equal(
    await figureCell('stepRedCardRate').textContent(),
    '100.0% (1 / 1)',
    "the member's step red-card rate, with red-carded steps of the steps with a limit beside",
  );
  await page.locator('#reflow-team-load-table').scrollIntoViewIfNeeded();
  await screenshot(page, '24b-inbox-team-red-cards');
  await useToken(page, TOKENS.auditor);
  await page.waitForSelector('#reflow-team-load h3:has-text("经办人指标")');
  t.same(await readHeaders(), ['经办人', '部门', ...catalogue], 'an auditor sees the department column');
  t.equal(await figureCell('部门').textContent(), '市场监管');
  await screenshot(page, '25-inbox-figures-per-person');
  t.same(errors, [], 'no page errors');
});
