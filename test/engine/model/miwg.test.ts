// The 21 BPMN MIWG reference diagrams: read without a crash, with precise findings.
import { readdir, readFile } from 'node:fs/promises';
import t from 'tap';
import type { Finding } from '../../../engine/model/types.js';
import { parseAndValidate } from '../../../engine/model/validate.js';

const MIWG = new URL('../../conformance/miwg/', import.meta.url);
const read = (name: string): Promise<string> => readFile(new URL(name, MIWG), 'utf8');
type Row = [string | null, string, string];
const rows = (findings: Finding[]): Row[] => findings.map((f) => [f.elementId, f.type, f.severity]);

t.test('every reference diagram parses and validates without a crash, each finding precise', async (t) => {
  // given
  const names = (await readdir(MIWG)).filter((n) => n.endsWith('.bpmn')).sort();
  t.equal(names.length, 21);
  for (const name of names) {
    // when
    const result = await parseAndValidate(await read(name));
    // then
    t.ok(result.graph, `${name}: a process is read`);
    for (const finding of result.findings) {
      t.match(finding.type, /^[a-z][A-Za-z]+$/, `${name}: camelCase type`);
      t.ok(finding.severity === 'error' || finding.severity === 'warning', `${name}: severity`);
      t.ok(finding.message.length > 20, `${name}: ${finding.message}`);
      t.ok(finding.elementId, `${name}: ${finding.type} names its element`);
      if (finding.line !== undefined)
        t.ok(finding.line > 0 && (finding.column ?? 1) > 0, `${name}: position`);
    }
    t.notOk(
      result.findings.some((f) => f.type === 'unparsableContent' || f.type === 'unsupportedEncoding'),
      `${name}: nothing unread (ASCII under an ISO-8859-1 declaration reads the same)`,
    );
  }
});

t.test('A.1.0: a plain sequence of tasks has no findings', async (t) => {
  // given
  const xml = await read('A.1.0.bpmn');
  // when
  const { graph, findings } = await parseAndValidate(xml);
  // then
  t.same(findings, []);
  t.equal(Object.keys(graph!.nodes).length, 5);
});

t.test('A.3.0: the non-interrupting message boundary event has no message', async (t) => {
  // given
  const xml = await read('A.3.0.bpmn');
  // when
  const { findings } = await parseAndValidate(xml);
  // then
  t.same(rows(findings), [['_428dcbf5-8e5e-48e0-9c0c-d93003fa8c82', 'missingMessage', 'error']]);
  t.match(
    findings[0].message,
    /message boundaryEvent '.*' \(Boundary Intermediate Event Non-Interrupting Message\)/,
  );
});

t.test('C.1.0: the JUEL conditions of the invoice process and its unbound service task', async (t) => {
  // given
  const xml = await read('C.1.0.bpmn');
  // when
  const { findings } = await parseAndValidate(xml);
  // then
  t.same(rows(findings), [
    ['invoiceApproved', 'invalidExpression', 'error'],
    ['invoiceNotApproved', 'invalidExpression', 'error'],
    ['reviewSuccessful', 'invalidExpression', 'error'],
    ['reviewNotSuccessful', 'invalidExpression', 'error'],
    ['archiveInvoice', 'missingHandler', 'error'],
  ]);
  t.match(findings[0].message, /'\$\{approved\}' is a JUEL expression/);
  t.match(findings[4].message, /serviceTask 'archiveInvoice' \(Archive Invoice\) has no gov:handler/);
});

t.test('C.8.1: Trisotech placeholders are external references, warnings with their line', async (t) => {
  // given
  const xml = await read('C.8.1.bpmn');
  // when
  const { findings } = await parseAndValidate(xml);
  // then
  t.same(rows(findings), [
    ['_83f1c680-7e06-4a9a-9206-396ed8155a71', 'externalReference', 'warning'],
    ['_a0e96e19-a01f-4dde-b613-0b774e8d350b', 'externalReference', 'warning'],
    ['_04bf649c-423c-4312-b813-cf585ce5a82f', 'externalReference', 'warning'],
    ['_2b960d84-feb1-46a9-a1a1-c300dd996b99', 'missingHandler', 'error'],
    ['_79523269-7444-4b01-90e9-e23957a9d020', 'missingDepartment', 'error'],
    ['_4b72053b-8ebb-4ae6-99c6-7c93cf1c1d1b', 'missingHandler', 'error'],
    ['_5e16a4e0-0f23-482a-be47-d3edbc5741ba', 'missingHandler', 'error'],
  ]);
  t.same(
    findings.slice(0, 3).map((f) => [f.line, f.column]),
    [
      [74, 37],
      [95, 37],
      [99, 37],
    ],
  );
  t.match(
    findings[0].message,
    /refers in outMessageRef to 'triso:unspecified' of namespace http:\/\/www.trisotech.com\/2015\/triso\/modeling/,
  );
});

t.test('C.9.1: the user task has neither gov:department nor a lane', async (t) => {
  // given
  const xml = await read('C.9.1.bpmn');
  // when
  const { findings } = await parseAndValidate(xml);
  // then
  t.same(rows(findings), [['UserTask_CallCustomer', 'missingDepartment', 'error']]);
});
