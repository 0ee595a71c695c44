// The repositories answer on a database or inside a transaction: the SQL for tasks (open ones included) and the
// one "case exists or 404", on PGlite and PostgreSQL.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { NotFound } from '../../../server/cases/errors.js';
import { sayCaseMissing } from '../../../server/problem-text.js';
import { caseExists, requireCase } from '../../../server/repositories/case-repository.js';
import { caseHasTaskOf, listTasks, openTaskIdsOfCase } from '../../../server/repositories/task-repository.js';
import { bearer, buildTestApp, TOKENS } from '../../helpers/test-app.js';
import { testDatabases } from '../../helpers/test-database.js';

const three = readFileSync(new URL('../fixtures/three-departments.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`task and case repositories (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const db = app.reflow.db;
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: three,
    });
    t.equal(deployed.statusCode, 201, deployed.body);
    const start = async () =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/cases',
          headers: bearer(TOKENS.intake),
          payload: { process: 'three_departments' },
        })
      ).json().id as string;
    const first = await start();
    const second = await start();
    const [done] = await listTasks(db, { caseId: first, status: 'open', limit: 10 });
    const completed = await app.inject({
      method: 'POST',
      url: `/api/tasks/${done.id}/complete`,
      headers: bearer(TOKENS.centre),
      payload: {},
    });
    t.equal(completed.statusCode, 200, completed.body);

    const all = await listTasks(db, { limit: 100 });
    t.equal(all.length, 3, "two cases' intake tasks and the first case's next task");
    const order = all.map((r) => [r.created_at.getTime(), r.id]);
    t.same(
      order,
      [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)),
      'oldest first, then by id',
    );
    t.same(
      (await listTasks(db, { status: 'open', limit: 100 })).map((r) => r.case_id).sort(),
      [first, second].sort(),
      'open tasks: the first case moved on, the second waits at its intake',
    );
    t.same(
      (await listTasks(db, { department: '市场监管', limit: 100 })).map((r) => r.case_id),
      [first],
      'by department',
    );
    t.equal((await listTasks(db, { limit: 1 })).length, 1, 'limited');
    t.equal((await openTaskIdsOfCase(db, first)).size, 1, 'one open task of the first case');
    t.notOk((await openTaskIdsOfCase(db, first)).has(done.id), 'the completed one is not open');
    t.ok(await caseHasTaskOf(db, first, '政务服务中心'), 'a completed task still counts for its department');
    t.notOk(await caseHasTaskOf(db, second, '市场监管'), "the second case has no task of 市场监管's yet");

    t.ok(await caseExists(db, first));
    t.notOk(await caseExists(db, 'no-such-case'));
    await requireCase(db, first);
    await t.rejects(requireCase(db, 'no-such-case'), new NotFound(sayCaseMissing('no-such-case')));

    // the same functions inside a transaction see its own writes
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('tasks').set({ status: 'cancelled' }).where('case_id', '=', second).execute();
      t.same(
        await listTasks(trx, { caseId: second, status: 'open', limit: 10 }),
        [],
        'inside the transaction',
      );
      t.equal((await openTaskIdsOfCase(trx, second)).size, 0);
      await trx.updateTable('tasks').set({ status: 'open' }).where('case_id', '=', second).execute();
    });
  });
}
