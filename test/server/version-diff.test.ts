// GET /api/definitions/{key}/versions/{version}/diff: what a version changes against another, on each test database.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('../metrics/fixtures/permit.bpmn', import.meta.url), 'utf8');
const laidOut = readFileSync(new URL('../modeler/fixtures/permit.after.bpmn', import.meta.url), 'utf8');
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };

/** review 2 → 1 working days, issue 公安 → 税务, another condition, f4 rewired to check, a new material. */
const changedPermit = permit
  .replace('gov:timeLimit="2"', 'gov:timeLimit="1"')
  .replace('complete = false', 'complete != true')
  .replace('gov:department="公安"', 'gov:department="税务"')
  .replace('sourceRef="wait_supplement" targetRef="review"', 'sourceRef="wait_supplement" targetRef="check"')
  .replace(
    'source="shared" />',
    'source="shared" /><gov:material id="tax" name="完税证明" source="applicant" />',
  );

type Diff = {
  version: number;
  against: number;
  elements: {
    elementId: string;
    change: string;
    attributes: { attribute: string; label: string; before: unknown; after: unknown; added?: string[] }[];
  }[];
  layoutChanged: string[];
  metrics: Record<string, { before: unknown; after: unknown; delta: unknown }>;
};

for (const database of testDatabases()) {
  t.test(`version diff (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deploy = async (payload: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });
      t.equal(res.statusCode, 201, res.body);
    };
    const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(TOKENS.auditor) });
    await deploy(permit);
    await deploy(changedPermit);

    t.test('each change shown with before and after, and the static figures’ change', async (t) => {
      const res = await get('/api/definitions/permit/versions/2/diff');
      t.equal(res.statusCode, 200, res.body);
      const diff = res.json() as Diff;
      t.match(diff, { version: 2, against: 1, layoutChanged: [] });
      const attr = (id: string, name: string) =>
        diff.elements.find((e) => e.elementId === id)?.attributes.find((a) => a.attribute === name);
      t.match(attr('review', 'timeLimit'), { label: /^承诺时限/, before: 2, after: 1 });
      t.match(attr('issue', 'department'), { label: /^部门/, before: '公安', after: '税务' });
      t.match(attr('to_ask', 'conditionExpression'), {
        label: /^条件/,
        before: 'complete = false',
        after: 'complete != true',
      });
      t.match(attr('f4', 'targetRef'), { before: 'review', after: 'check' });
      t.match(attr('review', 'materials'), { label: /^材料/, added: ['完税证明（tax）'] });
      t.match(diff.metrics.materials, { before: 2, after: 3, delta: 1 }, 'the new material counted');
      t.match(diff.metrics.departments, { before: 2, after: 2, delta: 0 }, '公安 replaced by 税务');
    });

    t.test('against an explicit version, errors', async (t) => {
      t.equal((await get('/api/definitions/permit/versions/1/diff?against=2')).json().version, 1);
      t.equal((await get('/api/definitions/permit/versions/9/diff')).statusCode, 404);
      t.equal((await get('/api/definitions/permit/versions/2/diff?against=9')).statusCode, 404);
      t.equal((await get('/api/definitions/nope/versions/1/diff')).statusCode, 404);
      const self = await get('/api/definitions/permit/versions/2/diff?against=2');
      t.equal(self.statusCode, 400);
      t.match(self.json().detail, /^版本 2 不能与自身比较，请给出另一个版本 \?against=$/);
      t.equal((await get('/api/definitions/permit/versions/1/diff')).statusCode, 400, 'no earlier version');
    });

    t.test('a moved shape is reported as layout, not as a change of meaning', async (t) => {
      await deploy(laidOut);
      await deploy(
        laidOut
          .replace('x="400" y="80" width="100"', 'x="420" y="200" width="100"')
          .replace('isExecutable="true" gov:timeLimit="2"', 'isExecutable="true" gov:timeLimit="3"'),
      );
      const diff = (await get('/api/definitions/e2e_permit/versions/2/diff')).json() as Diff;
      t.same(diff.layoutChanged, ['review']);
      t.same(
        diff.elements.map((e) => [
          e.elementId,
          e.change,
          e.attributes.map((a) => [a.attribute, a.before, a.after]),
        ]),
        [['e2e_permit', 'changed', [['timeLimit', 2, 3]]]],
      );
      t.match(diff.metrics.timeLimitDays, { before: 2, after: 3, delta: 1 });
    });
  });
}
