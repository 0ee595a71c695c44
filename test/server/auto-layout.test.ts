// A BPMN file without diagram interchange (layout) is laid out when deployed, its meaning and version unchanged;
// a collaboration without layout is stored as sent with a warning. Over HTTP, on each test database.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const noLayout = readFileSync(new URL('fixtures/no-layout.bpmn', import.meta.url), 'utf8');
const collaboration = readFileSync(new URL('fixtures/no-layout-collaboration.bpmn', import.meta.url), 'utf8');
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };
const FLOW_NODES = ['start', 'review', 'check', 'reject', 'issue', 'end_ok', 'end_rejected'];
const FLOWS = ['f1', 'f2', 'to_reject', 'to_issue', 'f3', 'f4'];

type Finding = { type: string; severity: string; message: string };

for (const database of testDatabases()) {
  t.test(`diagrams without layout (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deploy = (payload: string) =>
      app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });
    const stored = async (key: string, version: number) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/definitions/${key}/versions/${version}`,
        headers: bearer(TOKENS.designer),
      });
      t.equal(res.statusCode, 200, res.body);
      return res.json().xml as string;
    };

    t.notOk(noLayout.includes('BPMNDiagram'), 'the fixture has no diagram interchange');
    const first = await deploy(noLayout);
    t.equal(first.statusCode, 201, first.body);
    t.equal(first.json().key, 'no_layout');
    t.equal(first.json().diagramLaidOut, true, 'the answer says it was laid out');
    const notice = (first.json().warnings as Finding[]).find((w) => w.type === 'diagram-laid-out');
    t.ok(notice, first.body);
    t.match(notice?.message, /流程图没有布局信息，已自动排版/);
    t.match(notice?.message, /the diagram had no layout; it was laid out automatically/);

    const xml = await stored('no_layout', first.json().version);
    const original = async (key: string, version: number) =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/definitions/${key}/versions/${version}`,
          headers: bearer(TOKENS.designer),
        })
      ).json().originalXml as string | null;
    t.equal(
      await original('no_layout', first.json().version),
      noLayout,
      'the file as deployed is kept beside',
    );
    t.match(xml, /BPMNDiagram/, 'the stored diagram has diagram interchange');
    for (const id of FLOW_NODES)
      t.match(xml, new RegExp(`BPMNShape[^>]*bpmnElement="${id}"`), `a shape for flow node ${id}`);
    for (const id of FLOWS)
      t.match(xml, new RegExp(`BPMNEdge[^>]*bpmnElement="${id}"`), `an edge for flow ${id}`);
    t.match(xml, /gov:department="市场监管"/, 'the extensions are kept');
    t.match(xml, /gov:material id="id_card"/, 'the materials are kept');
    t.match(xml, /complete = false/, 'the condition is kept');

    const again = await deploy(noLayout);
    t.equal(again.statusCode, 200, `the same file without layout again: ${again.body}`);
    t.equal(again.json().version, first.json().version);
    t.equal(again.json().diagramLaidOut, true);
    t.equal(await stored('no_layout', first.json().version), xml, 'the stored diagram is unchanged');

    const download = await deploy(xml);
    t.equal(download.statusCode, 200, `the laid-out download again: ${download.body}`);
    t.equal(download.json().version, first.json().version);
    t.equal(download.json().diagramLaidOut, false, 'the download has its layout');
    t.equal(
      await original('no_layout', first.json().version),
      null,
      'a diagram sent with its layout has no other original',
    );
    t.notOk((download.json().warnings as Finding[]).some((w) => w.type === 'diagram-laid-out'));

    // a file with layout of the same version, then that file without it: the layout made by hand stays
    const moved = xml.replace(/(<dc:Bounds x=")(\d+)/, (_m, a, x) => `${a}${Number(x) + 7}`);
    t.not(moved, xml, 'the layout was moved');
    const byHand = await deploy(moved);
    t.equal(byHand.statusCode, 200, byHand.body);
    t.equal(byHand.json().diagramUpdated, true);
    const withoutAgain = await deploy(noLayout);
    t.equal(withoutAgain.statusCode, 200, withoutAgain.body);
    t.equal(withoutAgain.json().version, first.json().version);
    t.equal(await stored('no_layout', first.json().version), moved, 'the layout made by hand is kept');

    const versions = (
      await app.inject({ method: 'GET', url: '/api/definitions', headers: bearer(TOKENS.designer) })
    ).json() as { key: string; versions: unknown[] }[];
    t.equal(versions.find((d) => d.key === 'no_layout')?.versions.length, 1, 'one version only');

    // a case runs on it
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...bearer(TOKENS.intake), 'idempotency-key': 'nl-1' },
      payload: { process: 'no_layout', businessKey: 'NL-1', variables: { applicant: '张三' } },
    });
    t.equal(started.statusCode, 201, started.body);

    t.test('a collaboration without layout: laid out pool by pool, its meaning unchanged', async (t) => {
      const res = await deploy(collaboration);
      t.equal(res.statusCode, 201, res.body);
      t.equal(res.json().diagramLaidOut, true, res.body);
      t.equal(res.json().processes.length, 2);
      t.ok(
        (res.json().warnings as Finding[]).some((w) => w.type === 'diagram-laid-out'),
        res.body,
      );
      const xml = await stored('no_layout_a', 1);
      t.equal(
        await original('no_layout_b', 1),
        collaboration,
        'the collaboration as deployed is kept beside',
      );
      t.equal(await stored('no_layout_b', 1), xml, 'both processes keep the one laid-out file');
      const box = (id: string) => {
        const m = new RegExp(
          `<bpmndi:BPMNShape[^>]*bpmnElement="${id}"[^>]*>\\s*<dc:Bounds x="([\\d.-]+)" y="([\\d.-]+)" width="([\\d.]+)" height="([\\d.]+)"`,
        ).exec(xml);
        t.ok(m, `a shape for ${id}`);
        const [x, y, w, h] = (m ?? []).slice(1).map(Number);
        return { x, y, w, h };
      };
      const pools = { pool_a: box('pool_a'), pool_b: box('pool_b'), applicant: box('applicant') };
      const inside = (inner: ReturnType<typeof box>, outer: ReturnType<typeof box>) =>
        inner.x >= outer.x &&
        inner.y >= outer.y &&
        inner.x + inner.w <= outer.x + outer.w &&
        inner.y + inner.h <= outer.y + outer.h;
      for (const id of ['a_start', 'a_task', 'a_end'])
        t.ok(inside(box(id), pools.pool_a), `${id} is drawn inside 甲部门's pool`);
      for (const id of ['b_start', 'b_task', 'b_end'])
        t.ok(inside(box(id), pools.pool_b), `${id} is drawn inside 乙部门's pool`);
      t.ok(
        pools.applicant.y + pools.applicant.h <= pools.pool_a.y,
        'the pools are stacked, the applicant (no process) on top',
      );
      t.ok(pools.pool_a.y + pools.pool_a.h <= pools.pool_b.y, 'then 甲 above 乙');
      for (const id of ['a_f1', 'a_f2', 'b_f1', 'b_f2', 'mf_apply', 'mf_notice'])
        t.match(xml, new RegExp(`BPMNEdge[^>]*bpmnElement="${id}"`), `an edge for ${id}`);
      t.match(xml, /gov:department="乙"/, 'the extensions are kept');

      const again = await deploy(collaboration);
      t.equal(again.statusCode, 200, `the same file again: ${again.body}`);
      t.equal(await stored('no_layout_a', 1), xml, 'the stored diagram is unchanged');
      const download = await deploy(xml);
      t.equal(download.statusCode, 200, `the laid-out download again: ${download.body}`);
      t.equal(download.json().diagramLaidOut, false, 'the download has its layout');
    });

    t.test('several processes without a collaboration: stored as sent, with a warning', async (t) => {
      const separate = collaboration
        .replace(/<bpmn:collaboration[\s\S]*<\/bpmn:collaboration>/, '')
        .replace(/no_layout_a/g, 'no_pools_a')
        .replace(/no_layout_b/g, 'no_pools_b');
      const res = await deploy(separate);
      t.equal(res.statusCode, 201, res.body);
      t.equal(res.json().diagramLaidOut, false);
      const warning = (res.json().warnings as Finding[]).find((w) => w.type === 'diagram-not-laid-out');
      t.ok(warning, res.body);
      t.match(warning?.message, /流程图没有布局信息，且无法自动排版/);
      t.match(warning?.message, /several processes without a collaboration/);
      t.equal(await stored('no_pools_a', 1), separate, 'stored as sent');
      t.equal(await original('no_pools_a', 1), null, 'which is the original');
    });
  });
}
