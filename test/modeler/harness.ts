// The modeler tests' setting: the page built by modeler/build.mjs, a Reflow server on a PGlite test database
// listening on a free port, and Debian's headless Chromium driven by playwright-core.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { seedDemoHistory } from '../../server/simulate/demo.js';
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
  /** Chromium, closed at the test's end: for more contexts (another user, a cold cache). */
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Errors the page logged or threw (collectPageErrors). */
  errors: string[];
  /** How long building the page took, and its size (startModelerTest). */
  build: { ms: number; bytes: number };
}

export interface BrowserTestOptions {
  /** 1440×900 unless told. */
  viewport?: { width: number; height: number };
  /** Options of the test app, e.g. more tokens beside the test tokens (supervision.test.ts). */
  app?: Parameters<typeof buildTestApp>[1];
  /** The page is signed in with this token before its first request (withToken). */
  token?: string;
}

/**
 * The set-up of a browser test in one call: startModelerTest (Chromium present, page built, server up), Chromium
 * launched and closed at the test's end, and one page of a Chinese browser at `viewport`, its errors collected.
 * Null when Chromium is missing (the test has failed saying so).
 */
export async function startBrowserTest(
  t: Test,
  options: BrowserTestOptions = {},
): Promise<BrowserTest | null> {
  const started = await startModelerTest(t, options.app);
  if (!started) return null;
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const { context, page, errors } = await openPage(browser, {
    viewport: options.viewport,
    token: options.token,
  });
  return { server: started.server, browser, context, page, errors, build: started.build };
}

/**
 * A page of its own browser context (its own storage: another user), Chinese unless told, at `viewport`, its
 * errors collected; signed in with `token` before its first request when one is given.
 */
export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; token?: string; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    locale: options.locale ?? 'zh-CN',
  });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  if (options.token) await withToken(page, options.token);
  return { context, page, errors };
}

/** Signs a page in before its next navigation, as a token kept from an earlier visit (localStorage). */
export async function withToken(page: Page, token: string): Promise<void> {
  await page.addInitScript((kept) => localStorage.setItem('reflow.token', kept), token);
}

/** A call to the API with a test token; the answer as inject gives it. */
export function api(
  server: ModelerServer,
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
) {
  return server.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

/**
 * The business-startup sample before and after and the rating-rectification process, deployed, with the demo's
 * simulated history up to `now` (server/simulate/demo.ts), as `npm start` seeds them — `share` of its cases (a
 * quarter unless told: the screens are read, not the demo's size; cards on open work need the whole demo).
 */
export async function seedSampleHistory(
  t: Test,
  server: ModelerServer,
  now: number,
  share = 0.25,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-samples-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const samples = new URL('../../processes/', import.meta.url).pathname;
  const names = ['business-startup.before', 'business-startup.after', 'rating-rectification'];
  for (const name of names) {
    for (const ext of ['bpmn', 'sim.json']) cpSync(`${samples}${name}.${ext}`, join(dir, `${name}.${ext}`));
    await deployXml(t, server, readFileSync(join(dir, `${name}.bpmn`), 'utf8'));
  }
  const { db, definitions } = server.app.reflow;
  await seedDemoHistory(db, definitions, { processesDir: dir, now, share });
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

/** Opens the modeler and waits until its palette is drawn; the navigation's answer. */
export async function openModeler(page: Page, server: ModelerServer) {
  const response = await page.goto(`${server.url}/`);
  await page.waitForSelector('.djs-palette');
  return response;
}

/** Opens the modeler and signs in with `token`, as a user arriving at the page does. */
export async function signedIn(page: Page, server: ModelerServer, token: string): Promise<void> {
  await openModeler(page, server);
  await useToken(page, token);
}
