// In headless Chromium: a version opened in the modeler and deployed without edits is the same version (the
// modeler's saved XML differs from the stored one only in form), and the modeler shows the data check's finding
// on a condition that reads a misspelt variable.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { deployFromModeler, deployXml, screenshot, signedIn, startBrowserTest } from './harness.js';

const dir = new URL('../../processes/', import.meta.url);
const before = readFileSync(new URL('sole-proprietor.before.bpmn', dir), 'utf8');
const after = readFileSync(new URL('sole-proprietor.after.bpmn', dir), 'utf8');
const KEY = 'sole_proprietor_registration';

t.test('deploying an unchanged diagram from the modeler, and the data check in the modeler', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  for (const [xml, version] of [
    [before, 1],
    [after, 2],
  ] as const) {
    t.equal((await deployXml(t, server, xml)).version, version);
  }
  const versions = async () =>
    (
      (
        await server.app.inject({ method: 'GET', url: '/api/definitions', headers: bearer(TOKENS.designer) })
      ).json() as { key: string; versions: unknown[] }[]
    ).find((d) => d.key === KEY)?.versions.length;

  await signedIn(page, server, TOKENS.designer);

  await t.test('v1 opened and deployed without edits is version 1 again', async (t) => {
    await page.goto(`${server.url}/#/modeler/${KEY}/1`);
    await page.waitForSelector('#view-modeler .djs-element[data-element-id="accept"]', { state: 'attached' });
    // the modeler's XML is not the stored text (bpmn-js writes its own form)
    const saved = await page.evaluate(async () => (await window.reflowModeler.saveXML({ format: true })).xml);
    t.not(saved, before, 'the modeler writes another form');
    const answer = page.waitForResponse(
      (r) => r.url().endsWith('/api/definitions') && r.request().method() === 'POST',
    );
    await deployFromModeler(page);
    const response = await answer;
    t.equal(response.status(), 200, await response.text());
    t.equal((await response.json()).version, 1);
    await page.waitForSelector('#reflow-modeler-status[data-kind="ok"]');
    t.match(
      await page.locator('#reflow-modeler-status').textContent(),
      /流程含义未变：与 sole_proprietor_registration 版本 1 相同，不建新版本，已更新该版本的图/,
    );
    t.equal(await versions(), 2, 'no version 3');
    await screenshot(page, 'semantic-01-redeployed-v1');
  });

  await t.test('the modeler shows the unknown variable of a misspelt condition', async (t) => {
    const typo = after.replace('=onTheSpot = true', '=onTheSpt = true');
    await page.evaluate(async (text) => {
      await window.reflowModeler.importXML(text);
    }, typo);
    await page.waitForFunction(() =>
      /onTheSpt: did you mean onTheSpot\?/.test(
        document.querySelector('#reflow-findings')?.textContent ?? '',
      ),
    );
    t.pass('the finding is listed, with the suggestion');
    await screenshot(page, 'semantic-02-unknown-variable');
  });

  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page (the 401 of the call made before the token was set aside)',
  );
});
