// The write statement carries each column as one parameter (an array literal, or one JSON array for json and
// jsonb columns): every string, number and document must come back exactly as it went in, on each database,
// whatever it holds — quotes, backslashes, commas, braces, the word NULL, line breaks, empty strings, CJK.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { CaseService } from '../../server/cases/case-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const AWKWARD = [
  'a "quoted", {braced} \\ back\\slash',
  'NULL',
  'line\nbreak\ttab',
  '受理 ✓ 「引号」',
  ' ',
  '',
];
const xmlEscape = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');

// the bench process with awkward task names and departments
const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8')
  .replace('id="business_registration_bench"', 'id="awkward_strings"')
  .replace(
    'name="受理" gov:department="市场监管"',
    `name="${xmlEscape(AWKWARD[0])}" gov:department="${xmlEscape(AWKWARD[1])}"`,
  )
  .replace(
    'name="公章刻制" gov:department="公安"',
    `name="${xmlEscape(AWKWARD[2])}" gov:department="${xmlEscape(AWKWARD[3])}"`,
  );

for (const database of testDatabases()) {
  t.test(`batch parameters keep every value exactly (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const definitions = new DefinitionStore(db);
    const deployed = await definitions.deploy(xml, new Date());
    const service = new CaseService(db, definitions);
    // the version pinned and already compiled: no start waits on the database before its write, so the starts
    // all reach the batcher while the first write is in flight and the rest share the next ones
    await definitions.load(deployed.id);
    const variables = {
      text: AWKWARD.join('|'),
      big: 2 ** 53 - 1,
      small: -0.000125,
      nested: { list: [null, true, '{}'] },
    };
    // started together, so they share batches: one array literal holds all their values
    const started = await Promise.all(
      AWKWARD.map((key, i) =>
        service.start(
          {
            process: 'awkward_strings',
            version: deployed.version,
            businessKey: key,
            channel: AWKWARD[(i + 1) % AWKWARD.length],
            variables,
          },
          `actor ${key}`,
        ),
      ),
    );
    t.ok(service.writer.stats.batches < AWKWARD.length, 'the starts shared a write');
    await Promise.all(started.map(({ view }) => service.completeTask(view.openTasks[0].id, {}, 'clerk')));

    const rows = (
      await sql<{
        business_key: string;
        channel: string;
      }>`SELECT business_key, channel FROM cases ORDER BY business_key`.execute(db)
    ).rows;
    t.same(rows.map((r) => r.business_key).sort(), [...AWKWARD].sort(), 'business keys as given');
    t.same(rows.map((r) => r.channel).sort(), [...AWKWARD].sort(), 'channels as given');
    const steps = (
      await sql<{ element_id: string; name: string; department: string }>`
        SELECT DISTINCT element_id, name, department FROM steps WHERE element_id IN ('accept', 'seal') ORDER BY element_id`.execute(
        db,
      )
    ).rows;
    t.same(steps, [
      { element_id: 'accept', name: AWKWARD[0], department: AWKWARD[1] },
      { element_id: 'seal', name: AWKWARD[2], department: AWKWARD[3] },
    ]);
    const tasks = (
      await sql<{
        name: string;
        department: string;
      }>`SELECT DISTINCT name, department FROM tasks WHERE element_id = 'seal'`.execute(db)
    ).rows;
    t.same(tasks, [{ name: AWKWARD[2], department: AWKWARD[3] }]);
    const actors = (
      await sql<{
        actor: string;
      }>`SELECT DISTINCT actor FROM audit_events WHERE type = 'caseStarted'`.execute(db)
    ).rows;
    t.same(
      actors.map((a) => a.actor).sort(),
      AWKWARD.map((k) => `actor ${k}`).sort(),
      'audit actors as given',
    );
    // read back from the database, not from the node's memory
    const fresh = new CaseService(db, definitions, { cacheSize: 0 });
    for (const { view } of started) {
      const stored = await fresh.view(view.id);
      t.same(stored.variables, variables, 'the snapshot keeps the variables exactly');
      t.same(stored.businessKey, view.businessKey);
      t.same(stored.timeline.map((s) => s.name).slice(0, 1), [AWKWARD[0]]);
    }
  });
}
