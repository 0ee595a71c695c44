// The Content-Security-Policy the server sends (server/plugins/edge.ts), in headless Chromium: every page of the
// modeler and dashboards, the printable report opened from it as a blob, and the API docs at /docs render with
// no violation. A script the policy forbids is reported, so the listener does catch violations.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import t from 'tap';
import { CONTENT_SECURITY_POLICY } from '../../server/plugins/edge.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { collectPageErrors, openModeler, screenshot, startBrowserTest, useToken } from './harness.js';

interface Violation {
  page: string;
  directive: string;
  blocked: string;
  sample: string;
}

declare global {
  interface Window {
    cspViolations: Violation[];
  }
}

/** Every page of the context records the violations it sees (a popup included, before its scripts run). */
async function recordViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.cspViolations.push({
        page: location.href,
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        sample: e.sample,
      }),
    );
  });
}

const violationsOf = (page: Page) => page.evaluate(() => window.cspViolations);

t.test('the modeler, the dashboards, the report and /docs work under the CSP', async (t) => {
  const rig = await startBrowserTest(t);
  if (!rig) return;
  const { server, context, page, errors } = rig;
  // the page already open records too: the script runs at its first navigation
  await recordViolations(context);
  // given the sole-proprietor sample's two versions, a little history imported for each, and an open case
  const inject = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown, type?: string) =>
    server.app.inject({
      method,
      url,
      headers: { ...bearer(token), ...(type ? { 'content-type': type } : {}) },
      payload: payload as string,
    });
  const KEY = 'sole_proprietor_registration';
  const sample = (name: string) => readFileSync(new URL(`../../processes/${name}`, import.meta.url), 'utf8');
  const steps = {
    1: ['accept', 'review', 'pick_up', 'tax_registration'],
    2: ['accept', 'review', 'pick_up'],
  };
  for (const version of [1, 2] as const) {
    const xml = sample(`sole-proprietor.${version === 1 ? 'before' : 'after'}.bpmn`);
    const deployed = await inject('POST', '/api/definitions', TOKENS.designer, xml, 'application/xml');
    t.equal(deployed.json().version, version, deployed.body);
    // three cases, each step a working day long
    const rows = ['case_id,activity,element_id,lifecycle,timestamp'];
    for (const c of [1, 2, 3])
      steps[version].forEach((step, i) => {
        const day = String(5 + i + c).padStart(2, '0');
        rows.push(`V${version}-${c},${step},${step},start,2026-01-${day}T09:00:00+08:00`);
        rows.push(`V${version}-${c},${step},${step},complete,2026-01-${day}T16:00:00+08:00`);
      });
    const imported = await inject(
      'POST',
      `/api/processes/${KEY}/versions/${version}/log`,
      TOKENS.admin,
      `${rows.join('\n')}\n`,
      'text/csv',
    );
    t.equal(imported.statusCode, 200, imported.body);
  }
  const started = await inject('POST', '/api/cases', TOKENS.intake, {
    process: KEY,
    variables: {
      operatorName: '张三',
      idNumber: '11010519491231002X',
      businessScope: '小吃',
      premisesAddress: '北京',
    },
  });
  t.equal(started.statusCode, 201, started.body);
  const caseId = started.json().id as string;

  const consoleCsp: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleCsp.push(message.text());
  });

  // when the modeler is opened
  const response = await openModeler(page, server);
  t.equal(
    response?.headers()['content-security-policy'],
    Object.entries(CONTENT_SECURITY_POLICY)
      .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
      .join(';'),
    'the page is served with the policy',
  );
  await useToken(page, TOKENS.designer);
  await page.goto(`${server.url}/#/modeler/${KEY}/2`);
  await page.waitForSelector('.reflow-view:not([hidden]) .djs-element[data-element-id="review"]');
  // the properties panel with the gov groups, the live validation and the static metrics
  const review = await page
    .locator('.reflow-view:not([hidden]) .djs-element[data-element-id="review"]')
    .first()
    .evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
  await page.mouse.click(review.x, review.y);
  await page.waitForSelector('#bio-properties-panel-gov-department');
  await page.waitForFunction(
    () => Number(document.querySelector('#reflow-static-metrics dd[data-metric="steps"]')?.textContent) > 0,
  );
  const modelerShot = await screenshot(page, 'csp-modeler');
  t.comment(`screenshot: ${modelerShot}`);
  t.ok(
    await page.locator('.bjs-powered-by img, .bjs-powered-by svg').count(),
    'the bpmn.io logo (a data: image)',
  );

  // and every dashboard
  await useToken(page, TOKENS.auditor);
  const views: [string, string][] = [
    [`#/versions/${KEY}/1/2`, '#reflow-version-figures'],
    [`#/case/${caseId}`, '#reflow-timeline'],
    [`#/heatmap/${KEY}/1`, '#reflow-heatmap-steps'],
    [`#/compare/${KEY}/1/2`, '#reflow-chart-durations canvas'],
  ];
  for (const [hash, ready] of views) {
    await page.goto(`${server.url}/${hash}`);
    await page.waitForSelector(ready);
  }
  await screenshot(page, 'csp-comparison');
  // the printable report, fetched with the token and opened as a blob (it inherits the page's policy)
  const popup = page.waitForEvent('popup');
  await page.click('#reflow-report');
  const report = await popup;
  await report.waitForURL(/^blob:/);
  await report.waitForLoadState();
  t.match(await report.locator('h1').textContent(), /个体工商户/, 'the report renders');
  t.equal(
    await report.evaluate(() => getComputedStyle(document.body).maxWidth),
    '820px',
    'its inline stylesheet applies',
  );
  t.same(await violationsOf(report), [], 'no violation in the report');
  await screenshot(report, 'csp-report');
  await report.close();
  await useToken(page, TOKENS.admin);
  await page.goto(`${server.url}/#/inbox`);
  await page.waitForSelector('#reflow-tasks, #reflow-inbox-empty');
  t.same(await violationsOf(page), [], 'no violation in the modeler and dashboards');

  // and the API docs (swagger-ui)
  const docs = await context.newPage();
  const docsErrors = collectPageErrors(docs);
  const docsResponse = await docs.goto(`${server.url}/docs`);
  t.ok(docsResponse?.headers()['content-security-policy'], '/docs is served with the policy');
  await docs.waitForSelector('.swagger-ui .opblock');
  t.ok((await docs.locator('.swagger-ui .opblock').count()) > 20, 'the operations are listed');
  await screenshot(docs, 'csp-docs');
  t.same(await violationsOf(docs), [], 'no violation in /docs');
  t.same(docsErrors, [], 'no error in /docs');

  t.same(consoleCsp, [], 'no policy message on any console');
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no page error (the 401 to the list of definitions before a token is typed aside)',
  );

  // the listener does see a violation: an inline script the policy forbids is refused and reported
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.head.append(script);
  });
  await page.waitForFunction(() => window.cspViolations.length > 0);
  t.match(await violationsOf(page), [{ directive: 'script-src-elem', blocked: 'inline' }]);
  t.notOk(
    await page.evaluate(() => (window as { inlineRan?: boolean }).inlineRan),
    'the inline script did not run',
  );
});
