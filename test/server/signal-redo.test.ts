// A signal broadcast redone after a node stopped in its middle reaches no case twice: each case records the
// broadcast's id when it receives it (its `signalThrown`), the redo skips those cases, and the starts at signal
// start events are keyed by it. `delivered` counts cases.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/messages/${name}.bpmn`, import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`a signal broadcast redone reaches each case once (${database.name})`, async (t) => {
    const { app, clock, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const { messages, db } = app.reflow;
    for (const name of ['policy-watch', 'policy', 'announce']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: fixture(name),
      });
      t.equal(res.statusCode, 201, `${name} deploys`);
    }
    const start = async (process: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process },
      });
      t.equal(res.statusCode, 201);
      return res.json().id as string;
    };
    const noted = async (caseId: string) =>
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM steps
          WHERE case_id = ${caseId} AND element_id = 'note_policy'`.execute(db)
      ).rows[0].n;
    const reviews = async () =>
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM cases WHERE process_key = 'policy_review'`.execute(db)
      ).rows[0].n;

    // given a case in 审查 that notes each new policy (a non-interrupting boundary: it keeps waiting)
    const watcher = await start('policy_watch');
    // when a case announces the policy (its signal end event)
    await start('policy_announce');
    await messages.idle();
    // then the watcher noted it once, and policy_review was started once
    t.equal(await noted(watcher), 1, 'the broadcast reached the watcher');
    t.equal(await reviews(), 1, 'the signal start event started one case');
    const [signal] = (
      await sql<{
        id: string;
        status: string;
      }>`SELECT id, status FROM messages WHERE kind = 'signal'`.execute(db)
    ).rows;
    t.equal(signal.status, 'delivered');

    // when a node had stopped before marking the broadcast done: it is claimed, and the sweep redoes it
    await sql`UPDATE messages SET status = 'claimed', claimed_at = ${new Date(clock.now)}, done_at = NULL
      WHERE id = ${signal.id}`.execute(db);
    clock.now += 120_000;
    await messages.sweep();
    await messages.idle();
    // then the watcher, still waiting for the signal, did not receive it again, and no second review started
    t.equal(await noted(watcher), 1, 'the redo skipped the case it had reached');
    t.equal(await reviews(), 1, 'the start was not made again');
    const after = await sql<{ status: string }>`SELECT status FROM messages WHERE id = ${signal.id}`.execute(
      db,
    );
    t.equal(after.rows[0].status, 'delivered', 'the redo finished the broadcast');

    // and a broadcast from the API reaches the watcher again (another broadcast), counted per case
    const res = await app.inject({
      method: 'POST',
      url: '/api/signals',
      headers: bearer(TOKENS.admin),
      payload: { name: 'policy-changed' },
    });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { delivered: 1, started: 1 }, 'one case reached, one started');
    t.equal(await noted(watcher), 2);
  });
}
