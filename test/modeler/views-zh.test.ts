// Every screen as a clerk, a designer and an auditor meet it (issue 22), on the demo data at 1440×900 in
// Chromium: each view is screenshotted into test/artifacts/modeler/ and holds no English text outside
// identifiers; the heatmap's labels and overlays are drawn at 11 px or more (measured on screen) and its table
// and diagram light each other up; the modeler opens the process its dropdown shows, without findings, and says
// that no token is set; a task's gov:form is a real form that names its fields and refuses a missing required
// field in Chinese; the case view finds a case by its business number and shows its 办件进度.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { seedDemoHistory } from '../../server/simulate/demo.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import {
  collectPageErrors,
  deployXml,
  launchChromium,
  type ModelerServer,
  screenshot,
  startModelerTest,
} from './harness.js';
import { drawnText, englishTextNodes } from './page-text.js';

const samples = new URL('../../processes/', import.meta.url).pathname;
const fixture = readFileSync(new URL('./fixtures/form-task.bpmn', import.meta.url), 'utf8');

/** The sample processes, before versions first, and the demo history the server seeds on first start. */
async function seedDemo(t: Test, server: ModelerServer): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-views-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = readdirSync(samples).filter((f) => f.endsWith('.bpmn') || f.endsWith('.sim.json'));
  for (const f of files) cpSync(join(samples, f), join(dir, f));
  const bpmn = files
    .filter((f) => f.endsWith('.bpmn'))
    .sort((a, b) => Number(b.includes('.before.')) - Number(a.includes('.before.')) || a.localeCompare(b));
  for (const name of bpmn) {
    const deployed = await server.app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: readFileSync(join(dir, name), 'utf8'),
    });
    t.ok([200, 201].includes(deployed.statusCode), `${name}: ${deployed.statusCode}`);
  }
  const { db, definitions } = server.app.reflow;
  // a quarter of the demo's cases: every view is shown with data, and the suite stays quick
  await seedDemoHistory(db, definitions, {
    processesDir: dir,
    now: Date.parse('2026-11-27T15:00:00+08:00'),
    share: 0.25,
  });
}

async function noEnglish(t: Test, page: Page, view: string): Promise<void> {
  const english = await englishTextNodes(page);
  t.same(english, [], `${view}: no English text in the Chinese interface`);
}

t.test('every view in Chinese and legible, on the demo data', async (t) => {
  const started = await startModelerTest(t);
  if (!started) return;
  const { server } = started;
  await seedDemo(t, server);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // signed in before the first request, as a returning user is
  await page.addInitScript((token) => localStorage.setItem('reflow.token', token), TOKENS.admin);
  const errors = collectPageErrors(page);

  await t.test(
    'heatmap: labels and overlays at 11 px or more; table and diagram light each other',
    async (t) => {
      await page.goto(`${server.url}/#/heatmap/business_startup/2`);
      await page.waitForSelector('#reflow-heatmap-steps tbody tr');
      await page.waitForSelector('#reflow-heatmap-diagram .reflow-label-heat');
      await screenshot(page, 'views-heatmap');
      const drawn = await drawnText(page, '#reflow-heatmap-diagram');
      t.ok(drawn.length >= 10, `${drawn.length} labels in view`);
      const small = drawn.filter((d) => d.px < 11 || d.lineHeight < 11);
      t.same(small, [], 'no label under 11 px');
      t.ok(
        drawn.some((d) => d.text.startsWith('平均')),
        'the mean/P90 overlays are among the measured labels',
      );
      // when a row is pointed at, its step is marked on the diagram; a step pointed at marks its row
      const id = 'social_insurance';
      await page.hover(`#reflow-heatmap-steps tr[data-element-id="${id}"]`);
      t.equal(
        await page
          .locator(`#reflow-heatmap-diagram .djs-element.reflow-hover[data-element-id="${id}"]`)
          .count(),
        1,
        'the row pointed at marks its step, scrolled into view',
      );
      await page.mouse.move(0, 0);
      await page.hover(`#reflow-heatmap-diagram .djs-shape[data-element-id="${id}"] .djs-hit`, {
        force: true,
      });
      t.equal(
        await page.locator(`#reflow-heatmap-steps tr.reflow-row-hover[data-element-id="${id}"]`).count(),
        1,
        'the step pointed at marks its row',
      );
      // and zooming out stops at the legible zoom
      for (let i = 0; i < 5; i++) await page.click('#reflow-heatmap-zoom button:nth-child(2)');
      t.same(
        (await drawnText(page, '#reflow-heatmap-diagram')).filter((d) => d.px < 11),
        [],
        'zoomed out as far as it goes: still ≥ 11 px',
      );
      await noEnglish(t, page, 'heatmap');
    },
  );

  await t.test('versions: both diagrams legible, a change pointed at lit in both', async (t) => {
    await page.goto(`${server.url}/#/versions/business_startup/1/2`);
    await page.waitForSelector('#reflow-version-changes li[data-element]');
    await page.waitForTimeout(300);
    await screenshot(page, 'views-versions');
    const small = [
      ...(await drawnText(page, '#reflow-version-diagram-1')),
      ...(await drawnText(page, '#reflow-version-diagram-2')),
    ].filter((d) => d.px < 11);
    t.same(small, [], 'no label under 11 px');
    // a changed element pointed at in the list is lit in both diagrams
    const changedId = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#reflow-version-changes li.reflow-change-changed[data-element]'))
        .map((li) => li.getAttribute('data-element'))
        .find((id) =>
          [1, 2].every((pane) =>
            document.querySelector(`#reflow-version-diagram-${pane} .djs-shape[data-element-id="${id}"]`),
          ),
        ),
    );
    const changed = page.locator(`#reflow-version-changes li[data-element="${changedId}"]`);
    await changed.hover();
    for (const pane of [1, 2])
      t.equal(
        await page
          .locator(
            `#reflow-version-diagram-${pane} .djs-element.reflow-hover[data-element-id="${changedId}"]`,
          )
          .count(),
        1,
        `${changedId} lit in diagram ${pane}`,
      );
    await noEnglish(t, page, 'versions');
  });

  await t.test('compare', async (t) => {
    await page.goto(`${server.url}/#/compare/business_startup/1/2`);
    await page.waitForSelector('.reflow-comparison table');
    await page.waitForTimeout(300);
    await screenshot(page, 'views-compare');
    await noEnglish(t, page, 'compare');
  });

  await t.test('case: found by its business number, with the applicant-facing progress', async (t) => {
    // given a case started at the window of the reformed business start-up, now at 市场监管局
    const started = await server.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: {
        process: 'business_startup',
        businessKey: 'QY-2026-0042',
        variables: {
          companyName: '五味小吃有限公司',
          legalPerson: '王五',
          registeredCapital: 10,
          address: '幸福路 1 号',
        },
      },
    });
    t.equal(started.statusCode, 201, started.body);
    const active = started.json();
    await page.goto(`${server.url}/#/case`);
    await page.fill('#reflow-case-id', active.businessKey);
    await page.press('#reflow-case-id', 'Enter');
    await page.waitForSelector('#reflow-case-progress #reflow-progress-now li');
    t.match(page.url(), active.id, 'the business number opened its case');
    t.equal(await page.textContent('#reflow-case-progress [data-field="businessKey"]'), active.businessKey);
    const now = await page.textContent('#reflow-progress-now li');
    t.match(now, /局|中心|银行/, `which department: ${now}`);
    t.match(now, /自 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 起/, 'since when');
    t.match(now, /应于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前办结|无时限/, 'due when');
    await page.waitForTimeout(200);
    await screenshot(page, 'views-case');
    await noEnglish(t, page, 'case');
  });

  await t.test(
    'modeler: opens the process its dropdown shows, without findings to wade through',
    async (t) => {
      await page.goto(`${server.url}/#/modeler`);
      await page.waitForFunction(() =>
        /已打开/.test(document.querySelector('#reflow-modeler-status')?.textContent ?? ''),
      );
      const selected = await page.inputValue('#modeler-open-process');
      const opened = await page.evaluate(
        () =>
          window.reflowModeler
            .getDefinitions()
            .rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process').id,
      );
      t.equal(opened, selected, `the diagram is the dropdown's process (${selected})`);
      await page.waitForTimeout(500);
      const findings = await page.$$eval('#reflow-findings .reflow-finding-error', (items) => items.length);
      t.equal(findings, 0, 'a deployed process has no error findings');
      await screenshot(page, 'views-modeler');
      await noEnglish(t, page, 'modeler');
    },
  );

  await t.test('modeler without a token: says so; a new diagram shows no findings', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    t.teardown(() => context.close());
    const anonymous = await context.newPage();
    await anonymous.goto(`${server.url}/#/modeler`);
    await anonymous.waitForSelector('#reflow-modeler-status[data-kind="error"]');
    t.equal(await anonymous.textContent('#reflow-modeler-status'), '未登录：请在右上角输入 API 令牌');
    await anonymous.waitForTimeout(500);
    t.equal(await anonymous.locator('#reflow-findings .reflow-finding').count(), 0, 'no findings shown');
    t.match(await anonymous.textContent('#reflow-findings'), /开始编辑后显示校验问题/);
    await screenshot(anonymous, 'views-modeler-no-token');
    await noEnglish(t, anonymous, 'modeler without a token');
  });

  await t.test(
    'a task form: fields by their titles, a missing required field refused in Chinese',
    async (t) => {
      await deployXml(t, server, fixture);
      const started = await server.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'form_task', businessKey: 'FT-2026-0001', variables: {} },
      });
      t.equal(started.statusCode, 201, started.body);
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      t.teardown(() => context.close());
      const clerk = await context.newPage();
      await clerk.addInitScript((token) => localStorage.setItem('reflow.token', token), TOKENS.market);
      await clerk.goto(`${server.url}/#/inbox`);
      await clerk.click('.reflow-task-open');
      await clerk.waitForSelector('#reflow-task-form .reflow-schema-form');
      const titles = await clerk.$$eval(
        '#reflow-task-form .reflow-field-title, #reflow-task-form legend',
        (items) => items.map((i) => i.textContent?.replace(/\s+/g, '')),
      );
      for (const title of [
        '身份证号码*',
        '领取方式*',
        '从业人数',
        '当场办结',
        '决定日期',
        '经营者*',
        '姓名*',
        '联系电话',
        '经营范围',
      ])
        t.ok(titles.includes(title), `${title} is shown`);
      t.equal(
        await clerk.getAttribute('[data-field="decidedOn"] input', 'type'),
        'date',
        'a date pattern is a date input',
      );
      t.same(
        await clerk.$$eval('[data-field="delivery"] select option', (o) => o.map((x) => x.textContent)),
        ['— 请选择 —', '窗口领取', '邮寄送达'],
        'an enum is a select, its values by their enumNames',
      );
      // when submitted empty
      await clerk.click('#reflow-task-submit');
      const error = await clerk.textContent('[data-field="idNumber"] .reflow-field-error');
      t.equal(
        error,
        '请填写“身份证号码”：此项为必填项',
        'the missing field is named by its title, in Chinese',
      );
      t.match(await clerk.textContent('#reflow-inbox-status'), /请填写“身份证号码”/);
      await screenshot(clerk, 'views-task-form-refused');
      await noEnglish(t, clerk, 'task form');
      // when filled in
      await clerk.fill('[data-field="idNumber"] input', '110101199001011234');
      await clerk.selectOption('[data-field="delivery"] select', { label: '邮寄送达' });
      await clerk.fill('[data-field="name"] input', '王五');
      await clerk.fill('[data-field="employees"] input', '3');
      await clerk.fill('[data-field="decidedOn"] input', '2026-12-07');
      await clerk.click('[data-field="scopes"] .reflow-array-add');
      await clerk.fill('[data-field="scopes"] li input', '小吃服务');
      await clerk.click('#reflow-task-submit');
      await clerk.waitForFunction(() =>
        /已办结/.test(document.querySelector('#reflow-inbox-status')?.textContent ?? ''),
      );
      const view = (
        await server.app.inject({
          method: 'GET',
          url: `/api/cases/${started.json().id}`,
          headers: bearer(TOKENS.admin),
        })
      ).json();
      t.same(
        {
          idNumber: view.variables.idNumber,
          delivery: view.variables.delivery,
          employees: view.variables.employees,
          decidedOn: view.variables.decidedOn,
          holder: view.variables.holder,
          scopes: view.variables.scopes,
        },
        {
          idNumber: '110101199001011234',
          delivery: 'mail',
          employees: 3,
          decidedOn: '2026-12-07',
          holder: { name: '王五' },
          scopes: ['小吃服务'],
        },
        'the values reach the case typed as the form says',
      );
      // a task without a form: an optional comment and 办结
      await clerk.click('.reflow-task-open');
      await clerk.waitForSelector('#reflow-task-comment');
      t.equal(await clerk.textContent('#reflow-task-submit'), '办结');
      await screenshot(clerk, 'views-task-without-form');
      await noEnglish(t, clerk, 'task without a form');
    },
  );

  t.same(errors, [], 'no page errors');
});
