// End to end in headless Chromium: a designer imports a process, sets gov properties in the properties panel,
// sees the engine's validation on the diagram and deploys two versions; cases start through the API; the
// department completes its tasks in the inbox; the case view, versions, heatmap and comparison render with the
// server's figures. Screenshots go to test/artifacts/modeler/.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import t from 'tap';
import { TOKENS } from '../helpers/test-app.js';
import {
  api,
  deployFromModeler,
  loadEventMs,
  openModeler,
  screenshot,
  startBrowserTest,
  useToken,
} from './harness.js';

const before = readFileSync(new URL('./fixtures/permit.before.bpmn', import.meta.url), 'utf8');
const after = readFileSync(new URL('./fixtures/permit.after.bpmn', import.meta.url), 'utf8');
const KEY = 'e2e_permit';
const DAY = 24 * 3600 * 1000;

async function importDiagram(page: Page, xml: string): Promise<string[]> {
  return page.evaluate(async (text) => {
    const { warnings } = await window.reflowModeler.importXML(text);
    return warnings.map((w: { message: string }) => w.message);
  }, xml);
}

/** A diagram element in the view shown (each view has its own diagram). */
const shape = (page: Page, id: string) =>
  page.locator(`.reflow-view:not([hidden]) .djs-element[data-element-id="${id}"]`).first();

/** Clicks a diagram element in its middle (a horizontal flow has no height for Playwright's own click). */
async function clickElement(page: Page, id: string): Promise<void> {
  const box = await shape(page, id).evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  });
  await page.mouse.click(box.x, box.y);
}
const metric = (page: Page, key: string) => page.locator(`#reflow-static-metrics dd[data-metric="${key}"]`);

t.test('modeler and dashboards, end to end', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, build, browser, page, errors } = started;
  t.comment(`bundle: ${(build.bytes / 1024).toFixed(0)} KiB in ${build.ms} ms`);

  await t.test('the page loads from a cold cache', async (t) => {
    // given fresh browser contexts (empty caches)
    for (let i = 0; i < 2; i++) {
      const fresh = await browser.newContext();
      const probe = await fresh.newPage();
      // when the page is opened, then it reaches its load event and draws the palette (how fast is the modeler
      // benchmark's figure, `npm run bench modeler`: a timed assertion here would fail on a busy machine)
      await probe.goto(`${server.url}/`);
      const ms = await loadEventMs(probe);
      t.ok(ms > 0, `load event after ${ms.toFixed(0)} ms`);
      await probe.waitForSelector('.djs-palette');
      await fresh.close();
    }
  });

  await openModeler(page, server);
  t.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  t.match(
    await page.locator('.reflow-nav').textContent(),
    /建模[\s\S]*版本[\s\S]*办件[\s\S]*热力图[\s\S]*对比[\s\S]*待办/,
    'Chinese navigation by default',
  );
  await useToken(page, TOKENS.designer);

  await t.test('validation marks a user task without a department, and the panel fixes it', async (t) => {
    // given the process imported through window.reflowModeler
    t.same(await importDiagram(page, before), [], 'no import warnings');
    // then the engine's validator marks the review task, which has no department
    await page.waitForSelector('.djs-element[data-element-id="review"].reflow-error', { state: 'attached' });
    t.match(await page.locator('#reflow-findings').textContent(), /review[\s\S]*has no department/);
    await screenshot(page, '01-validation-marker');

    // when the department and time limit are set in the properties panel
    await clickElement(page, 'review');
    await page.fill('#bio-properties-panel-gov-department', '市场监管');
    await page.fill('#bio-properties-panel-gov-timeLimit', '3');
    // then the marker goes and the static metrics follow
    await page.waitForSelector('.djs-element[data-element-id="review"].reflow-error', { state: 'detached' });
    await page.waitForFunction(
      () =>
        document.querySelector('#reflow-static-metrics dd[data-metric="timeLimitDays"]')?.textContent === '5',
    );
    t.equal(await metric(page, 'steps').textContent(), '3');
    t.equal(await metric(page, 'trips').textContent(), '2');

    // when a material is added to the list in the panel
    await page.click('[data-group-id="group-gov-materials"] .bio-properties-panel-add-entry');
    await page.fill('#bio-properties-panel-gov-material-0-id', 'application');
    await page.fill('#bio-properties-panel-gov-material-0-name', '申请书');
    // then the materials count includes it
    await page.waitForFunction(
      () =>
        document.querySelector('#reflow-static-metrics dd[data-metric="applicantMaterials"]')?.textContent ===
        '3',
    );
    const review = await page.evaluate(() => {
      const bo = window.reflowModeler.get('elementRegistry').get('review').businessObject;
      const materials = bo.extensionElements.values.find(
        (v: { $type: string }) => v.$type === 'gov:Materials',
      );
      return {
        department: bo.get('gov:department'),
        timeLimit: bo.get('gov:timeLimit'),
        materials: materials.materials.map((m: { id: string; source: string }) => [m.id, m.source]),
      };
    });
    t.same(review, { department: '市场监管', timeLimit: 3, materials: [['application', 'applicant']] });
    // and the critical path is highlighted
    for (const id of ['accept', 'review', 'issue'])
      t.ok(
        await shape(page, id).evaluate((e) => e.classList.contains('reflow-critical')),
        `${id} on the critical path`,
      );
    await screenshot(page, '02-gov-properties');
  });

  await t.test('FEEL conditions are checked as they are typed', async (t) => {
    // when a broken condition is typed on the flow to issue
    await clickElement(page, 'to_issue');
    await page.fill('#bio-properties-panel-gov-condition', 'approved = (true');
    // then the panel shows the engine's syntax error and the flow is marked
    await page.waitForSelector('[data-entry-id="gov-condition"] .bio-properties-panel-error');
    t.match(
      await page.locator('[data-entry-id="gov-condition"] .bio-properties-panel-error').textContent(),
      /FEEL/,
    );
    await page.waitForSelector('.djs-element[data-element-id="to_issue"].reflow-error', {
      state: 'attached',
    });
    await screenshot(page, '03-feel-error');
    // when it is corrected, the error goes
    await page.fill('#bio-properties-panel-gov-condition', 'approved = true');
    await page.waitForSelector('[data-entry-id="gov-condition"] .bio-properties-panel-error', {
      state: 'detached',
    });
    await page.waitForSelector('.djs-element[data-element-id="to_issue"].reflow-error', {
      state: 'detached',
    });
  });

  await t.test('an element the engine cannot run is flagged as it is drawn', async (t) => {
    // when a complex gateway is created
    await page.evaluate(() => {
      const modeler = window.reflowModeler;
      const businessObject = modeler
        .get('bpmnFactory')
        .create('bpmn:ComplexGateway', { id: 'drawn_complex' });
      const shapeCreated = modeler
        .get('elementFactory')
        .createShape({ type: 'bpmn:ComplexGateway', businessObject });
      modeler
        .get('modeling')
        .createShape(shapeCreated, { x: 720, y: 300 }, modeler.get('canvas').getRootElement());
    });
    // then it is marked within moments, with the engine's reason
    await page.waitForSelector('.djs-element[data-element-id="drawn_complex"].reflow-error', {
      state: 'attached',
      timeout: 2000,
    });
    t.match(
      await page.locator('#reflow-findings').textContent(),
      /complexGateway 'drawn_complex' is not executable/,
    );
    await screenshot(page, '04-unsupported-element');
    await page.evaluate(() => window.reflowModeler.get('commandStack').undo());
    await page.waitForFunction(
      () => !document.querySelector('#reflow-findings')?.textContent?.includes('drawn_complex'),
    );
  });

  await t.test('deploying: 422 findings on the elements, then two versions', async (t) => {
    // given a diagram the engine refuses
    await importDiagram(
      page,
      before.replace(
        '<bpmn:exclusiveGateway id="check" name="同意？" default="to_rejected" />',
        '<bpmn:complexGateway id="check" name="同意？" default="to_rejected" />',
      ),
    );
    // when it is deployed, the server's findings are marked and listed
    await deployFromModeler(page);
    await page.waitForSelector('#reflow-modeler-status[data-kind="error"]');
    t.ok(
      await page.locator('#reflow-findings .reflow-finding-server[data-element-id="check"]').count(),
      'the server finding is listed',
    );
    t.match(await page.locator('.reflow-findings-box h3').textContent(), /服务器拒绝/);
    t.ok(await shape(page, 'check').evaluate((e) => e.classList.contains('reflow-error')));
    await screenshot(page, '05-deploy-422');

    // when the edited diagram is deployed (import it again and redo the panel edits through the API of bpmn-js)
    await importDiagram(page, before);
    await page.evaluate(() => {
      const modeler = window.reflowModeler;
      const review = modeler.get('elementRegistry').get('review');
      modeler.get('modeling').updateProperties(review, { 'gov:department': '市场监管', 'gov:timeLimit': 3 });
      const moddle = modeler.get('moddle');
      const materials = moddle.create('gov:Materials', {
        materials: [
          moddle.create('gov:Material', {
            id: 'application',
            name: '申请书',
            source: 'applicant',
            required: true,
          }),
        ],
      });
      const extensionElements = review.businessObject.extensionElements;
      modeler.get('modeling').updateModdleProperties(review, extensionElements, {
        values: [...extensionElements.values, materials],
      });
      const flow = modeler.get('elementRegistry').get('to_issue');
      modeler.get('modeling').updateProperties(flow, {
        conditionExpression: moddle.create('bpmn:FormalExpression', { body: 'approved = true' }),
      });
    });
    await page.waitForFunction(
      () => document.querySelector('#reflow-static-metrics dd[data-metric="materials"]')?.textContent === '3',
    );
    await deployFromModeler(page);
    await page.waitForSelector('#reflow-modeler-status[data-kind="ok"]');
    t.match(await page.locator('#reflow-modeler-status').textContent(), /已部署 e2e_permit，版本 1/);
    // then the server has it, gov attributes included
    const v1 = await api(server, TOKENS.auditor, 'GET', `/api/definitions/${KEY}/versions/1`);
    t.equal(v1.statusCode, 200);
    t.match(v1.json().metrics, { steps: 3, materials: 3, applicantMaterials: 3, timeLimitDays: 5, trips: 2 });

    // and the reengineered version deploys as version 2
    await importDiagram(page, after);
    await deployFromModeler(page);
    await page.waitForFunction(() =>
      /版本 2/.test(document.querySelector('#reflow-modeler-status')?.textContent ?? ''),
    );
    await screenshot(page, '06-deployed-v2');
  });

  await t.test('open a version from the server, download and upload .bpmn files', async (t) => {
    // when version 1 is chosen in the toolbar and opened
    await page.selectOption('#modeler-open-process', KEY);
    await page.selectOption('#modeler-open-version', '1');
    await page.click('#reflow-open');
    // then its diagram is in the modeler
    await page.waitForSelector('#view-modeler .djs-element[data-element-id="accept"]', { state: 'attached' });
    t.match(await page.locator('#reflow-modeler-status').textContent(), /e2e_permit v1/);

    // when it is downloaded
    const download = page.waitForEvent('download');
    await page.click('#reflow-download');
    const file = await download;
    t.equal(file.suggestedFilename(), `${KEY}.bpmn`);
    const downloaded = readFileSync(await file.path(), 'utf8');
    t.match(downloaded, /gov:department="市场监管"/, 'the file keeps the gov attributes');

    // and a .bpmn file is uploaded
    await page.setInputFiles('#reflow-upload', {
      name: 'after.bpmn',
      mimeType: 'application/xml',
      buffer: Buffer.from(after),
    });
    // then it replaces the diagram
    await page.waitForSelector('#view-modeler .djs-element[data-element-id="accept"]', { state: 'detached' });
    t.match(await page.locator('#reflow-modeler-status').textContent(), /after\.bpmn/);

    // and a route opens a version directly
    await page.goto(`${server.url}/#/modeler/${KEY}/1`);
    await page.waitForSelector('#view-modeler .djs-element[data-element-id="issue"]', { state: 'attached' });
    t.pass('#/modeler/<key>/<version> opens that version');
  });

  const caseIds: { v1: string; v2: string } = { v1: '', v2: '' };

  await t.test('cases started through the API are completed in the department inbox', async (t) => {
    // given a case on each version, started through the API at the intake window
    for (const version of [1, 2] as const) {
      const started = await api(server, TOKENS.intake, 'POST', '/api/cases', {
        process: KEY,
        version,
        businessKey: `E2E-${version}`,
      });
      t.equal(started.statusCode, 201, started.body);
      caseIds[`v${version}`] = started.json().id;
    }
    // when the market regulator opens its inbox
    await useToken(page, TOKENS.market);
    await page.goto(`${server.url}/#/inbox`);
    await page.waitForSelector('#reflow-tasks');
    t.equal(await page.locator('#reflow-tasks tbody tr').count(), 2, 'one open task per case');
    await screenshot(page, '07-inbox');

    const complete = async (elementId: string, caseId: string, fill?: () => Promise<void>) => {
      server.clock.now += DAY;
      await page.click(
        `tr[data-element-id="${elementId}"]:has(a[href="#/case/${caseId}"]) .reflow-task-open`,
      );
      await page.waitForSelector('#reflow-task-form');
      if (fill) await fill();
      await page.click('#reflow-task-submit');
      await page.waitForSelector('#reflow-inbox-status[data-kind="ok"]');
    };
    // then each task completes from the inbox, the review through the form generated from its gov:form
    await complete('review', caseIds.v2, async () => page.check('#reflow-task-field-approved'));
    await complete('accept', caseIds.v1);
    await complete('review', caseIds.v1, async () => {
      t.equal(
        await page.locator('#reflow-task-form .reflow-field').count(),
        2,
        'a field per schema property',
      );
      await page.check('#reflow-task-field-approved');
      await page.fill('#reflow-task-field-note', '材料齐全');
    });
    await screenshot(page, '08-inbox-after-review');
    await complete('issue', caseIds.v1);
    await page.waitForSelector('#reflow-inbox-empty');
    for (const id of [caseIds.v1, caseIds.v2]) {
      const view = await api(server, TOKENS.auditor, 'GET', `/api/cases/${id}`);
      t.equal(view.json().status, 'completed', `case ${id} completed`);
    }
    const v1 = await api(server, TOKENS.auditor, 'GET', `/api/cases/${caseIds.v1}`);
    t.match(v1.json().variables, { approved: true, note: '材料齐全' }, 'the form variables reached the case');
  });

  await t.test('the case view marks the completed steps with their working days', async (t) => {
    // when the case of version 1 is opened
    await page.goto(`${server.url}/#/case/${caseIds.v1}`);
    await page.waitForSelector('#reflow-timeline');
    const view = (await api(server, TOKENS.auditor, 'GET', `/api/cases/${caseIds.v1}`)).json();
    // then the timeline lists each step and the diagram marks them done with their durations
    t.equal(await page.locator('#reflow-timeline tbody tr').count(), view.timeline.length);
    for (const id of ['accept', 'review', 'issue']) {
      t.ok(await shape(page, id).evaluate((e) => e.classList.contains('reflow-done')), `${id} marked done`);
    }
    const labels = await page.locator('.reflow-label-done').allTextContents();
    t.equal(labels.length, 3);
    const reviewDays = view.timeline.find((s: { elementId: string }) => s.elementId === 'review').workingDays;
    t.ok(
      labels.some((l) =>
        l.includes(`${Number.isInteger(reviewDays) ? reviewDays : reviewDays.toFixed(2)} 工作日`),
      ),
      `labels ${labels.join(' | ')} show ${reviewDays} working days`,
    );
    await screenshot(page, '09-case-view');
  });

  // the remaining views read as an auditor
  await useToken(page, TOKENS.auditor);

  await t.test('versions: both diagrams side by side with their static metrics', async (t) => {
    await page.goto(`${server.url}/#/versions/${KEY}/1/2`);
    await page.waitForSelector('#reflow-version-figures');
    t.equal(
      await page.locator('#reflow-version-figures tr[data-figure="steps"] td[data-column="0"]').textContent(),
      '3',
    );
    t.equal(
      await page.locator('#reflow-version-figures tr[data-figure="steps"] td[data-column="1"]').textContent(),
      '1',
    );
    t.ok(
      await page
        .locator('#reflow-version-diagram-1 .djs-element[data-element-id="accept"].reflow-removed')
        .count(),
      'accept removed in v2',
    );
    await screenshot(page, '10-versions');
  });

  const routes = server.app.printRoutes({ commonPrefix: false });
  const hasMetrics =
    /processes\/:key\/versions\/:version\/metrics/.test(routes) ||
    (await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/versions/1/metrics`)).statusCode !== 404;

  await t.test('heatmap: per-step durations on the diagram', async (t) => {
    await page.goto(`${server.url}/#/heatmap/${KEY}/1`);
    if (!hasMetrics) {
      await page.waitForSelector('#reflow-heatmap-status[data-kind="error"]');
      t.match(
        await page.locator('#reflow-heatmap-status').textContent(),
        /404/,
        'the missing metrics API is named',
      );
      return;
    }
    await page.waitForSelector('#reflow-heatmap-steps');
    const metrics = (
      await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/versions/1/metrics`)
    ).json();
    const measured = metrics.dynamic.steps.filter((s: { elementId: string }) =>
      ['accept', 'review', 'issue'].includes(s.elementId),
    );
    t.equal(await page.locator('.reflow-heat').count(), measured.length, 'a heat cover per measured step');
    t.equal(await page.locator('#reflow-heatmap-steps tbody tr').count(), metrics.dynamic.steps.length);
    await screenshot(page, '11-heatmap');
  });

  await t.test('comparison: the four reductions, outcomes and charts', async (t) => {
    await page.goto(`${server.url}/#/compare/${KEY}/1/2`);
    if (!hasMetrics) {
      await page.waitForSelector('#reflow-comparison-status[data-kind="error"]');
      t.match(
        await page.locator('#reflow-comparison-status').textContent(),
        /404/,
        'the missing metrics API is named',
      );
      return;
    }
    await page.waitForSelector('#reflow-reductions');
    const compared = (
      await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/compare?from=1&to=2`)
    ).json();
    const cell = (table: string, figure: string, column: string) =>
      page.locator(`#${table} tr[data-figure="${figure}"] td[data-column="${column}"]`).textContent();
    // then the reductions are the models' figures
    const expected: Record<string, [string, string]> = {
      steps: ['3', '1'],
      applicantMaterials: ['3', '1'],
      timeLimitDays: ['5', '2'],
      trips: ['2', '0'],
    };
    for (const [figure, [was, is]] of Object.entries(expected)) {
      t.equal(await cell('reflow-reductions', figure, '0'), was, `${figure} before`);
      t.equal(await cell('reflow-reductions', figure, '1'), is, `${figure} after`);
    }
    // and the outcomes are the server's
    const shown = (value: number | null, rate = false) =>
      value === null
        ? '—'
        : rate
          ? `${(value * 100).toFixed(1)}%`
          : Number.isInteger(value)
            ? String(value)
            : value.toFixed(2);
    for (const figure of ['cases', 'completed', 'meanWorkingDays', 'meanTrips']) {
      t.equal(
        await cell('reflow-outcomes', figure, '0'),
        shown(compared.before.dynamic[figure]),
        `${figure} before`,
      );
      t.equal(
        await cell('reflow-outcomes', figure, '1'),
        shown(compared.after.dynamic[figure]),
        `${figure} after`,
      );
    }
    t.equal(
      await cell('reflow-outcomes', 'firstTimeRate', '1'),
      shown(compared.after.dynamic.firstTimeRate, true),
    );
    t.equal(compared.before.dynamic.completed, 1);
    // and the charts are drawn
    for (const id of [
      'reflow-chart-reductions',
      'reflow-chart-durations',
      'reflow-chart-duration-summary',
      'reflow-chart-slowest',
    ]) {
      t.equal(await page.locator(`#${id} canvas`).count(), 1, `${id} drawn`);
    }
    t.ok((await page.locator('#reflow-slowest-before tbody tr').count()) >= 1, 'slowest steps listed');
    await screenshot(page, '12-comparison');

    // and the printable report opens with the token, as a blob
    const hasReport =
      (await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/report?from=1&to=2`)).statusCode ===
      200;
    if (hasReport) {
      const popup = page.waitForEvent('popup');
      await page.click('#reflow-report');
      const report = await popup;
      await report.waitForURL(/^blob:/);
      await report.waitForLoadState();
      t.ok((await report.content()).length > 200, 'the report has content');
      await screenshot(report, '13-report');
      await report.close();
    }
  });

  await t.test('the interface switches to English and back', async (t) => {
    // when English is chosen (the page reloads)
    await page.goto(`${server.url}/#/modeler`);
    await page.selectOption('#reflow-language', 'en');
    // then our labels and bpmn-js's are in English
    await page.waitForSelector('.djs-palette [data-action="create.task"][aria-label="Create task"]');
    t.match(
      await page.locator('.reflow-nav').textContent(),
      /Modeler[\s\S]*Versions[\s\S]*Case[\s\S]*Heatmap[\s\S]*Comparison[\s\S]*Inbox/,
    );
    await screenshot(page, '14-english');
    // and back to Chinese
    await page.selectOption('#reflow-language', 'zh');
    await page.waitForSelector('.djs-palette [data-action="create.task"][aria-label="创建任务"]');
    t.match(await page.locator('.reflow-nav').textContent(), /建模/);
  });

  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page (answers like 401/403 to probing calls aside)',
  );
});
