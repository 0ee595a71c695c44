// Issue 15, reproductions 5–7, on each test database: a number beyond a double (1e400) is a 400 naming its field
// before any schema, and what a node remembers of a case is what the database holds (a cached node and a
// restarted one route a case alike); idempotency keys are per principal (a SHA-256 over the whole token, no
// token text stored) and the same key with another request is a 422; a business key names one case per process
// (409 naming it; the migration lists shared keys and drops nothing); and verification names a case variable
// changed in the stored snapshot.

import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { buildApp } from '../../server/app.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { parseTokens } from '../../server/auth/tokens.js';
import { CaseService } from '../../server/cases/case-service.js';
import type { Db } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { checkRemembered, watchRemembered } from '../helpers/cache-consistency.js';
import { bearer } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const subsidy = readFileSync(new URL('./fixtures/subsidy.bpmn', import.meta.url), 'utf8');
const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');

/** Two intake tokens whose first 8 characters are the same (the old key scope), and the departments. */
const TOKENS = {
  intake1: 'tok-intake-00001',
  intake2: 'tok-intake-00002',
  designer: 'tok-designer-0001',
  auditor: 'tok-auditor-0001',
  admin: 'tok-admin-000001',
  market: 'tok-market-00001',
  police: 'tok-police-00001',
  tax: 'tok-tax-000000001',
};
const principals = parseTokens(
  JSON.stringify([
    { token: TOKENS.intake1, role: 'intake' },
    { token: TOKENS.intake2, role: 'intake' },
    { token: TOKENS.designer, role: 'designer' },
    { token: TOKENS.auditor, role: 'auditor' },
    { token: TOKENS.admin, role: 'admin' },
    { token: TOKENS.market, role: 'department', department: '市场监管' },
    { token: TOKENS.police, role: 'department', department: '公安' },
    { token: TOKENS.tax, role: 'department', department: '税务' },
  ]),
  'test tokens',
);

/** A node: a case service (with its memory of cases) and the HTTP app over it. */
async function node(db: Db, clock: { now: number }) {
  let seq = 0;
  const prefix = Math.random().toString(36).slice(2, 6);
  const definitions = new DefinitionStore(db);
  const service = new CaseService(db, definitions, {
    clock: () => clock.now,
    newId: () => `${prefix}-${String(++seq).padStart(5, '0')}`,
  });
  const app = await buildApp({ db, service, definitions, principals });
  const cacheChecks = watchRemembered(app, service);
  const send = async (
    method: 'GET' | 'POST',
    url: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...bearer(token),
        ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: body as string }),
    });
    return { status: res.statusCode, body: res.json(), type: String(res.headers['content-type']) };
  };
  return { app, service, send, cacheChecks };
}

const count = async (db: Db, table: 'cases' | 'idempotency_keys') =>
  Number((await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

for (const database of testDatabases()) {
  t.test(`requests cannot make a case differ, leak or change unseen (${database.name})`, async (t) => {
    const opened = await database.open();
    const db = opened.db;
    const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
    const a = await node(db, clock);
    t.teardown(async () => {
      await a.app.close();
      await opened.close();
    });
    for (const xml of [subsidy, permit]) {
      const deployed = await a.app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: xml,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
    }
    const openTask = async (caseId: string) =>
      (await a.send('GET', `/api/cases/${caseId}`, TOKENS.admin)).body.openTasks[0] as {
        id: string;
        elementId: string;
      };

    await t.test(
      '5. a number beyond a double is a 400 naming its field, and nothing is stored',
      async (t) => {
        const cases = await count(db, 'cases');
        // given a required number with minimum 0: 1e400 reads as Infinity, which the schema would pass
        const start = await a.send(
          'POST',
          '/api/cases',
          TOKENS.intake1,
          '{"process":"subsidy","variables":{"amount":1e400,"applicant":"甲"}}',
        );
        t.equal(start.status, 400);
        t.match(start.type, /application\/problem\+json/);
        t.equal(start.body.errors[0].field, 'body.variables.amount', start.body.detail);
        t.match(start.body.detail, /字段 body\.variables\.amount 的数值超出双精度范围.*有限的数值/);
        // before any schema: a field the schema would refuse anyway is named for its number first
        const version = await a.send(
          'POST',
          '/api/cases',
          TOKENS.intake1,
          '{"process":"subsidy","version":-1e400}',
        );
        t.equal(version.status, 400);
        t.equal(version.body.errors[0].field, 'body.version');
        const nested = await a.send(
          'POST',
          '/api/cases',
          TOKENS.intake1,
          '{"process":"subsidy","variables":{"amount":1,"rows":[{"v":2},{"v":-1e999}]}}',
        );
        t.equal(nested.body.errors?.[0]?.field, 'body.variables.rows.1.v', 'the JSON path of the field');
        t.equal(await count(db, 'cases'), cases, 'no case was started');

        // and at a task and a message: refused, the task still open, the case unchanged
        const started = await a.send('POST', '/api/cases', TOKENS.intake1, {
          process: 'subsidy',
          variables: { amount: 5 },
        });
        t.equal(started.status, 201, JSON.stringify(started.body));
        const review = await openTask(started.body.id);
        const complete = await a.send(
          'POST',
          `/api/tasks/${review.id}/complete`,
          TOKENS.market,
          '{"variables":{"factor":-1e400}}',
        );
        t.equal(complete.status, 400);
        t.equal(complete.body.errors[0].field, 'body.variables.factor');
        const message = await a.send(
          'POST',
          `/api/cases/${started.body.id}/messages`,
          TOKENS.intake1,
          '{"name":"x","variables":{"n":1e400}}',
        );
        t.equal(message.status, 400);
        t.equal(message.body.errors[0].field, 'body.variables.n');
        const after = await a.send('GET', `/api/cases/${started.body.id}`, TOKENS.admin);
        t.same(after.body.variables, { amount: 5 });
        t.equal((await openTask(started.body.id)).id, review.id, 'the task is still open');
        // finite numbers at the edge of a double still pass
        const edge = await a.send(
          'POST',
          '/api/cases',
          TOKENS.intake1,
          '{"process":"subsidy","variables":{"amount":1.7e308}}',
        );
        t.equal(edge.status, 201);
        t.equal(edge.body.variables.amount, 1.7e308);
      },
    );

    await t.test(
      '5. a node remembers a case as stored: cached and restarted nodes route alike',
      async (t) => {
        // given two equal cases whose FEEL total overflows a double (1e308 × 10)
        const ids: string[] = [];
        for (const applicant of ['乙', '丙']) {
          const started = await a.send('POST', '/api/cases', TOKENS.intake1, {
            process: 'subsidy',
            variables: { amount: 1e308, applicant },
          });
          ids.push(started.body.id);
          const review = await openTask(started.body.id);
          const scaled = await a.send('POST', `/api/tasks/${review.id}/complete`, TOKENS.market, {
            variables: { factor: 10 },
          });
          t.equal(scaled.status, 200, JSON.stringify(scaled.body));
        }
        // the node remembers what the database holds (no Infinity where the database keeps null)
        for (const id of ids) t.equal(await checkRemembered(a.service, id), 'same', `case ${id}`);
        // when the first is decided on the node that remembers it and the second on a restarted node
        const b = await node(db, clock);
        t.teardown(() => b.app.close());
        const [decideA, decideB] = [await openTask(ids[0]), await openTask(ids[1])];
        const routedA = await a.send('POST', `/api/tasks/${decideA.id}/complete`, TOKENS.market, {});
        const routedB = await b.send('POST', `/api/tasks/${decideB.id}/complete`, TOKENS.market, {});
        t.equal(routedA.status, 200);
        t.equal(routedB.status, 200);
        // then both take the same branch, on the value both hold
        t.same(
          routedA.body.openTasks.map((k: { elementId: string }) => k.elementId),
          routedB.body.openTasks.map((k: { elementId: string }) => k.elementId),
          'the same branch on either node',
        );
        t.same(routedA.body.variables.total, routedB.body.variables.total);
        t.equal(await checkRemembered(a.service, ids[0]), 'same');
        t.equal(await checkRemembered(b.service, ids[1]), 'same');
        t.ok((await verifyAudit(db, { process: 'subsidy' })).ok, 'the cases verify');
      },
    );

    await t.test('a difference between memory and database is found and named', async (t) => {
      const started = await a.send('POST', '/api/cases', TOKENS.intake1, {
        process: 'subsidy',
        variables: { amount: 7 },
      });
      t.equal(await checkRemembered(a.service, started.body.id), 'same');
      await sql`UPDATE cases SET snapshot = jsonb_set(snapshot::jsonb, '{variables,amount}', '8')::json
                 WHERE id = ${started.body.id}`.execute(db);
      const check = await checkRemembered(a.service, started.body.id);
      t.match(check, { difference: /snapshot\.variables\.amount: 7 in memory, 8 in the database/ });
      await sql`UPDATE cases SET snapshot = jsonb_set(snapshot::jsonb, '{variables,amount}', '7')::json
                 WHERE id = ${started.body.id}`.execute(db);
      t.equal(await checkRemembered(a.service, started.body.id), 'same', 'put back');
    });

    await t.test('6. idempotency keys are per principal, hashed, and bound to their request', async (t) => {
      const key = { 'idempotency-key': 'apply-2026-001' };
      const first = {
        process: 'subsidy',
        businessKey: 'SUB-A',
        variables: { amount: 1, applicant: '申请人一' },
      };
      const second = {
        process: 'subsidy',
        businessKey: 'SUB-B',
        variables: { amount: 2, applicant: '申请人二' },
      };
      // given two intake tokens with the same first 8 characters sending the same key
      const one = await a.send('POST', '/api/cases', TOKENS.intake1, first, key);
      const two = await a.send('POST', '/api/cases', TOKENS.intake2, second, key);
      t.equal(one.status, 201);
      t.equal(two.status, 201, 'the second applicant gets a case of its own');
      t.not(two.body.id, one.body.id);
      t.same(
        [two.body.businessKey, two.body.variables],
        ['SUB-B', second.variables],
        'with its own business key and variables',
      );
      // the stored keys hold no token text
      const stored = (await db.selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key);
      t.equal(stored.length, 2);
      for (const k of stored) {
        t.match(k, /^[0-9a-f]{64}$/);
        for (const token of Object.values(TOKENS)) t.notOk(k.includes(token.slice(0, 8)), 'no token text');
        t.notOk(k.includes('apply-2026-001'));
      }
      // the same key and request again: the same case; the same key with another request: 422 naming the key
      const again = await a.send('POST', '/api/cases', TOKENS.intake1, first, key);
      t.equal(again.status, 200);
      t.equal(again.body.id, one.body.id);
      const cases = await count(db, 'cases');
      const other = await a.send(
        'POST',
        '/api/cases',
        TOKENS.intake1,
        { ...first, variables: { amount: 1000, applicant: '申请人一' } },
        key,
      );
      t.equal(other.status, 422);
      t.match(
        other.body.detail,
        /幂等键“apply-2026-001”此前随另一个请求发送过（variables不同；它已发起办件 /,
      );
      t.match(other.body.detail, one.body.id, 'it names the case the key started');
      t.equal(other.body.errors[0].field, 'headers.idempotency-key');
      t.equal(await count(db, 'cases'), cases, 'no case was started');
      const view = await a.send('GET', `/api/cases/${one.body.id}`, TOKENS.admin);
      t.same(view.body.variables, first.variables, 'the first case is as it was');
    });

    await t.test('businessKey names one case per process: 409 naming the case', async (t) => {
      const first = await a.send('POST', '/api/cases', TOKENS.intake1, {
        process: 'subsidy',
        businessKey: 'BK-1',
        variables: { amount: 1 },
      });
      t.equal(first.status, 201);
      const cases = await count(db, 'cases');
      const again = await a.send('POST', '/api/cases', TOKENS.intake2, {
        process: 'subsidy',
        businessKey: 'BK-1',
        variables: { amount: 2 },
      });
      t.equal(again.status, 409);
      t.match(again.body.detail, `办件编号“BK-1”已被流程“subsidy”的办件 ${first.body.id} 使用`);
      t.equal(again.body.errors[0].field, 'body.businessKey');
      t.equal(await count(db, 'cases'), cases, 'nothing was started');
      // another process may use the same key
      const elsewhere = await a.send('POST', '/api/cases', TOKENS.intake1, {
        process: 'permit',
        businessKey: 'BK-1',
        variables: { applicant: '丁' },
      });
      t.equal(elsewhere.status, 201);
      // started together (one batch): one case, the others 409 naming it
      const racing = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          a.send('POST', '/api/cases', TOKENS.intake1, {
            process: 'subsidy',
            businessKey: 'BK-2',
            variables: { amount: n },
          }),
        ),
      );
      const won = racing.filter((r) => r.status === 201);
      t.equal(won.length, 1, 'one start lands');
      for (const lost of racing.filter((r) => r.status !== 201)) {
        t.equal(lost.status, 409);
        t.match(lost.body.detail, `的办件 ${won[0].body.id} 使用`);
      }
      const listed = await a.send('GET', '/api/cases?process=subsidy&businessKey=BK-2', TOKENS.auditor);
      t.equal(listed.body.items.length, 1);
    });

    await t.test('7. a case variable changed in the stored snapshot is found and named', async (t) => {
      const started = await a.send('POST', '/api/cases', TOKENS.intake1, {
        process: 'subsidy',
        variables: { amount: 50, applicant: '戊' },
      });
      const id = started.body.id as string;
      const review = await openTask(id);
      await a.send('POST', `/api/tasks/${review.id}/complete`, TOKENS.market, { variables: { factor: 1 } });
      t.ok((await verifyAudit(db, { caseId: id })).ok, 'untouched, the case verifies');
      const forge = async (
        change: string,
        check: (report: Awaited<ReturnType<typeof verifyAudit>>) => void,
      ) => {
        const [before] = (
          await sql<{
            snapshot: string;
          }>`SELECT snapshot::text AS snapshot FROM cases WHERE id = ${id}`.execute(db)
        ).rows;
        await sql.raw(`UPDATE cases SET snapshot = (${change})::json WHERE id = '${id}'`).execute(db);
        try {
          check(await verifyAudit(db, { caseId: id }));
        } finally {
          await sql`UPDATE cases SET snapshot = ${before.snapshot}::json WHERE id = ${id}`.execute(db);
        }
      };
      // the engine routes on `total`: forged above the gateway's threshold
      await forge(`jsonb_set(snapshot::jsonb, '{variables,total}', '500')`, (report) => {
        t.equal(report.ok, false);
        t.match(report.broken[0], {
          caseId: id,
          kind: 'variable',
          table: 'cases',
          field: 'snapshot.variables.total',
          expected: 50,
          actual: 500,
          eventType: 'variablesChanged',
        });
        t.match(
          report.broken[0].message,
          `case ${id}: variable 'total' is 500 in the case's snapshot, but the audit log says 50`,
        );
      });
      await forge(`jsonb_set(snapshot::jsonb, '{variables,approved}', 'true')`, (report) => {
        t.match(report.broken[0], { kind: 'variable', field: 'snapshot.variables.approved', seq: null });
        t.match(
          report.broken[0].message,
          /variable 'approved' is true in the case's snapshot, but no audit event set it/,
        );
      });
      await forge(`snapshot::jsonb #- '{variables,amount}'`, (report) => {
        t.match(report.broken[0], {
          kind: 'variable',
          field: 'snapshot.variables.amount',
          seq: 1,
          eventType: 'caseStarted',
        });
        t.match(report.broken[0].message, /variable 'amount' is missing from the case's snapshot/);
      });
      await forge(`jsonb_set(snapshot::jsonb, '{status}', '"completed"')`, (report) => {
        t.match(report.broken[0], {
          kind: 'snapshot',
          field: 'snapshot.status',
          expected: 'active',
          actual: 'completed',
        });
      });
      // through the API too, while GET shows the forged value
      await sql`UPDATE cases SET snapshot = jsonb_set(snapshot::jsonb, '{variables,total}', '500')::json WHERE id = ${id}`.execute(
        db,
      );
      t.equal((await a.send('GET', `/api/cases/${id}`, TOKENS.admin)).body.variables.total, 500);
      const viaApi = await a.send('GET', `/api/audit/verify?caseId=${id}`, TOKENS.auditor);
      t.equal(viaApi.status, 200);
      t.match(viaApi.body, {
        ok: false,
        broken: [{ caseId: id, kind: 'variable', field: 'snapshot.variables.total' }],
      });
      await sql`UPDATE cases SET snapshot = jsonb_set(snapshot::jsonb, '{variables,total}', '50')::json WHERE id = ${id}`.execute(
        db,
      );
      t.ok((await verifyAudit(db)).ok, 'every case verifies once put back');
    });

    t.ok(
      a.cacheChecks.compared >= 10,
      `memory compared with the database after ${a.cacheChecks.compared} commands`,
    );
  });

  t.test(`the business key migration lists shared keys and drops nothing (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const definitions = new DefinitionStore(db);
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    // deployed at the latest schema (the store writes today's columns), then back to the schema before 007
    const { id: definitionId } = await definitions.deploy(permit, new Date('2026-01-01T00:00:00Z'));
    const down = await migrator.migrateTo('2026-11-29-006-json-documents');
    t.equal(down.error, undefined);
    // given cases that share business keys (allowed before), an imported one among them, and old-style keys
    const insert = async (id: string, businessKey: string | null, imported = false) =>
      sql`INSERT INTO cases (id, definition_id, process_key, version, business_key, status, snapshot, started_at, imported)
          VALUES (${id}, ${definitionId}, 'permit', 1, ${businessKey}, 'active', '{}', ${new Date(Date.UTC(2026, 0, 5))}, ${imported})`.execute(
        db,
      );
    await insert('case-a', 'DUP-1');
    await insert('case-b', 'DUP-1');
    await insert('case-c', 'DUP-2');
    await insert('case-d', 'DUP-2');
    await insert('case-e', 'UNIQUE-1');
    await insert('case-f', 'UNIQUE-1', true);
    await insert('case-i', 'IMPORTED-1', true);
    await insert('case-g', null);
    await insert('case-h', null);
    for (const [key, caseId] of [
      ['intake-t:k1', 'case-a'],
      ['rating:r1', 'case-e'],
    ])
      await sql`INSERT INTO idempotency_keys (key, case_id, created_at) VALUES (${key}, ${caseId}, now())`.execute(
        db,
      );
    const rows = async () =>
      (
        await sql<{
          id: string;
          business_key: string | null;
        }>`SELECT id, business_key FROM cases ORDER BY id`.execute(db)
      ).rows;
    const before = await rows();

    // when migrating: refused, naming each shared key and its cases; nothing changed
    const refused = await migrator.migrateToLatest();
    t.ok(refused.error, 'the migration refuses');
    const message = String((refused.error as Error).message);
    t.match(message, /2 business keys are used by several cases/);
    t.match(message, "process 'permit', businessKey 'DUP-1': cases case-a, case-b");
    t.match(message, "process 'permit', businessKey 'DUP-2': cases case-c, case-d");
    t.notMatch(message, 'UNIQUE-1', 'an imported case shares no key');
    t.match(message, /UPDATE cases SET business_key/);
    t.same(await rows(), before, 'every case is kept as it was');
    t.same(
      (await db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key),
      ['intake-t:k1', 'rating:r1'],
      'nothing of the migration applied',
    );

    // then, the keys given out again by an operator, it applies
    await sql`UPDATE cases SET business_key = 'DUP-1-2' WHERE id = 'case-b'`.execute(db);
    await sql`UPDATE cases SET business_key = 'DUP-2-2' WHERE id = 'case-d'`.execute(db);
    const applied = await migrator.migrateToLatest();
    t.equal(applied.error, undefined);
    t.equal((await rows()).length, before.length, 'every case is still there');
    const keys = await db
      .selectFrom('idempotency_keys')
      .select(['key', 'case_id'])
      .orderBy('case_id')
      .execute();
    t.equal(keys.length, 2, 'every key is still there');
    for (const k of keys) {
      t.match(k.key, /^legacy:[0-9a-f]{64}$/);
      t.notOk(k.key.includes('intake-t'), 'no token text left');
    }
    // and a business key is now one case per process
    const service = new CaseService(db, definitions);
    await t.rejects(
      service.start({ process: 'permit', businessKey: 'DUP-1', variables: { applicant: '己' } }, 'test'),
      {
        status: 409,
        message: /already used by case case-a/,
      },
    );
    const ok = await service.start(
      { process: 'permit', businessKey: 'IMPORTED-1', variables: { applicant: '庚' } },
      'test',
    );
    t.ok(ok.created, 'a key only an imported case has is free');

    // down and up again: the index goes and comes back; the hashed keys stay as they are
    t.equal((await migrator.migrateTo('2026-11-29-006-json-documents')).error, undefined);
    t.equal((await migrator.migrateToLatest()).error, undefined);
    t.same(
      (await db.selectFrom('idempotency_keys').select(['key', 'case_id']).orderBy('case_id').execute()).slice(
        0,
        2,
      ),
      keys,
    );
  });
}
