// Polling with ETags (README: 实时更新 / Live updates): GET /api/tasks and GET /api/warnings answer with an ETag; the
// same list asked again with If-None-Match (the tag, a list holding it, a proxy's weak W/ form, or *) is a 304
// without a body; a change (a new task, a task claimed, a note on a card) gives a new tag and the new list.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`ETag polling of the inbox and the cards (${database.name})`, async (t) => {
    const built = await buildTestApp(await database.open());
    t.teardown(() => built.close());
    const { app } = built;
    const get = (url: string, token: string, ifNoneMatch?: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: { ...bearer(token), ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) },
      });
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: permit,
    });
    t.equal(deployed.statusCode, 201, deployed.body);
    const start = async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { applicant: '张三' } },
      });
      t.equal(created.statusCode, 201, created.body);
      return created.json().id as string;
    };
    await start();
    const inbox = '/api/tasks?status=open&claimed=false&sort=due';

    const first = await get(inbox, TOKENS.market);
    t.equal(first.statusCode, 200);
    const tag = String(first.headers.etag);
    t.match(tag, /^"[\w-]+"$/, 'a quoted ETag');
    t.equal(first.headers['cache-control'], 'private, no-cache', 'asked again each time, never shared');
    for (const held of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
      const again = await get(inbox, TOKENS.market, held);
      t.equal(again.statusCode, 304, `unchanged, If-None-Match: ${held}`);
      t.equal(again.body, '', 'no body');
    }
    t.equal((await get(inbox, TOKENS.market, '"other"')).statusCode, 200, 'another tag: the list');
    t.not(
      String((await get(inbox, TOKENS.police)).headers.etag),
      tag,
      "another department's list, another tag",
    );

    // a new task in the queue: a new tag and the longer list
    await start();
    const changed = await get(inbox, TOKENS.market, tag);
    t.equal(changed.statusCode, 200, 'changed since the tag');
    t.equal(changed.json().length, first.json().length + 1, 'the new task listed');
    t.not(String(changed.headers.etag), tag);

    // a card raised, then a note on it, each changes the cards' tag
    const cards = await get('/api/warnings', TOKENS.market);
    const cardsTag = String(cards.headers.etag);
    t.equal((await get('/api/warnings', TOKENS.market, cardsTag)).statusCode, 304);
    const scheduler = new WarningScheduler(built.app.reflow.db, built.service, {
      nodeId: 'etag',
      clock: () => built.clock.now + 30 * 24 * 3_600_000,
    });
    t.ok((await scheduler.tick()) > 0, 'cards raised a month later');
    await scheduler.stop();
    const raised = await get('/api/warnings', TOKENS.market, cardsTag);
    t.equal(raised.statusCode, 200, 'a card raised: the new list');
    const card = raised.json()[0] as { id: string };
    const noted = await app.inject({
      method: 'POST',
      url: `/api/warnings/${card.id}/notes`,
      headers: bearer(TOKENS.supervisor),
      payload: { text: '请尽快办结' },
    });
    t.equal(noted.statusCode, 201, noted.body);
    const withNote = await get('/api/warnings', TOKENS.market, String(raised.headers.etag));
    t.equal(withNote.statusCode, 200, 'a note written: the new list');
    t.same(
      withNote
        .json()
        .find((c: { id: string }) => c.id === card.id)
        .notes.map((n: { text: string }) => n.text),
      ['请尽快办结'],
    );
  });
}
