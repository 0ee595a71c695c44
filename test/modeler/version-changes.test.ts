// In headless Chromium: the versions view lists what version 2 changes against version 1, per element and
// attribute with before → after (the engine's version diff), and shape moves as layout only.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TOKENS } from '../helpers/test-app.js';
import { deployXml, screenshot, signedIn, startBrowserTest } from './harness.js';

const v1 = readFileSync(new URL('./fixtures/permit.after.bpmn', import.meta.url), 'utf8');
const v2 = v1
  .replace('gov:department="市场监管" gov:timeLimit="2"', 'gov:department="税务" gov:timeLimit="5"')
  .replace('<gov:material id="licence" name="营业执照" source="shared" />', '')
  .replace('x="832" y="102"', 'x="852" y="202"');
const KEY = 'e2e_permit';

t.test('the versions view lists each change with before → after', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  for (const xml of [v1, v2]) await deployXml(t, server, xml);
  await signedIn(page, server, TOKENS.auditor);
  await page.goto(`${server.url}/#/versions/${KEY}/1/2`);
  await page.waitForSelector('#reflow-version-changes');
  const item = (attribute: string) =>
    page
      .locator(`#reflow-version-changes li[data-element="review"] li[data-attribute="${attribute}"]`)
      .textContent();
  t.equal(await item('timeLimit'), '承诺时限（工作日）: 2 → 5');
  t.equal(await item('department'), '部门: 市场监管 → 税务');
  t.equal(await item('materials'), '材料: − 营业执照（licence）');
  t.match(
    await page.locator('#reflow-version-changes .reflow-change-layout').textContent(),
    /仅布局变化：end/,
  );
  t.ok(
    await page
      .locator('#reflow-version-diagram-2 .djs-element[data-element-id="review"].reflow-changed')
      .count(),
    'review marked changed on v2',
  );
  t.comment(`screenshot: ${await screenshot(page, 'version-changes')}`);
  // the two versions pan and zoom together: a drag in version A moves version B alike
  const transforms = () =>
    page.$$eval('#reflow-version-diagram-1 .viewport, #reflow-version-diagram-2 .viewport', (gs) =>
      // the same matrix, whether written with commas (a pan) or spaces (a zoom)
      gs.map((g) => g.getAttribute('transform')?.replace(/[ ,]+/g, ' ')),
    );
  const before = await transforms();
  const box = await page.locator('#reflow-version-diagram-1').boundingBox();
  if (!box) throw new Error('version A is not drawn');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2 - 60, { steps: 8 });
  await page.mouse.up();
  const dragged = await transforms();
  t.not(dragged[0], before[0], 'version A moved');
  t.equal(dragged[1], dragged[0], 'version B moved with it');
  await page.click('#reflow-version-zoom-2 button:first-child'); // 放大 on version B
  const zoomed = await transforms();
  t.not(zoomed[1], dragged[1], 'version B zoomed');
  t.equal(zoomed[0], zoomed[1], 'version A zoomed with it');
  t.comment(`screenshot: ${await screenshot(page, 'version-changes-panned')}`);
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)), // the first load, before the token is set
    [],
    'no errors in the page',
  );
});
