// No model and no request takes the server down (issue 15, reproductions 2–4), on a real server process on the
// embedded PGlite and, when TEST_DATABASE_URL is set, on PostgreSQL: a huge FEEL literal and every broken form
// schema are refused at deploy with a 422 naming the element and the reason; catastrophic patterns, uniqueItems
// over 30,000 arrays and a runaway script are answered quickly; /healthz answers within a second throughout;
// what was stored before is all still there and still works. A form stored before these checks (written to the
// database directly) is a 422 naming the form, not a 500, and a stored oversize expression still runs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { staticMetrics } from '../../engine/metrics/static-metrics.js';
import { FEEL_BUDGET } from '../../engine/model/feel.js';
import { parseBpmn } from '../../engine/model/parse.js';
import { contentHash } from '../../engine/runtime/definition.js';
import { MIGRATION_ACTOR } from '../../migrations/2026-12-08-publishing.js';
import type { OpenedDatabase } from '../../server/db/database.js';
import {
  CHILD_TOKENS,
  type ChildServer,
  createPostgresDatabase,
  http,
  startChild,
} from '../helpers/child-server.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A process `key`: an application form (JSON text, or none), then a script task `s` (FEEL, or none), then a user task. */
const model = (
  key: string,
  options: { form?: string; script?: string },
): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs_${key}" targetNamespace="urn:reflow:test">
  <bpmn:process id="${key}" isExecutable="true">
    ${options.form ? `<bpmn:extensionElements><gov:form>${escapeXml(options.form)}</gov:form></bpmn:extensionElements>` : ''}
    <bpmn:startEvent id="start" />
    ${
      options.script
        ? `<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="s" />
    <bpmn:scriptTask id="s" name="计算" scriptFormat="feel" gov:resultVariable="r"><bpmn:script>${escapeXml(options.script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review" />`
        : '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />'
    }
    <bpmn:userTask id="review" name="审查" gov:department="市场监管" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const list = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

/** Polls /healthz one request after another and keeps the slowest answer. */
function watchHealth(url: string): {
  stop(): Promise<{ slowestMs: number; answers: number; failures: string[] }>;
} {
  let running = true;
  let slowestMs = 0;
  let answers = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const began = performance.now();
      const res = await http(url, 'GET', '/healthz', null);
      const ms = performance.now() - began;
      slowestMs = Math.max(slowestMs, ms);
      answers++;
      if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { slowestMs, answers, failures };
    },
  };
}

const backends: { name: 'pglite' | 'postgres'; url?: string }[] = [{ name: 'pglite' }];
if (process.env.TEST_DATABASE_URL) backends.push({ name: 'postgres', url: process.env.TEST_DATABASE_URL });

t.setTimeout(240_000);

for (const backend of backends) {
  t.test(
    `huge FEEL, broken forms and catastrophic input do not take the server down (${backend.name})`,
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'reflow-bounded-'));
      let child: ChildServer | null = null;
      t.teardown(async () => {
        await child?.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      });
      let databaseUrl: string | undefined;
      if (backend.url) {
        const created = await createPostgresDatabase(backend.url);
        databaseUrl = created.url;
        t.teardown(created.drop);
      }
      // an embedded database's first start (initdb) takes half a minute on a busy machine
      child = await startChild({ dataDir: join(dir, 'data'), databaseUrl }, 120_000);
      const url = child.url;
      const deploy = (xml: string) =>
        http(url, 'POST', '/api/definitions', CHILD_TOKENS.designer, xml, { 'accept-language': 'en' });
      const start = (process: string, variables: Record<string, unknown>) =>
        http(
          url,
          'POST',
          '/api/cases',
          CHILD_TOKENS.intake,
          { process, variables },
          { 'accept-language': 'en' },
        );
      /**
       * Runs `request` while /healthz is polled; the slowest health answer must stay under three seconds. What
       * this guards against is a server stalled for as long as the runaway input would run (without the limits:
       * minutes, or for ever); a bounded evaluation holds the main thread for at most its 500 ms budget, which
       * a machine shared with other test files can stretch past a second.
       */
      const underWatch = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
        const health = watchHealth(url);
        const began = performance.now();
        const result = await request();
        const ms = performance.now() - began;
        const { slowestMs, answers, failures } = await health.stop();
        t.ok(
          slowestMs < 3000,
          `${what}: /healthz answered within ${slowestMs.toFixed(0)} ms (${answers} polls; the request took ${ms.toFixed(0)} ms)`,
        );
        t.same(failures, [], `${what}: /healthz stayed 200`);
        return result;
      };

      // given a process in use: a case waiting at its review
      t.equal((await deploy(permit)).status, 201);
      const before = await start('permit', { applicant: '张三' });
      t.equal(before.status, 201, JSON.stringify(before.body));
      const caseId: string = before.body.id;

      // reproduction 2: a FEEL list literal of 20,000 items (109 KB), then 100,000 items (590 KB)
      for (const n of [20_000, 100_000]) {
        const res = await underWatch(`deploying a ${n}-item FEEL list`, () =>
          deploy(model('big_list', { script: list(n) })),
        );
        t.equal(res.status, 422);
        t.match(res.body.errors, [
          {
            elementId: 's',
            type: 'expressionTooLarge',
            message:
              /the script of scriptTask 's' \(计算\) is too large to run: it has [\d,]+ characters, more than the 10,000/,
          },
        ]);
      }

      // reproduction 3: ReDoS through a form deploys (RE2 runs it) and answers at once
      const redos = await deploy(
        model('redos', {
          form: '{"type":"object","properties":{"name":{"type":"string","pattern":"^(a+)+$"},"mail":{"type":"string","pattern":"^([a-zA-Z0-9_\\\\.\\\\-])+@(([a-zA-Z0-9\\\\-])+\\\\.)+([a-zA-Z0-9]{2,4})+$"},"rows":{"type":"array","uniqueItems":true}}}',
        }),
      );
      t.equal(redos.status, 201, JSON.stringify(redos.body));
      const catastrophic = await underWatch('a start with aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', () =>
        start('redos', { name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' }),
      );
      t.equal(catastrophic.status, 400);
      t.match(catastrophic.body.errors, [{ field: 'variables.name', message: /must match pattern/ }]);
      const email = await underWatch('an e-mail style pattern on 32 characters', () =>
        start('redos', { mail: `${'a'.repeat(31)}!` }),
      );
      t.equal(email.status, 400);
      t.match(email.body.errors, [{ field: 'variables.mail' }]);
      const unique = await underWatch('uniqueItems over 30,000 arrays', () =>
        start('redos', { rows: Array.from({ length: 30_000 }, (_, i) => [i, 'x']) }),
      );
      t.equal(unique.status, 400);
      t.match(unique.body.errors, [
        { field: 'variables.rows', message: /must NOT have more than 1000 items/ },
      ]);
      const fine = await start('redos', { name: 'aaaa', mail: 'zhang.san@example.gov.cn', rows: [[1], [2]] });
      t.equal(fine.status, 201, 'valid variables start a case');

      // a script that would run for ever: the case gets an incident, the server goes on
      t.equal(
        (await deploy(model('runaway', { script: 'some i in 1..100000000 satisfies i < 0' }))).status,
        201,
      );
      const runaway = await underWatch('a runaway script', () => start('runaway', {}));
      t.equal(runaway.status, 201, JSON.stringify(runaway.body));
      t.match(runaway.body.incidents, [{ elementId: 's', message: /was stopped after 500 ms/ }]);

      // reproduction 4: broken form schemas are refused at deploy, naming the element and the schema error
      const broken: [string, RegExp][] = [
        [
          '{"type":"object","properties":{"x":{"type":"string","pattern":"("}}}',
          /pattern "\(" is not a valid regular expression/,
        ],
        [
          '{"type":"object","properties":{"x":{"$ref":"#/definitions/missing"}}}',
          /\$ref #\/definitions\/missing points to nothing in the form/,
        ],
        ['{"$ref":"#"}', /leads back to # without descending/],
        [
          '{"type":"banana"}',
          /not a valid JSON Schema \(draft-07\): data\/type must be equal to one of the allowed values/,
        ],
        ['[{"type":"object"}]', /it is an array, not a JSON Schema object/],
      ];
      for (const [form, message] of broken) {
        const res = await underWatch(`deploying form ${form}`, () => deploy(model('broken_form', { form })));
        t.equal(res.status, 422, form);
        t.match(res.body.errors, [{ elementId: 'broken_form', type: 'invalidForm', message }], form);
        t.match(
          res.body.detail,
          /broken_form: the application form \(gov:form\) of process 'broken_form' cannot be used: /,
        );
      }

      // then nothing was lost: the case goes on, and only what was accepted is deployed
      const read = await http(url, 'GET', `/api/cases/${caseId}`, CHILD_TOKENS.admin);
      t.equal(read.status, 200);
      t.equal(read.body.status, 'active');
      const task = read.body.openTasks?.[0] ?? before.body.openTasks[0];
      const done = await http(url, 'POST', `/api/tasks/${task.id}/complete`, CHILD_TOKENS.market, {
        variables: { complete: true },
      });
      t.equal(done.status, 200, JSON.stringify(done.body));
      const definitions = await http(url, 'GET', '/api/definitions', CHILD_TOKENS.designer);
      t.same(definitions.body.map((d: { key: string }) => d.key).sort(), ['permit', 'redos', 'runaway']);
      t.equal((await http(url, 'GET', '/healthz', null)).status, 200);
    },
  );
}

/** Stores a definition as an older server would have, without today's deploy checks. */
async function storeUnchecked(db: OpenedDatabase['db'], xml: string): Promise<string> {
  const { graph } = await parseBpmn(xml);
  if (!graph) throw new Error('the XML does not parse');
  const id = `${graph.key}:1`;
  await db
    .insertInto('definition_versions')
    .values({
      id,
      key: graph.key,
      version: 1,
      name: graph.name,
      xml,
      hash: contentHash(xml),
      static_metrics: JSON.stringify(staticMetrics(graph)),
      warnings: JSON.stringify([]),
      deployed_at: new Date(),
    })
    .execute();
  // in force, as migration 2026-12-08-publishing makes the newest version of each key stored before it
  await db
    .insertInto('definition_publications')
    .values({
      key: graph.key,
      version: 1,
      effective_at: new Date(0),
      published_at: new Date(0),
      published_by: MIGRATION_ACTOR,
      from_version: null,
      system_seq: null,
    })
    .execute();
  return id;
}

for (const database of testDatabases()) {
  t.test(`definitions stored before the checks keep working or say why (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    // given three definitions an older server accepted: a lax form, a form that cannot compile, a huge script
    await storeUnchecked(
      opened.db,
      model('lax_form', { form: '{"type":"object","properties":{"age":{"minimum":18}}}' }),
    );
    await storeUnchecked(
      opened.db,
      model('dead_form', { form: '{"type":"object","properties":{"x":{"type":"string","pattern":"("}}}' }),
    );
    await storeUnchecked(opened.db, model('old_script', { script: `count(${list(600)})` }));
    const start = (process: string, variables: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/cases',
        // the English detail asserted below (a problem is in Chinese unless English is asked for)
        headers: { ...bearer(TOKENS.intake), 'accept-language': 'en' },
        payload: { process, variables },
      });

    // the lax form validates as it always did
    t.equal((await start('lax_form', { age: 20 })).statusCode, 201);
    const young = await start('lax_form', { age: 10 });
    t.equal(young.statusCode, 400);
    t.match(young.json().errors, [{ field: 'variables.age' }]);

    // the form that cannot compile is a 422 naming it, every time, and nothing is written
    for (let i = 0; i < 2; i++) {
      const dead = await start('dead_form', { x: 'a' });
      t.equal(dead.statusCode, 422, dead.body);
      t.match(dead.json(), {
        type: 'urn:reflow:problem:form-unusable',
        detail:
          /the application form of 'dead_form' cannot be used: pattern "\(" is not a valid regular expression .*deploy a corrected version/,
      });
    }
    const cases = await opened.db
      .selectFrom('cases')
      .select('id')
      .where('definition_id', '=', 'dead_form:1')
      .execute();
    t.same(cases, []);

    // the script over today's limits (1,205 tokens) runs, off the main thread within its budget. The budget is
    // wall time: on a machine loaded by other test files the 500 ms may pass, so this test gives it 10 s (the
    // stopping of an evaluation over its budget is tested in test/engine/model/feel-limits.test.ts)
    const budgetMs = FEEL_BUDGET.ms;
    FEEL_BUDGET.ms = 10_000;
    t.teardown(() => {
      FEEL_BUDGET.ms = budgetMs;
    });
    const old = await start('old_script', {});
    t.equal(old.statusCode, 201, old.body);
    t.equal(old.json().variables.r, 600);
    t.same(old.json().incidents, []);

    // and a new deployment of the same models is refused
    for (const key of ['dead_form', 'old_script']) {
      const xml =
        key === 'dead_form'
          ? model('dead_form', {
              form: '{"type":"object","properties":{"x":{"type":"string","pattern":"("}}}',
            })
          : model('old_script', { script: `count(${list(600)})` });
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: xml,
      });
      t.equal(res.statusCode, 422, key);
    }
  });
}
