// The modeler tests' setting: the page built by modeler/build.mjs, a Reflow server on a PGlite test database
// listening on a free port, and Debian's headless Chromium driven by playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { bearer, buildTestApp, type TestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('../artifacts/modeler/', import.meta.url).pathname;

/**
 * Builds dist/modeler, or reuses the build there when its input files are unchanged (a test run builds the page
 * once, not once per browser test file), and returns what it wrote. The path is computed so that bundlers (the
 * benchmarks are bundled into dist/bench/) leave the build script where it is.
 */
export async function buildPage(): Promise<{ ms: number; bytes: number }> {
  const script = new URL('../../modeler/build-lib.mjs', import.meta.url).href;
  const { buildModelerIfChanged } = (await import(script)) as typeof import('../../modeler/build-lib.mjs');
  return buildModelerIfChanged();
}

export interface ModelerServer extends TestApp {
  url: string;
}

export async function startServer(options?: Parameters<typeof buildTestApp>[1]): Promise<ModelerServer> {
  const testApp = await buildTestApp(await openPglite(), options);
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const address = testApp.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server did not listen on a TCP port');
  return { ...testApp, url: `http://127.0.0.1:${address.port}` };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a full-page screenshot as test/artifacts/modeler/<name>.png (gitignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Milliseconds from the start of navigation to the end of the load event, as the page measured them. */
export async function loadEventMs(page: Page): Promise<number> {
  const ended = () =>
    (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)
      ?.loadEventEnd ?? 0;
  await page.waitForFunction(
    () =>
      ((performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)
        ?.loadEventEnd ?? 0) > 0,
  );
  return page.evaluate(ended);
}

/** Errors the page logged or threw, collected for the test to assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * What every browser test starts with: Chromium present (else the test fails, saying how to install it), the
 * page built, and a server listening, closed at the test's end. Null when Chromium is missing.
 */
export async function startModelerTest(
  t: Test,
  /** Options of the test app, e.g. more tokens beside the test tokens (supervision.test.ts). */
  options?: Parameters<typeof buildTestApp>[1],
): Promise<{ server: ModelerServer; build: { ms: number; bytes: number } } | null> {
  if (!existsSync(CHROMIUM)) {
    t.fail(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
    return null;
  }
  const build = await buildPage();
  const server = await startServer(options);
  t.teardown(() => server.close());
  return { server, build };
}

/** Signs the page in with an API token, as a user pastes one into the header's field. */
export async function useToken(page: Page, token: string): Promise<void> {
  await page.fill('#reflow-token', token);
  await page.press('#reflow-token', 'Enter');
}

/** 部署为新版本 as a designer does it: the button, then 确认部署 in the dialog that shows the diff. */
export async function deployFromModeler(page: Page): Promise<void> {
  await page.click('#reflow-deploy');
  await page.click('#reflow-deploy-dialog-confirm');
}

export interface BrowserTest {
  server: ModelerServer;
  page: Page;
  /** Errors the page logged or threw (collectPageErrors). */
  errors: string[];
}

/**
 * The set-up of a browser test in one call: startModelerTest (Chromium present, page built, server up), Chromium
 * launched and closed at the test's end, and one page of a Chinese browser at `viewport`, its errors collected.
 * Null when Chromium is missing (the test has failed saying so).
 */
export async function startBrowserTest(
  t: Test,
  viewport: { width: number; height: number } = { width: 1440, height: 900 },
): Promise<BrowserTest | null> {
  const started = await startModelerTest(t);
  if (!started) return null;
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport, locale: 'zh-CN' })).newPage();
  return { server: started.server, page, errors: collectPageErrors(page) };
}

/** Deploys a BPMN document through the API as a designer; the test fails unless the answer is 201. */
export async function deployXml(
  t: Test,
  server: ModelerServer,
  xml: string,
): Promise<Record<string, unknown>> {
  const deployed = await server.app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
    payload: xml,
  });
  t.equal(deployed.statusCode, 201, deployed.body);
  return deployed.json();
}

/** Opens the modeler and signs in with `token`, as a user arriving at the page does. */
export async function signedIn(page: Page, server: ModelerServer, token: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('.djs-palette');
  await useToken(page, token);
}
