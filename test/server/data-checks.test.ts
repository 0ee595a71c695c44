// Deploying a process whose expression reads a variable nothing produces, over HTTP, on each test database.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const soleProprietor = readFileSync(
  new URL('../../processes/sole-proprietor.after.bpmn', import.meta.url),
  'utf8',
);
const xmlHeaders = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };

for (const database of testDatabases()) {
  t.test(`data checks at deploy (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deploy = (payload: string) =>
      app.inject({ method: 'POST', url: '/api/definitions', headers: xmlHeaders, payload });

    // a process that declares its data (a process form): the typo is refused
    const typo = await deploy(soleProprietor.replace('=onTheSpot = true', '=onTheSpt = true'));
    t.equal(typo.statusCode, 422, typo.body);
    const finding = (
      typo.json().errors as { type: string; element?: string; detail?: string; message?: string }[]
    ).find((e) => JSON.stringify(e).includes('onTheSpt'));
    t.ok(finding, typo.body);
    t.match(JSON.stringify(finding), /onTheSpt: did you mean onTheSpot\?/);
    const listed = await app.inject({
      method: 'GET',
      url: '/api/definitions',
      headers: bearer(TOKENS.designer),
    });
    t.same(listed.json(), [], 'nothing was stored');

    // declared with gov:variables, the name deploys
    const declared = await deploy(
      soleProprietor
        .replace('=onTheSpot = true', '=onTheSpt = true')
        .replace('gov:statutoryLimit="3"', 'gov:statutoryLimit="3" gov:variables="onTheSpt"'),
    );
    t.equal(declared.statusCode, 201, declared.body);
    t.same(declared.json().warnings, []);

    // a process that declares nothing: deployed, the unknown name a warning on the 201
    const undeclared = soleProprietor
      .replace(
        '<bpmn:process id="sole_proprietor_registration"',
        '<bpmn:process id="sole_proprietor_undeclared"',
      )
      .replace('processRef="sole_proprietor_registration"', 'processRef="sole_proprietor_undeclared"')
      .replace(/<gov:form>\{"type":"object","title":"个体工商户登记申请"[^<]*<\/gov:form>/, '')
      .replace('=delivery = "online"', '=deliveryMode = "online"');
    t.not(undeclared, soleProprietor);
    const warned = await deploy(undeclared);
    t.equal(warned.statusCode, 201, warned.body);
    const warnings = warned.json().warnings as { type: string; severity: string; message: string }[];
    t.equal(warnings.filter((w) => w.type === 'unknownVariable').length, 1, JSON.stringify(warnings));
    t.match(warnings.find((w) => w.type === 'unknownVariable')?.message, /'deliveryMode'/);
  });
}
