// In headless Chromium: the properties panel edits gov:correlationKey and a sender's gov:payload list, — a sender's own (a message throw event),
// and a receiver's on its bpmn:Message (a receive task) — under a Chinese label, checks FEEL as it is typed, and
// the exported XML carries both keys where the engine reads them.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TOKENS } from '../helpers/test-app.js';
import { screenshot, signedIn, startBrowserTest } from './harness.js';

const xml = readFileSync(new URL('./fixtures/correlation.bpmn', import.meta.url), 'utf8');

t.test('the correlation key in the properties panel, sender and receiver', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  await signedIn(page, server, TOKENS.designer);
  const warnings = await page.evaluate(async (text) => {
    const { warnings } = await window.reflowModeler.importXML(text);
    return warnings.length;
  }, xml);
  t.equal(warnings, 0, 'imported without warnings');
  /** Clicks a diagram element in its middle, as a designer selects it. */
  const select = async (id: string) => {
    const box = await page
      .locator(`.reflow-view:not([hidden]) .djs-element[data-element-id="${id}"]`)
      .first()
      .evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      });
    await page.mouse.click(box.x, box.y);
  };
  /** Opens the message group when it is collapsed (the panel opens only the general group at first). */
  const openGroup = async (entry: string) => {
    await page.waitForSelector(`[data-entry-id="${entry}"]`, { state: 'attached' });
    if (!(await page.locator(`[data-entry-id="${entry}"]`).isVisible()))
      await page.click('[data-group-id="group-gov-message"] .bio-properties-panel-group-header');
  };

  // when the message throw event is selected
  await select('ask_seal');
  // then the panel shows the sender's key under its Chinese label
  await openGroup('gov-correlationKey');
  const sender = page.locator('[data-entry-id="gov-correlationKey"]');
  await sender.waitFor();
  t.match(await sender.textContent(), /关联键（发送方，FEEL）/);
  t.match(
    await page
      .locator('[data-group-id="group-gov-message"] .bio-properties-panel-group-header')
      .textContent(),
    /消息关联（gov）/,
  );
  // when a broken expression is typed, the engine's FEEL parser objects; a correct one is written
  await page.fill('#bio-properties-panel-gov-correlationKey', '=orderNo +');
  await page.waitForSelector('[data-entry-id="gov-correlationKey"] .bio-properties-panel-error');
  await page.fill('#bio-properties-panel-gov-correlationKey', '=orderNo');
  await page.waitForSelector('[data-entry-id="gov-correlationKey"] .bio-properties-panel-error', {
    state: 'detached',
  });
  // when a payload mapping is added: the message will carry only the company name, as 'company'
  await page.click('[data-group-id="group-gov-payload"] .bio-properties-panel-add-entry');
  await page.fill('#bio-properties-panel-gov-payload-0-source', 'companyName');
  await page.fill('#bio-properties-panel-gov-payload-0-target', 'company');
  t.match(
    await page
      .locator('[data-group-id="group-gov-payload"] .bio-properties-panel-group-header')
      .textContent(),
    /消息载荷（gov）/,
  );
  await screenshot(page, 'correlation-key-sender');

  // when the receive task is selected: its message's key
  await select('wait_seal');
  await openGroup('gov-message-correlationKey');
  const receiver = page.locator('[data-entry-id="gov-message-correlationKey"]');
  await receiver.waitFor();
  t.match(await receiver.textContent(), /消息的关联键（接收方，FEEL）/);
  await page.fill('#bio-properties-panel-gov-message-correlationKey', '=orderNo');
  await screenshot(page, 'correlation-key-receiver');

  // then the exported XML has the sender's key on the throw event and the receiver's on the bpmn:Message
  await page.waitForFunction(async () => {
    const { xml } = await window.reflowModeler.saveXML({ format: false });
    return /<bpmn:message id="msg_reply" name="seal-done" gov:correlationKey="=orderNo"/.test(xml ?? '');
  });
  const saved = await page.evaluate(async () => (await window.reflowModeler.saveXML({ format: false })).xml);
  t.match(
    saved,
    /<bpmn:intermediateThrowEvent id="ask_seal" name="请公安刻章" gov:correlationKey="=orderNo"/,
  );
  t.match(saved, /<gov:payload source="companyName" target="company" \/>/, 'the payload mapping');
  t.notMatch(
    saved,
    /<bpmn:message id="msg_apply" name="seal-apply" gov:correlationKey/,
    'the sent message untouched',
  );
  // an element without messages has no such group
  await select('start');
  await page.waitForSelector('[data-group-id="group-gov-message"]', { state: 'detached' });
  // (a 401 while the page loads before the token is given is the page's, not the panel's)
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page',
  );
});
