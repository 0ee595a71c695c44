// Event-log export: the XES validates against the IEEE 1849-2016 schema, the CSV has the documented columns,
// and export → import into another version gives identical metrics (imported and engine-run cases alike).
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { deploy, figures, fixture, importLog, metricsOf } from './metrics-helpers.js';
import { structuralProblems, validateWithXmllint } from './xes-check.js';

const permit = fixture('permit.bpmn');
/** Another version of the same model (different content, so a new version; same elements and limits). */
const renamed = (n: number) => permit.replace('name="许可（测试）"', `name="许可（测试 ${n}）"`);

for (const database of testDatabases()) {
  t.test(`event-log export (${database.name})`, async (t) => {
    const { app, clock, close } = await buildTestApp(await database.open(), {
      now: Date.parse('2026-03-02T01:00:00Z'),
    });
    t.teardown(close);
    await deploy(t, app, permit);
    t.equal((await importLog(app, 'permit', 1, fixture('permit-log.csv'), 'text/csv')).statusCode, 200);
    const odd =
      'case_id,activity,department,timestamp\nE,审查,"审批&<""科"">",2026-01-26 10:00\nE,发证,,2026-01-26 15:00\n';
    t.equal(
      (await importLog(app, 'permit', 1, odd, 'text/csv')).statusCode,
      200,
      'a department with markup characters',
    );
    const get = (url: string, token: string = TOKENS.auditor) =>
      app.inject({ method: 'GET', url, headers: bearer(token) });

    t.test('XES validates against the XES schema', async (t) => {
      const res = await get('/api/processes/permit/versions/1/log.xes');
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], /application\/xml/);
      t.match(res.headers['content-disposition'], /permit-v1\.xes/);
      const verdict = validateWithXmllint(res.body);
      if (verdict === null) {
        t.comment(
          'xmllint is not installed (apt-get install -y libxml2-utils): schema validation skipped, structural check only',
        );
      } else {
        t.ok(verdict.ok, `xmllint --schema xes-ieee-1849-2016.xsd: ${verdict.output}`);
        // the checker itself catches a broken log
        const broken = res.body.replace(
          /<date key="time:timestamp" value="[^"]+"\/>/,
          '<date key="time:timestamp" value="yesterday"/>',
        );
        t.notOk(validateWithXmllint(broken)?.ok, 'a bad date fails the schema');
      }
      t.same(structuralProblems(res.body), [], 'structure: extensions, globals, classifiers, keys, dates');
      t.ok(
        structuralProblems(res.body.replace(/<string key="lifecycle:transition" value="start"\/>/, ''))
          .length > 0,
        'an event without lifecycle is caught',
      );
      for (const prefix of ['concept', 'time', 'lifecycle', 'org'])
        t.match(
          res.body,
          new RegExp(
            `<extension name="\\w+" prefix="${prefix}" uri="http://www.xes-standard.org/${prefix}.xesext"/>`,
          ),
        );
      t.match(res.body, /<classifier name="Activity" keys="concept:name"\/>/);
      t.match(res.body, /<string key="org:group" value="公安分局"\/>/);
      t.match(res.body, /<string key="org:group" value="审批&amp;&lt;&quot;科&quot;&gt;"\/>/, 'escaped');
      t.match(res.body, /<string key="reflow:elementId" value="wait_supplement"\/>/);
      t.match(
        res.body,
        /<date key="time:timestamp" value="2026-01-15T12:00:00.000\+08:00"\/>/,
        'Beijing offset',
      );
      const traces = res.body.match(/<trace>/g) ?? [];
      t.equal(traces.length, 5, 'one trace per completed case');
    });

    t.test('CSV columns and rows', async (t) => {
      const res = await get('/api/processes/permit/versions/1/log.csv');
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], /text\/csv/);
      const lines = res.body.trim().split('\n');
      t.equal(lines[0], 'case_id,activity,element_id,department,lifecycle,timestamp,resource');
      t.equal(lines.length, 1 + 2 * 13, 'a start and a complete for each of the 13 steps');
      t.match(res.body, /,审查,review,"审批&<""科"">",start,2026-01-26T10:00:00\.000\+08:00/);
      t.equal(
        (await get('/api/processes/permit/versions/1/log.csv', TOKENS.designer)).statusCode,
        403,
        'auditors and admins only',
      );
      t.equal((await get('/api/processes/permit/versions/7/log.xes')).statusCode, 404);
    });

    t.test('export → import round trip: identical metrics', async (t) => {
      const original = figures((await metricsOf(app, 'permit', 1)).dynamic);
      for (const [format, type, n] of [
        ['xes', 'application/xml', 2],
        ['csv', 'text/csv', 3],
      ] as const) {
        const version = await deploy(t, app, renamed(n));
        const log = (await get(`/api/processes/permit/versions/1/log.${format}`)).body;
        const res = await importLog(app, 'permit', version, log, type);
        t.equal(res.statusCode, 200, res.body);
        t.match(res.json(), { imported: 5, cases: 5, unmatched: [] });
        t.same(
          figures((await metricsOf(app, 'permit', version)).dynamic),
          original,
          `${format}: the same figures`,
        );
      }
    });

    t.test('engine-run cases survive the round trip too', async (t) => {
      // given a case run by the engine on version 4: review finds materials missing, 补正, review, issue
      const v4 = await deploy(t, app, renamed(4));
      const started = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', version: v4, variables: { applicant: 'A' }, channel: 'online' },
      });
      const id = started.json().id;
      const step = async (variables: Record<string, unknown> = {}) => {
        clock.now += 5_400_000;
        const [task] = (await get(`/api/tasks?caseId=${id}&status=open`, TOKENS.admin)).json();
        await app.inject({
          method: 'POST',
          url: `/api/tasks/${task.id}/complete`,
          headers: bearer(TOKENS.admin),
          payload: { variables },
        });
      };
      await step({ complete: false });
      await step();
      clock.now += 86_400_000;
      await app.inject({
        method: 'POST',
        url: `/api/cases/${id}/messages`,
        headers: bearer(TOKENS.intake),
        payload: { name: 'materials-supplemented' },
      });
      await step({ complete: true });
      await step();
      const original = figures((await metricsOf(app, 'permit', v4)).dynamic);
      t.match(original, { completed: 1, firstTimeRate: 0 });
      const v5 = await deploy(t, app, renamed(5));
      const res = await importLog(
        app,
        'permit',
        v5,
        (await get(`/api/processes/permit/versions/${v4}/log.xes`)).body,
        'application/xml',
      );
      t.equal(res.statusCode, 200, res.body);
      const imported = (await metricsOf(app, 'permit', v5)).dynamic;
      t.same(figures(imported), original);
      t.match(
        imported,
        { supervisedCases: 0, warningRate: null },
        'an imported case was never watched for cards',
      );
      // an open case is exported only on request
      await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', version: v4, variables: { applicant: 'B' } },
      });
      t.equal(
        ((await get(`/api/processes/permit/versions/${v4}/log.xes`)).body.match(/<trace>/g) ?? []).length,
        1,
      );
      t.equal(
        ((await get(`/api/processes/permit/versions/${v4}/log.xes?status=all`)).body.match(/<trace>/g) ?? [])
          .length,
        2,
      );
    });
  });
}
