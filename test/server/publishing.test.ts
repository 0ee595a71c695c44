// Draft → published → retired (发布): POST /api/definitions/{key}/versions/{version}/publish, the version a case
// starts on, the publications in the system audit log and their verification, on each test database.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const permitV2 = permit.replace('gov:timeLimit="2"', 'gov:timeLimit="1"');
const permitV3 = permit.replace('gov:department="公安"', 'gov:department="税务"');
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };
const DAY = 86_400_000;

interface Summary {
  key: string;
  inForce: number | null;
  inForceSince: string | null;
  versions: { version: number; status: string; effectiveAt: string | null; scheduledAt: string | null }[];
}

for (const database of testDatabases()) {
  t.test(`publishing (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, clock, close } = await buildTestApp(opened);
    t.teardown(close);
    const deploy = async (payload: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });
      t.equal(res.statusCode, 201, res.body);
      return res.json() as { version: number };
    };
    const publish = (version: number, token: string = TOKENS.publisher, body: object = {}) =>
      app.inject({
        method: 'POST',
        url: `/api/definitions/permit/versions/${version}/publish`,
        headers: { ...bearer(token), 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const start = async (version?: number) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { applicant: '张三' }, ...(version ? { version } : {}) },
      });
      t.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; version: number; status: string };
    };
    const summary = async (): Promise<Summary> => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/definitions',
        headers: bearer(TOKENS.auditor),
      });
      return (res.json() as Summary[]).find((d) => d.key === 'permit') as Summary;
    };
    const statuses = async () => (await summary()).versions.map((v) => v.status);
    const verify = async () =>
      (await app.inject({ method: 'GET', url: '/api/audit/verify', headers: bearer(TOKENS.auditor) })).json();

    t.test('the first version of a new key is published at once; a later one is a draft', async (t) => {
      t.equal((await deploy(permit)).version, 1);
      t.same(await statuses(), ['published']);
      t.equal((await start()).version, 1);
      t.equal((await deploy(permitV2)).version, 2);
      t.same(await statuses(), ['published', 'draft']);
      t.equal((await summary()).inForce, 1);
      t.equal((await start()).version, 1, 'a case started without a version runs the published one');
      t.equal((await start(2)).version, 2, 'a draft may be started by naming it (trying it out)');
    });

    let onV1 = '';
    t.test('publishing retires the previous version for new cases; running cases stay', async (t) => {
      onV1 = (await start()).id;
      const res = await publish(2);
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), {
        key: 'permit',
        version: 2,
        status: 'published',
        inForce: 2,
        versions: [
          { version: 1, status: 'retired' },
          { version: 2, status: 'published', effectiveAt: new Date(clock.now).toISOString() },
        ],
      });
      t.equal((await start()).version, 2);
      const running = await app.inject({
        method: 'GET',
        url: `/api/cases/${onV1}`,
        headers: bearer(TOKENS.admin),
      });
      const view = running.json() as { version: number; status: string; openTasks: { id: string }[] };
      t.match(view, { id: onV1, version: 1, status: 'active' }, 'the case on v1 stays on v1');
      const done = await app.inject({
        method: 'POST',
        url: `/api/tasks/${view.openTasks[0].id}/complete`,
        headers: bearer(TOKENS.market),
        payload: { variables: { complete: true } },
      });
      t.equal(done.statusCode, 200, done.body);
      t.match(done.json(), { version: 1, openTasks: [{ elementId: 'issue' }] }, 'and goes on on v1');
      const again = await publish(2);
      t.equal(again.statusCode, 200, 'publishing the version in force again does nothing');
    });

    t.test('rolling back is publishing an older version', async (t) => {
      const res = await publish(1, TOKENS.admin);
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), { inForce: 1 });
      t.same(await statuses(), ['published', 'retired']);
      t.equal((await start()).version, 1);
    });

    t.test('a publication with a future 生效时间 takes effect at that time by the clock', async (t) => {
      t.equal((await deploy(permitV3)).version, 3);
      const effectiveAt = new Date(clock.now + DAY).toISOString();
      const res = await publish(3, TOKENS.publisher, { effectiveAt });
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), {
        inForce: 1,
        versions: [{}, {}, { version: 3, status: 'draft', scheduledAt: effectiveAt }],
      });
      t.equal((await start()).version, 1, 'before its time new cases still start on v1');
      clock.now += DAY;
      t.equal((await start()).version, 3, 'from its time on v3, with no timer');
      t.same(await statuses(), ['retired', 'retired', 'published']);
    });

    t.test('roles: only publisher and admin publish; unknown versions and bad bodies refused', async (t) => {
      for (const token of [TOKENS.designer, TOKENS.intake, TOKENS.auditor, TOKENS.market]) {
        const res = await publish(2, token);
        t.equal(res.statusCode, 403, res.body);
      }
      t.equal((await summary()).inForce, 3, 'nothing changed');
      const missing = await publish(9);
      t.equal(missing.statusCode, 404);
      t.match(missing.json().detail, /^流程“.*”没有版本 9$/);
      t.equal((await publish(2, TOKENS.publisher, { effectiveAt: 'tomorrow' })).statusCode, 400);
      t.equal((await publish(2, TOKENS.publisher, { when: 'now' })).statusCode, 400);
    });

    t.test('every publication is in the system audit log and verified', async (t) => {
      const { rows } = await sql<{ seq: number; actor: string; payload: unknown }>`
        SELECT seq, actor, payload FROM system_events WHERE type = 'definitionPublished' ORDER BY seq`.execute(
        opened.db,
      );
      t.same(
        rows.map((r) => [r.actor, r.payload]),
        [
          [
            'designer',
            {
              key: 'permit',
              version: 1,
              from: null,
              effectiveAt: new Date(Date.UTC(2026, 0, 5, 1)).toISOString(),
            },
          ],
          [
            'publisher',
            {
              key: 'permit',
              version: 2,
              from: 1,
              effectiveAt: new Date(Date.UTC(2026, 0, 5, 1)).toISOString(),
            },
          ],
          [
            'admin',
            {
              key: 'permit',
              version: 1,
              from: 2,
              effectiveAt: new Date(Date.UTC(2026, 0, 5, 1)).toISOString(),
            },
          ],
          [
            'publisher',
            {
              key: 'permit',
              version: 3,
              from: 1,
              effectiveAt: new Date(Date.UTC(2026, 0, 6, 1)).toISOString(),
            },
          ],
        ],
        'who, from which version to which, and from when',
      );
      const report = await verify();
      t.match(report, { ok: true, publications: { checked: 4, broken: [] } });
      await sql`UPDATE definition_publications SET version = 2 WHERE version = 3`.execute(opened.db);
      const altered = await verify();
      t.equal(altered.ok, false, 'a publication altered afterwards fails verification');
      t.match(altered.publications.broken, [
        { systemSeq: rows[3].seq, message: /differs from its audit entry.*version/ },
      ]);
      await sql`UPDATE definition_publications SET version = 3 WHERE version = 2 AND system_seq = ${rows[3].seq}`.execute(
        opened.db,
      );
      t.equal((await verify()).ok, true);
    });

    t.test('the diff compares against the version in force by default', async (t) => {
      t.equal((await deploy(permit.replace('gov:timeLimit="5"', 'gov:timeLimit="4"'))).version, 4);
      const res = await app.inject({
        method: 'GET',
        url: '/api/definitions/permit/versions/4/diff',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), { version: 4, against: 3 });
    });
  });
}
