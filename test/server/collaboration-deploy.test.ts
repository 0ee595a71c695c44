// Deploying a collaboration: a file with several executable processes (pools) deploys as one unit, each process
// its own key and version; an unchanged process keeps its version, a changed one (or one calling a changed
// process of its file) gets a new one; the call into the same file runs the version deployed with the caller.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../engine/elements/call-activity-mappings.bpmn', import.meta.url), 'utf8');
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };
const versions = (body: { processes: { key: string; version: number; created: boolean }[] }) =>
  body.processes.map((p) => `${p.key}:${p.version}${p.created ? ' new' : ''}`);

for (const database of testDatabases()) {
  t.test(`a collaboration deploys as one unit (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    const deploy = (payload: string) =>
      app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });

    // when the file with the master and the police process is deployed
    const first = await deploy(xml);

    // then both are deployed, each its own key at version 1, with the message flows of the pools
    t.equal(first.statusCode, 201, first.body);
    t.same(versions(first.json()), ['birth_master:1 new', 'hukou:1 new']);
    t.match(first.json(), { key: 'birth_master', version: 1 }, 'the top-level fields are the first process');
    t.same(
      first
        .json()
        .messageFlows.map(
          (f: { id: string; source: { participant: string }; target: { element: string } }) => [
            f.id,
            f.source.participant,
            f.target.element,
          ],
        ),
      [
        ['mf_apply', 'pool_applicant', 'm_start'],
        ['mf_result', 'pool_master', null],
      ],
    );

    // when the same file is deployed again: nothing new
    const again = await deploy(xml);
    t.equal(again.statusCode, 200);
    t.same(versions(again.json()), ['birth_master:1', 'hukou:1']);

    // when only the master changes: the master gets version 2, the police process keeps version 1
    const masterChanged = xml.replace(
      'gov:department="政务服务中心"',
      'gov:department="政务服务中心综合窗口"',
    );
    const second = await deploy(masterChanged);
    t.equal(second.statusCode, 201, second.body);
    t.same(versions(second.json()), ['birth_master:2 new', 'hukou:1']);
    // the file has no layout: it is laid out at deploy, and an unchanged process keeps the diagram it has
    // (which may have been laid out by hand since: server/store/auto-layout.ts)
    t.equal(second.json().processes[1].diagramUpdated, false, 'its stored diagram stays');

    // when the called police process changes: it gets version 2, and so does its caller (it runs it)
    const calleeChanged = masterChanged.replace('gov:department="公安局"', 'gov:department="派出所"');
    const third = await deploy(calleeChanged);
    t.equal(third.statusCode, 201, third.body);
    t.same(versions(third.json()), ['birth_master:3 new', 'hukou:2 new']);

    // then a case of the master's version 3 (a draft, started by naming it) runs the police process of its file
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: {
        process: 'birth_master',
        version: 3,
        variables: { baby: { name: '李小满' }, guardian: '李明' },
      },
    });
    t.equal(started.statusCode, 201, started.body);
    t.match(started.json().openTasks, [{ elementId: 'h_register', department: '派出所' }]);

    // and a node that loads the versions from the database finds the same binding
    const fresh = new DefinitionStore(opened.db);
    t.same((await fresh.load('birth_master:3'))?.unit, { hukou: 'hukou:2' });
    t.same((await fresh.load('birth_master:2'))?.unit, { hukou: 'hukou:1' });
    t.equal((await fresh.load('hukou:1'))?.graph.nodes.h_register.department, '公安局');

    // when the file has an error in one process, nothing of it is deployed
    const broken = calleeChanged
      .replace(
        '<gov:in source="guardian" target="applicant" />',
        '<gov:in source="=guardian +" target="applicant" />',
      )
      .replace('gov:department="派出所"', 'gov:department="公安分局"');
    const refused = await deploy(broken);
    t.equal(refused.statusCode, 422, refused.body);
    t.match(refused.json().errors, [{ elementId: 'm_call', type: 'invalidExpression' }]);
    const list = await app.inject({
      method: 'GET',
      url: '/api/definitions',
      headers: bearer(TOKENS.designer),
    });
    t.same(
      (list.json() as { key: string; versions: unknown[] }[]).map((d) => [d.key, d.versions.length]),
      [
        ['birth_master', 3],
        ['hukou', 2],
      ],
    );
  });

  t.test(
    `a collaboration is stored in one transaction: all its processes or none (${database.name})`,
    async (t) => {
      const opened = await database.open();
      t.teardown(() => opened.close());
      const store = new DefinitionStore(opened.db);
      const now = new Date(Date.UTC(2026, 0, 5, 1));
      // given the database refuses the second process of the file (hukou) when it is stored
      await sql`CREATE FUNCTION refuse_hukou() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN RAISE EXCEPTION 'hukou refused for the test'; END $fn$`.execute(opened.db);
      await sql`CREATE TRIGGER refuse_hukou BEFORE INSERT ON definition_versions
      FOR EACH ROW WHEN (NEW.key = 'hukou') EXECUTE FUNCTION refuse_hukou()`.execute(opened.db);
      const stored = async () =>
        (
          await sql<{ key: string }>`SELECT key FROM definition_versions ORDER BY key`.execute(opened.db)
        ).rows.map((r) => r.key);

      // when the file is deployed
      await t.rejects(store.deploy(xml, now), /hukou refused/);

      // then not even the master, stored before it, is kept
      t.same(await stored(), [], 'nothing of the file is stored');
      // and once the database takes it, both are deployed at version 1
      await sql`DROP TRIGGER refuse_hukou ON definition_versions`.execute(opened.db);
      const deployed = await new DefinitionStore(opened.db).deploy(xml, now);
      t.same(
        deployed.processes.map((p) => `${p.key}:${p.version}`),
        ['birth_master:1', 'hukou:1'],
      );
      t.same(await stored(), ['birth_master', 'hukou']);
    },
  );
}
