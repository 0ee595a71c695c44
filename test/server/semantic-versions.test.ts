// Deploying the same process in another form (layout, defaults, element order, prefixes) is the same version;
// a change of meaning is a new one. On each test database.
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { reflowModdle } from '../../engine/model/parse.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const dir = new URL('../../processes/', import.meta.url);
// before before after: the two forms of a process share its key, so "after" is its version 2
const samples = readdirSync(dir)
  .filter((f) => f.endsWith('.bpmn'))
  .sort((a, b) => Number(a.includes('.after.')) - Number(b.includes('.after.')) || a.localeCompare(b));
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };

/** Moddle elements are untyped. */
type El = any;

/**
 * What a modeler's save does to a diagram without changing its meaning: elements written in another order
 * (every flow node reversed; sequence flows keep their order, which decides an exclusive gateway), shapes
 * moved, defaults dropped (`source="applicant"`, `isExecutable` kept), other namespace prefixes, other
 * indentation.
 */
async function sameMeaningOtherForm(xml: string): Promise<string> {
  const { rootElement } = await reflowModdle.fromXML(xml);
  for (const root of rootElement.rootElements as El[]) {
    if (root.$type !== 'bpmn:Process') continue;
    const flows = root.flowElements.filter((e: El) => e.$type === 'bpmn:SequenceFlow');
    const nodes = root.flowElements.filter((e: El) => e.$type !== 'bpmn:SequenceFlow').reverse();
    root.flowElements = [...flows, ...nodes];
  }
  for (const diagram of (rootElement.diagrams ?? []) as El[]) {
    const plane = diagram.plane;
    plane.planeElement = [...plane.planeElement].reverse();
    for (const shape of plane.planeElement) {
      if (shape.bounds) shape.bounds.x += 40;
      for (const point of shape.waypoint ?? []) point.x += 40;
    }
  }
  const { xml: written } = await reflowModdle.toXML(rootElement, { format: false });
  return written
    .replaceAll(' source="applicant"', '')
    .replace(/(<\/?|\s|")bpmn:/g, '$1semantic:')
    .replaceAll('xmlns:bpmn=', 'xmlns:semantic=')
    .replace(/(<\/?|\s)gov:/g, '$1g:')
    .replaceAll('xmlns:gov=', 'xmlns:g=')
    .replaceAll('><', '>\n    <');
}

for (const database of testDatabases()) {
  t.test(`semantic versions (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deploy = (payload: string) =>
      app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });

    const deployed = new Map<string, { key: string; version: number; xml: string }>();
    for (const file of samples) {
      const xml = readFileSync(new URL(file, dir), 'utf8');
      const first = await deploy(xml);
      t.equal(first.statusCode, 201, `${file} deploys: ${first.body}`);
      deployed.set(file, { key: first.json().key, version: first.json().version, xml });
    }

    const countVersions = async () =>
      (
        (
          await app.inject({ method: 'GET', url: '/api/definitions', headers: bearer(TOKENS.designer) })
        ).json() as { versions: unknown[] }[]
      ).reduce((n, d) => n + d.versions.length, 0);

    t.test('a round trip that changes only form is the same version, its diagram updated', async (t) => {
      // a collaboration (the 一件事 sample) deploys one version per executable process
      const deployedVersions = await countVersions();
      for (const file of samples) {
        const { key, version, xml } = deployed.get(file) as { key: string; version: number; xml: string };
        const other = await sameMeaningOtherForm(xml);
        t.not(other, xml, `${file}: the round trip changed the text`);
        t.notOk(other.includes('source="applicant"'), `${file}: defaults dropped`);
        const again = await deploy(other);
        t.equal(again.statusCode, 200, `${file}: ${again.body}`);
        t.equal(again.json().version, version, `${file}: same version`);
        t.equal(again.json().diagramUpdated, true, `${file}: the stored diagram is the new one`);
        const stored = await app.inject({
          method: 'GET',
          url: `/api/definitions/${key}/versions/${version}`,
          headers: bearer(TOKENS.designer),
        });
        t.equal(stored.json().xml, other, `${file}: version ${version} now holds the new diagram`);
        // and the identical text again is plainly the same version
        const identical = await deploy(other);
        t.equal(identical.statusCode, 200);
        t.equal(identical.json().diagramUpdated, false);
      }
      t.equal(await countVersions(), deployedVersions, 'no version was added');
    });

    t.test('a change of meaning is a new version', async (t) => {
      const file = 'sole-proprietor.after.bpmn';
      const { key, xml } = deployed.get(file) as { key: string; version: number; xml: string };
      const top = async () =>
        Math.max(
          ...((
            (
              await app.inject({ method: 'GET', url: '/api/definitions', headers: bearer(TOKENS.designer) })
            ).json() as {
              key: string;
              versions: { version: number }[];
            }[]
          )
            .find((d) => d.key === key)
            ?.versions.map((v) => v.version) ?? []),
        );
      const before = await top();
      const changes: [string, string][] = [
        [
          'a time limit',
          xml.replace(
            '<bpmn:userTask id="review" name="审核登记" gov:timeLimit="3">',
            '<bpmn:userTask id="review" name="审核登记" gov:timeLimit="5">',
          ),
        ],
        ['a condition', xml.replace('=onTheSpot = true', '=onTheSpot = false')],
        [
          'a material from the applicant now shared',
          xml.replace(
            'id="premises-proof" name="经营场所证明" source="applicant"',
            'id="premises-proof" name="经营场所证明" source="shared"',
          ),
        ],
      ];
      let expected = before;
      for (const [what, changed] of changes) {
        t.not(changed, xml, `${what}: the fixture holds the text replaced`);
        const answer = await deploy(changed);
        t.equal(answer.statusCode, 201, `${what}: ${answer.body}`);
        t.equal(answer.json().version, ++expected, `${what}: a new version`);
        // the same change in another form is that new version
        const otherForm = await deploy(await sameMeaningOtherForm(changed));
        t.equal(otherForm.statusCode, 200, `${what} in another form: ${otherForm.body}`);
        t.equal(otherForm.json().version, expected);
      }
    });

    t.test(
      'the order of the flows out of an exclusive gateway counts: it decides which of two true conditions wins',
      async (t) => {
        const xml = readFileSync(new URL('sole-proprietor.after.bpmn', dir), 'utf8');
        const { rootElement } = await reflowModdle.fromXML(xml);
        const process = (rootElement.rootElements as El[]).find((e) => e.$type === 'bpmn:Process');
        const flows = process.flowElements.filter((e: El) => e.$type === 'bpmn:SequenceFlow');
        const fromGateway = flows.filter((f: El) => f.sourceRef.id === 'delivery_choice');
        t.ok(fromGateway.length >= 2, 'the gateway has two flows out');
        const others = process.flowElements.filter((e: El) => !fromGateway.includes(e));
        process.flowElements = [...others, ...[...fromGateway].reverse()];
        const { xml: reordered } = await reflowModdle.toXML(rootElement);
        const answer = await deploy(reordered);
        t.equal(answer.statusCode, 201, answer.body);
      },
    );

    t.test('versions stored before the semantic hash get theirs from their XML', async (t) => {
      const xml = readFileSync(new URL('fixtures/correction.bpmn', import.meta.url), 'utf8');
      const first = await deploy(xml);
      t.equal(first.statusCode, 201, first.body);
      // as a row written before the migration: no semantic hash
      await app.reflow.db
        .updateTable('definition_versions')
        .set({ semantic_hash: null })
        .where('id', '=', first.json().id)
        .execute();
      const again = await deploy(await sameMeaningOtherForm(xml));
      t.equal(again.statusCode, 200, again.body);
      t.equal(again.json().version, first.json().version);
      const row = await app.reflow.db
        .selectFrom('definition_versions')
        .select('semantic_hash')
        .where('id', '=', first.json().id)
        .executeTakeFirstOrThrow();
      t.match(row.semantic_hash, /^s1:[0-9a-f]{64}$/);
    });
  });
}
