// In headless Chromium: a process deployed without diagram interchange (no layout) was laid out at deploy, and
// every view shows it — the modeler, the versions view (two laid-out versions), a case and the heatmap — with
// no "no diagram to display" error.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { deployXml, screenshot, signedIn, startBrowserTest, useToken } from './harness.js';

const noLayout = readFileSync(new URL('../server/fixtures/no-layout.bpmn', import.meta.url), 'utf8');
const collaboration = readFileSync(
  new URL('../server/fixtures/no-layout-collaboration.bpmn', import.meta.url),
  'utf8',
);
const KEY = 'no_layout';

t.test('a process without layout renders in the modeler, versions, case and heatmap views', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  // version 1, and version 2 (another time limit), both without layout
  for (const [xml, version] of [
    [noLayout, 1],
    [noLayout.replace('gov:timeLimit="2"', 'gov:timeLimit="3"'), 2],
  ] as const) {
    t.notOk(xml.includes('BPMNShape'), 'no layout in the file');
    const deployed = await deployXml(t, server, xml);
    t.equal(deployed.version, version);
    t.equal(deployed.diagramLaidOut, true);
  }
  const started1 = await server.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: { ...bearer(TOKENS.intake), 'idempotency-key': 'no-layout-1' },
    payload: { process: KEY, version: 1, businessKey: 'NL-1', variables: { applicant: '张三' } },
  });
  t.equal(started1.statusCode, 201, started1.body);
  const caseId = started1.json().id as string;

  await signedIn(page, server, TOKENS.designer);
  const shown = (scope: string, id: string) =>
    page.waitForSelector(`${scope} .djs-element[data-element-id="${id}"]`, { state: 'attached' });

  await t.test('the modeler', async (t) => {
    await page.goto(`${server.url}/#/modeler/${KEY}/1`);
    for (const id of ['start', 'review', 'check', 'reject', 'issue', 'end_ok', 'end_rejected', 'to_reject'])
      await shown('#view-modeler', id);
    t.pass('every flow node and a flow are drawn');
    const png = await screenshot(page, 'no-layout-01-modeler');
    t.comment(`screenshot: ${png}`);
  });

  await useToken(page, TOKENS.auditor);
  const views: [string, string, string][] = [
    [`#/versions/${KEY}/1/2`, '#reflow-version-figures', 'no-layout-02-versions'],
    [`#/case/${caseId}`, '#reflow-timeline', 'no-layout-03-case'],
    [`#/heatmap/${KEY}/1`, '#reflow-heatmap-steps', 'no-layout-04-heatmap'],
  ];
  for (const [hash, ready, name] of views) {
    await t.test(hash, async (t) => {
      await page.goto(`${server.url}/${hash}`);
      await page.waitForSelector(ready);
      // drawn in the view now shown (not in the modeler's, hidden)
      const drawn = page.locator('.djs-element[data-element-id="review"]:visible');
      await drawn.first().waitFor();
      t.ok((await drawn.count()) >= 1, `${hash}: the diagram is drawn`);
      t.comment(`screenshot: ${await screenshot(page, name)}`);
    });
  }

  await t.test('a collaboration without layout: its pools stacked in the modeler', async (t) => {
    t.equal((await deployXml(t, server, collaboration)).diagramLaidOut, true);
    await useToken(page, TOKENS.designer);
    await page.goto(`${server.url}/#/modeler/no_layout_a/1`);
    for (const id of ['pool_a', 'pool_b', 'applicant', 'a_task', 'b_task', 'mf_apply', 'mf_notice'])
      await shown('#view-modeler', id);
    const top = async (id: string) =>
      (await page.locator(`#view-modeler .djs-element[data-element-id="${id}"]`).first().boundingBox())?.y ??
      -1;
    t.ok((await top('applicant')) < (await top('pool_a')), '申请人 (no process) on top');
    t.ok((await top('pool_a')) < (await top('pool_b')), '甲部门 above 乙部门');
    t.comment(`screenshot: ${await screenshot(page, 'no-layout-05-collaboration')}`);
  });

  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page (no "no diagram to display")',
  );
});
