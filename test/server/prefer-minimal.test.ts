// `Prefer: return=minimal` (RFC 7240) on task completion and case start: the answer is the case's id, status and
// open tasks only, with `Preference-Applied: return=minimal`; without it the whole case, as before.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { returnPreference } from '../../server/routes/prefer.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');

t.test('the return preference of a Prefer header', async (t) => {
  t.equal(returnPreference(undefined), undefined);
  t.equal(returnPreference(''), undefined);
  t.equal(returnPreference('return=minimal'), 'minimal');
  t.equal(
    returnPreference('RETURN = "Minimal"'),
    'minimal',
    'names and values case-insensitive, quotes dropped',
  );
  t.equal(returnPreference('respond-async, wait=10, return=minimal; foo=bar'), 'minimal', 'among others');
  t.equal(returnPreference(['handling=lenient', 'return=minimal']), 'minimal', 'over several headers');
  t.equal(returnPreference('return=representation, return=minimal'), 'representation', 'the first counts');
  t.equal(returnPreference('return=nothing'), undefined, 'an unknown value is ignored');
  t.equal(returnPreference('returns=minimal'), undefined, 'another preference is not it');
});

for (const database of testDatabases()) {
  t.test(`Prefer: return=minimal on start and completion (${database.name})`, async (t) => {
    const { app, close, cacheChecks } = await buildTestApp(await database.open());
    t.teardown(close);
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
    t.equal(deployed.statusCode, 201, deployed.body);
    const minimal = { prefer: 'return=minimal' };
    const application = { process: 'business_registration_bench', businessKey: 'BR-M', variables: { a: 1 } };

    // a start: 201 with the minimal answer, said so in Preference-Applied
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...bearer(TOKENS.intake), ...minimal, 'idempotency-key': 'm1' },
      payload: application,
    });
    t.equal(started.statusCode, 201, started.body);
    t.equal(started.headers['preference-applied'], 'return=minimal');
    const body = started.json();
    t.same(Object.keys(body).sort(), ['id', 'openTasks', 'status'], 'id, status and open tasks only');
    t.equal(body.status, 'active');
    const full = await app.inject({
      method: 'GET',
      url: `/api/cases/${body.id}`,
      headers: bearer(TOKENS.intake),
    });
    t.same(body.openTasks, full.json().openTasks, 'the same open tasks as the whole case shows');
    t.equal(full.headers['preference-applied'], undefined, 'a read without the preference: no header');
    t.ok(full.json().timeline.length > 0);

    // the same start again with its idempotency key: 200, minimal too
    const again = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...bearer(TOKENS.intake), ...minimal, 'idempotency-key': 'm1' },
      payload: application,
    });
    t.equal(again.statusCode, 200, again.body);
    t.same(again.json(), body, 'the repeated start answers minimally as well');

    // a completion refused: a problem document, no Preference-Applied
    const [accept] = body.openTasks;
    const refused = await app.inject({
      method: 'POST',
      url: `/api/tasks/${accept.id}/complete`,
      headers: { ...bearer(TOKENS.police), ...minimal },
      payload: {},
    });
    t.equal(refused.statusCode, 403, refused.body);
    t.equal(refused.headers['preference-applied'], undefined);
    t.match(refused.json(), { title: String, detail: /属于“市场监管”，不属于“公安”/ });

    // completions with the preference: the open tasks each answer names are the next to complete
    const accepted = await app.inject({
      method: 'POST',
      url: `/api/tasks/${accept.id}/complete`,
      headers: { ...bearer(TOKENS.market), ...minimal },
      payload: {},
    });
    t.equal(accepted.statusCode, 200, accepted.body);
    t.equal(accepted.headers['preference-applied'], 'return=minimal');
    t.same(Object.keys(accepted.json()).sort(), ['id', 'openTasks', 'status']);
    t.equal(accepted.json().openTasks.length, 4, 'the four parallel approvals');
    t.match(accepted.json().openTasks[0], {
      id: String,
      elementId: String,
      department: String,
      createdAt: String,
      dueAt: null,
      calendarEstimated: false,
      claimedBy: null,
    });
    const [first, ...rest] = accepted.json().openTasks;
    // `return=representation` is the whole case, as without a preference
    const represented = await app.inject({
      method: 'POST',
      url: `/api/tasks/${first.id}/complete`,
      headers: { ...bearer(TOKENS.admin), prefer: 'return=representation' },
      payload: {},
    });
    t.equal(represented.statusCode, 200, represented.body);
    t.equal(represented.headers['preference-applied'], undefined);
    t.ok(Array.isArray(represented.json().timeline), 'the whole case');
    t.same(represented.json().variables, { a: 1 });
    let last = accepted.json();
    for (const task of rest) {
      const answer = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: { ...bearer(TOKENS.admin), ...minimal },
        payload: {},
      });
      t.equal(answer.statusCode, 200, answer.body);
      last = answer.json();
    }
    t.same(
      last.openTasks.map((task: { elementId: string }) => task.elementId),
      ['issue'],
      'after the last approval: the issue task',
    );
    const done = await app.inject({
      method: 'POST',
      url: `/api/tasks/${last.openTasks[0].id}/complete`,
      headers: { ...bearer(TOKENS.admin), ...minimal },
      payload: {},
    });
    t.same(done.json(), { id: body.id, status: 'completed', openTasks: [] }, 'the case is completed');
    t.ok(cacheChecks.compared > 0, 'the node’s memory was compared after minimal answers too');
  });
}
