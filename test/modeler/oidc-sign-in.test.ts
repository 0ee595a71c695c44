// Signing in through the identity provider in headless Chromium: a local OpenID provider (served by this test:
// discovery, authorization endpoint with its login page, token endpoint checking PKCE, JWKS) and a Reflow
// server configured for it. A clerk of 市场监管 presses 统一身份认证登录, logs in at the provider, comes back
// signed in by name, claims the case in 部门待办, completes it with its form in 我的待办; the step's handler is
// that clerk, shown in the case's timeline (经办人). A sign-in answer the page did not ask for is refused, saying so.
// Screenshots go to test/artifacts/modeler/.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { JwtVerifier } from '../../server/auth/jwt.js';
import { startLocalIssuer } from '../helpers/local-issuer.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { collectPageErrors, deployXml, launchChromium, screenshot, startModelerTest } from './harness.js';

const permit = readFileSync(new URL('../server/fixtures/correction.bpmn', import.meta.url), 'utf8');

t.test('sign in at the identity provider, claim a task in the inbox and complete it', async (t) => {
  const issuer = await startLocalIssuer();
  t.teardown(() => issuer.close());
  const jwt = new JwtVerifier({ issuer: issuer.issuer, audience: 'reflow', jwksUrl: issuer.jwksUrl });
  const browserSignIn = { issuer: issuer.issuer, clientId: 'reflow-web', scopes: 'openid profile' };
  const started = await startModelerTest(t, { jwt, browserSignIn });
  if (!started) return;
  const { server } = started;
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  await deployXml(t, server, permit);
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: bearer(TOKENS.intake),
    payload: { process: 'permit', businessKey: 'SZ-2026-0020', variables: { applicant: '张三' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const caseId = created.json().id;
  issuer.signInAs({ sub: 'u-chen', name: '陈晓', roles: ['department'], department: '市场监管' });

  const page = await browser.newPage();
  await page.goto(`${server.url}/#/inbox`);
  // given the page offers the sign-in because the server names a provider
  await page.waitForSelector('#reflow-sign-in:not([hidden])');
  t.equal(await page.textContent('#reflow-sign-in'), '统一身份认证登录');
  // when the clerk signs in there
  await page.click('#reflow-sign-in');
  await page.waitForSelector('#idp-login');
  t.equal(new URL(page.url()).origin, issuer.issuer, "at the provider's login page");
  await page.click('#idp-login');
  const errors = collectPageErrors(page); // from signing in on
  // then the page is back on the inbox, the code gone from the address, signed in by name
  await page.waitForSelector('#reflow-who:has-text("陈晓")');
  t.equal(await page.textContent('#reflow-who'), '陈晓（市场监管）');
  t.equal(page.url(), `${server.url}/#/inbox`, 'back on the inbox, no code or state in the address');
  t.same(issuer.tokenRequests, { granted: 1, refused: [] }, 'the code redeemed once, with its verifier');
  await page.waitForSelector('#reflow-tasks');
  await screenshot(page, '22-oidc-signed-in');
  // and claims the case in 部门待办, then completes it with its form in 我的待办
  const row = page.locator(`#reflow-tasks tr:has(a[href="#/case/${caseId}"])`);
  t.match((await row.textContent()) ?? '', /SZ-2026-0020/, 'the business number on the row');
  await row.locator('.reflow-task-claim').click();
  await page.waitForSelector('#reflow-inbox-status[data-kind="ok"]');
  await page.click('#reflow-inbox-tab-mine');
  const mine = page.locator(`#reflow-tasks tr:has(a[href="#/case/${caseId}"])`);
  await mine.waitFor();
  await mine.locator('.reflow-task-open').click();
  await page.waitForSelector('#reflow-task-form');
  await page.check('#reflow-task-field-complete');
  await page.click('#reflow-task-submit');
  await page.waitForSelector('#reflow-inbox-status[data-kind="ok"]');
  await page.waitForSelector('#reflow-inbox-empty');
  const view = (
    await server.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: bearer(TOKENS.auditor) })
  ).json();
  const review = view.timeline.find((s: { elementId: string }) => s.elementId === 'review');
  t.equal(review.status, 'completed', 'the review is completed');
  t.same(review.handler, { userId: 'u-chen', name: '陈晓' }, 'its handler is the signed-in clerk');
  // the case's timeline names the handler (经办人)
  await page.goto(`${server.url}/#/case/${caseId}`);
  await page.waitForSelector('#reflow-timeline');
  const headers = await page.locator('#reflow-timeline th').allTextContents();
  const column = headers.indexOf('经办人');
  t.ok(column > 0, `a 经办人 column: ${headers.join(' | ')}`);
  const cell = page.locator(`#reflow-timeline tr[data-element-id="review"] td:nth-child(${column + 1})`);
  t.equal(await cell.textContent(), '陈晓', 'the review names its handler');
  await screenshot(page, '23-case-handler');
  t.same(errors, [], 'no page errors (the provider is allowed by the CSP)');

  // a sign-in answer this page did not start is refused, saying so
  const other = await browser.newPage();
  await other.goto(`${server.url}/?code=stolen&state=not-ours#/inbox`);
  await other.waitForSelector('#reflow-sign-in-status:has-text("state")');
  t.match(await other.textContent('#reflow-sign-in-status'), /登录回调不属于本页面发起的登录/);
  t.equal(other.url(), `${server.url}/#/inbox`, 'the answer leaves the address');
  // not signed in: the inbox points at the sign-in button
  await other.waitForSelector('#reflow-inbox-status[data-kind="error"]');
  t.match(
    await other.textContent('#reflow-inbox-status'),
    /^未登录或登录已过期：请点击右上角“统一身份认证登录”/,
  );
  t.same(issuer.tokenRequests.granted, 1, 'no code redeemed for it');
});
