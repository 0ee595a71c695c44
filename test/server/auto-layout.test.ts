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

    t.test('a collaboration without layout: stored as sent, with a warning', async (t) => {
      const res = await deploy(collaboration);
      t.equal(res.statusCode, 201, res.body);
      t.equal(res.json().diagramLaidOut, false);
      t.equal(res.json().processes.length, 2);
      const warning = (res.json().warnings as Finding[]).find((w) => w.type === 'diagram-not-laid-out');
      t.ok(warning, res.body);
      t.match(warning?.message, /流程图没有布局信息，且无法自动排版/);
      t.match(warning?.message, /could not be laid out automatically/);
      t.match(warning?.message, /collaboration/);
      t.equal(await stored('no_layout_a', 1), collaboration, 'stored as sent');
    });
  });
}
