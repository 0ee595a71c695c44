// In headless Chromium: a collaboration (the 一件事 sample: an applicant black-box pool, the master and five
// department pools, message flows between them) opens in the modeler with every pool and message flow drawn,
// its findings and figures are the engine's for the whole file, and deploying it unchanged answers with each
// process's key and version.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { deployFromModeler, deployXml, screenshot, signedIn, startBrowserTest } from './harness.js';

const after = readFileSync(
  new URL('../../processes/by-call/business-startup-one-thing.after.bpmn', import.meta.url),
  'utf8',
);
const KEY = 'business_startup_one_thing';
const POOLS = [
  'Participant_applicant',
  'Participant_one_thing',
  'Participant_samr',
  'Participant_police',
  'Participant_tax',
  'Participant_hrss',
  'Participant_fund',
];

t.test('a collaboration in the modeler: drawn, checked and deployed as one unit', async (t) => {
  const started = await startBrowserTest(t, { viewport: { width: 1600, height: 1000 } });
  if (!started) return;
  const { server, page, errors } = started;
  await deployXml(t, server, after);
  await signedIn(page, server, TOKENS.designer);

  // when the deployed version is opened
  await page.goto(`${server.url}/#/modeler/${KEY}/1`);
  await page.waitForSelector('#view-modeler .djs-element[data-element-id="mf_apply"]', { state: 'attached' });

  // then every pool, every department's task and every message flow is drawn
  const drawn = await page.evaluate(() => {
    const registry = window.reflowModeler.get('elementRegistry') as {
      getAll(): { id: string; type: string }[];
    };
    return registry.getAll().map((e) => `${e.type} ${e.id}`);
  });
  for (const pool of POOLS) t.ok(drawn.includes(`bpmn:Participant ${pool}`), `pool ${pool}`);
  for (const flow of ['mf_apply', 'mf_pick_up', 'mf_mail'])
    t.ok(drawn.includes(`bpmn:MessageFlow ${flow}`), `message flow ${flow}`);
  for (const task of ['samr_registration', 'police_seal', 'tax_invoice', 'hrss_enrolment', 'fund_enrolment'])
    t.ok(drawn.includes(`bpmn:UserTask ${task}`), `department task ${task}`);
  await page.waitForFunction(() =>
    /没有问题/.test(document.querySelector('#reflow-findings')?.textContent ?? ''),
  );
  t.pass('no findings for the whole file, as at deploy');
  await screenshot(page, 'collaboration-01-opened');

  // when it is deployed unchanged from the modeler
  const answer = page.waitForResponse(
    (r) => r.url().endsWith('/api/definitions') && r.request().method() === 'POST',
  );
  await deployFromModeler(page);
  const response = await answer;

  // then the same versions, each process listed
  t.equal(response.status(), 200, await response.text());
  const body = (await response.json()) as { processes: { key: string; version: number }[] };
  t.same(
    body.processes.map((p) => `${p.key}:${p.version}`),
    [
      `${KEY}:1`,
      'samr_company_registration:1',
      'police_seal_engraving:1',
      'tax_invoice_application:1',
      'hrss_social_insurance:1',
      'housing_fund_deposit:1',
    ],
  );
  await page.waitForSelector('#reflow-modeler-status[data-kind="ok"]');
  t.match(
    await page.locator('#reflow-modeler-status').textContent(),
    /已部署本文件的 6 个流程：business_startup_one_thing v1, samr_company_registration v1/,
  );
  await screenshot(page, 'collaboration-02-deployed');
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page',
  );
});

t.test(
  'the 一件事 by messages in the modeler: pools, message events and every message flow drawn',
  async (t) => {
    const started = await startBrowserTest(t, { viewport: { width: 1600, height: 1000 } });
    if (!started) return;
    const { server, page, errors } = started;
    const byMessages = readFileSync(
      new URL('../../processes/business-startup-one-thing.after.bpmn', import.meta.url),
      'utf8',
    );
    const deployed = await deployXml(t, server, byMessages);
    const flows = (deployed as { messageFlows: { id: string }[] }).messageFlows.map((f) => f.id);
    await signedIn(page, server, TOKENS.designer);

    // when the deployed version is opened
    await page.goto(`${server.url}/#/modeler/${KEY}/1`);
    await page.waitForSelector('#view-modeler .djs-element[data-element-id="mf_fund_done"]', {
      state: 'attached',
    });

    // then every pool, the master's sends and waits, each department's message start and every message flow
    const drawn = await page.evaluate(() => {
      const registry = window.reflowModeler.get('elementRegistry') as {
        getAll(): { id: string; type: string }[];
      };
      return registry.getAll().map((e) => `${e.type} ${e.id}`);
    });
    for (const pool of POOLS) t.ok(drawn.includes(`bpmn:Participant ${pool}`), `pool ${pool}`);
    t.equal(flows.length, 13);
    for (const flow of flows) t.ok(drawn.includes(`bpmn:MessageFlow ${flow}`), `message flow ${flow}`);
    for (const branch of ['registration', 'seal', 'tax', 'social', 'fund']) {
      t.ok(drawn.includes(`bpmn:IntermediateThrowEvent send_${branch}`), `the master sends ${branch}`);
      t.ok(drawn.includes(`bpmn:IntermediateCatchEvent wait_${branch}`), `the master waits for ${branch}`);
    }
    for (const key of ['samr_company_registration', 'police_seal_engraving', 'housing_fund_deposit'])
      t.ok(drawn.includes(`bpmn:StartEvent ${key}_start`), `${key} starts by a message`);
    await page.waitForFunction(() =>
      /没有问题/.test(document.querySelector('#reflow-findings')?.textContent ?? ''),
    );
    t.pass('no findings for the whole file, as at deploy');
    // and the figures beside it follow the messages to the department processes, as the server's do
    const stored = (
      await server.app.inject({
        method: 'GET',
        url: `/api/processes/${KEY}/versions/1/metrics`,
        headers: bearer(TOKENS.auditor),
      })
    ).json().static as Record<string, number>;
    await page.waitForFunction(
      (steps) =>
        document.querySelector('#reflow-static-metrics dd[data-metric="steps"]')?.textContent === steps,
      String(stored.steps),
    );
    for (const key of ['steps', 'materials', 'departments', 'trips', 'pathTimeLimitDays']) {
      t.equal(
        await page.locator(`#reflow-static-metrics dd[data-metric="${key}"]`).textContent(),
        String(stored[key]),
        `${key} as stored at deploy`,
      );
    }
    await screenshot(page, 'collaboration-03-by-messages');
    t.same(
      errors.filter((e) => !/Failed to load resource/.test(e)),
      [],
      'no errors in the page',
    );
  },
);
