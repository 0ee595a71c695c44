// In headless Chromium: 部署 shows what the diagram changes against the version in force before it is confirmed,
// and makes a draft; 发布 shows the draft's changes against the version in force, and after it is confirmed new
// cases start on the draft; the versions view marks each version 草稿 / 已发布 / 已停用 and the one in force.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { deployXml, screenshot, signedIn, startBrowserTest } from './harness.js';

const v1 = readFileSync(new URL('./fixtures/permit.after.bpmn', import.meta.url), 'utf8');
const v2 = v1.replace(
  'gov:department="市场监管" gov:timeLimit="2"',
  'gov:department="税务" gov:timeLimit="5"',
);
const KEY = 'e2e_permit';

t.test('deploy and publish dialogs show the diff against the version in force', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  const first = await deployXml(t, server, v1);
  t.equal(first.published, true, 'the first version of a new key is published at once');

  await signedIn(page, server, TOKENS.admin);
  await page.goto(`${server.url}/#/modeler/${KEY}/1`);
  // v1 opened from the server first: an import racing it would be replaced by it
  await page.waitForFunction(
    (key) =>
      /在用版本：v1/.test(document.querySelector('#reflow-in-force')?.textContent ?? '') &&
      (document.querySelector('#reflow-modeler-status')?.textContent ?? '').includes(`已打开 ${key} v1`),
    KEY,
  );
  t.match(await page.locator('#reflow-in-force').textContent(), /在用版本：v1.*已发布/);

  // the designer's edit (as the properties panel would make it), then 部署为新版本
  await page.evaluate((xml) => window.reflowModeler.importXML(xml), v2);
  await page.click('#reflow-deploy');
  await page.waitForSelector('#reflow-deploy-dialog #reflow-deploy-changes');
  const deployItem = (attribute: string) =>
    page
      .locator(`#reflow-deploy-changes li[data-element="review"] li[data-attribute="${attribute}"]`)
      .textContent();
  t.equal(await deployItem('timeLimit'), '承诺时限（工作日）: 2 → 5');
  t.equal(await deployItem('department'), '部门: 市场监管 → 税务');
  t.match(await page.locator('#reflow-deploy-dialog').textContent(), /与在用版本（v1）相比的变化/);
  t.comment(`screenshot: ${await screenshot(page, 'deploy-dialog')}`);
  await page.click('#reflow-deploy-dialog-confirm');
  await page.waitForFunction(() =>
    /草稿版本 2/.test(document.querySelector('#reflow-modeler-status')?.textContent ?? ''),
  );
  t.match(await page.locator('#reflow-in-force').textContent(), /在用版本：v1.*草稿/, 'v2 chosen, a draft');

  // 发布 v2: its changes against v1, then confirmed
  await page.click('#reflow-publish');
  await page.waitForSelector('#reflow-publish-dialog #reflow-publish-changes');
  t.equal(
    await page
      .locator('#reflow-publish-changes li[data-element="review"] li[data-attribute="timeLimit"]')
      .textContent(),
    '承诺时限（工作日）: 2 → 5',
  );
  t.ok(await page.locator('#reflow-publish-effective').count(), '生效时间 can be given');
  t.comment(`screenshot: ${await screenshot(page, 'publish-dialog')}`);
  await page.click('#reflow-publish-dialog-confirm');
  await page.waitForFunction(() =>
    /已发布 e2e_permit v2/.test(document.querySelector('#reflow-modeler-status')?.textContent ?? ''),
  );
  t.match(await page.locator('#reflow-in-force').textContent(), /在用版本：v2.*已发布/);
  t.comment(`screenshot: ${await screenshot(page, 'modeler-published')}`);

  // new cases start on v2
  const started2 = await server.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: bearer(TOKENS.intake),
    payload: { process: KEY, variables: {} },
  });
  t.equal(started2.json().version, 2, started2.body);

  // the versions view: badges and the version in force
  await page.goto(`${server.url}/#/versions/${KEY}/1/2`);
  await page.waitForSelector('#reflow-version-list li[data-version="2"] .reflow-badge');
  t.equal(
    await page.locator('#reflow-version-list li[data-version="1"] .reflow-badge').textContent(),
    '已停用',
  );
  t.equal(
    await page.locator('#reflow-version-list li[data-version="2"] .reflow-badge').textContent(),
    '已发布',
  );
  t.match(await page.locator('#reflow-version-list li[data-version="2"]').textContent(), /在用/);
  t.match(await page.locator('#reflow-versions-in-force').textContent(), /在用版本：v2/);
  t.comment(`screenshot: ${await screenshot(page, 'versions-status')}`);
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page',
  );
});
