// Reading findings: unreadable XML, ids and references, attributes and content moddle cannot place.
import t from 'tap';
import { parseBpmn } from '../../../engine/model/parse.js';
import type { Finding } from '../../../engine/model/types.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" xmlns:x="http://vendor.example/x" id="defs" targetNamespace="urn:reflow:test">`;
/** A document holding process `p` with this content. */
const doc = (content: string): string => `${HEAD}
  <bpmn:process id="p" isExecutable="true">
${content}
  </bpmn:process>
</bpmn:definitions>`;

type Row = [string | null, string, string];
const rows = (findings: Finding[]): Row[] => findings.map((f) => [f.elementId, f.type, f.severity]);

/** 1-based line and column of the first occurrence of `needle`. */
function where(xml: string, needle: string): { line: number; column: number } {
  const index = xml.indexOf(needle);
  const before = xml.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

t.test('malformedXml: the line and column where reading stopped', async (t) => {
  // given a closing tag that does not match
  const xml = `${HEAD}\n  <bpmn:process id="p">\n  </bpmn:proc>\n</bpmn:definitions>`;
  // when
  const { graph, findings } = await parseBpmn(xml);
  // then
  t.equal(graph, null);
  t.same(rows(findings), [[null, 'malformedXml', 'error']]);
  t.match(findings[0], { ...where(xml, '</bpmn:proc>') });
  t.match(findings[0].message, /closing tag mismatch near <\/bpmn:proc> at line 4, column 3/);
});

t.test('malformedXml: a document that is not BPMN', async (t) => {
  // given / when
  const { graph, findings } = await parseBpmn('<html><body/></html>');
  // then
  t.equal(graph, null);
  t.same(rows(findings), [[null, 'malformedXml', 'error']]);
  t.match(
    findings[0].message,
    /root element is not <definitions> of namespace http:\/\/www.omg.org\/spec\/BPMN\/20100524\/MODEL/,
  );
});

t.test('duplicateId: the second element is named with its line, and was not read', async (t) => {
  // given
  const xml = doc('    <bpmn:task id="t" name="first" />\n    <bpmn:userTask id="t" name="second" />');
  // when
  const { graph, findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [['t', 'duplicateId', 'error']]);
  t.match(findings[0], where(xml, '<bpmn:userTask'));
  t.match(findings[0].message, /<bpmn:userTask> 't' at line 5, column 5 was not read/);
  t.equal(graph?.nodes.t.type, 'task');
});

t.test(
  'unresolvedReference: a flow to a node that does not exist, reported once with its line',
  async (t) => {
    // given
    const xml = doc(
      '    <bpmn:task id="t" />\n    <bpmn:sequenceFlow id="f" sourceRef="t" targetRef="nope" />',
    );
    // when
    const { findings } = await parseBpmn(xml);
    // then
    t.same(rows(findings), [['f', 'unresolvedReference', 'error']]);
    t.match(findings[0], where(xml, 'nope'));
    t.match(findings[0].message, /sequenceFlow 'f' refers in targetRef to 'nope', which does not exist/);
  },
);

t.test('unresolvedReference: a flow without a source attribute', async (t) => {
  // given
  const xml = doc('    <bpmn:task id="t" />\n    <bpmn:sequenceFlow id="f" targetRef="t" />');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [['f', 'unresolvedReference', 'error']]);
  t.match(findings[0].message, /has no source/);
});

t.test('externalReference: a reference into a vendor namespace is a warning, not an error', async (t) => {
  // given an interface operation whose out message is a vendor placeholder (as Trisotech writes)
  const xml = `${HEAD}
  <bpmn:interface id="i" name="HR"><bpmn:operation id="op" name="delete"><bpmn:inMessageRef>m</bpmn:inMessageRef><bpmn:outMessageRef>x:unspecified</bpmn:outMessageRef></bpmn:operation></bpmn:interface>
  <bpmn:message id="m" />
  <bpmn:process id="p" isExecutable="true"><bpmn:task id="t" /></bpmn:process>
</bpmn:definitions>`;
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [['op', 'externalReference', 'warning']]);
  t.match(findings[0], where(xml, 'x:unspecified'));
  t.match(
    findings[0].message,
    /operation 'op' refers in outMessageRef to 'x:unspecified' of namespace http:\/\/vendor.example\/x/,
  );
});

t.test(
  'externalReference: a flow ending in another document still gets an error, as it connects nothing',
  async (t) => {
    // given
    const xml = doc(
      '    <bpmn:task id="t" />\n    <bpmn:sequenceFlow id="f" sourceRef="t" targetRef="x:elsewhere" />',
    );
    // when
    const { findings } = await parseBpmn(xml);
    // then
    t.same(rows(findings), [
      ['f', 'externalReference', 'warning'],
      ['f', 'unresolvedReference', 'error'],
    ]);
  },
);

t.test('unknownAttribute: a misspelt gov attribute, with a suggestion', async (t) => {
  // given
  const xml = doc('    <bpmn:userTask id="t" gov:departmnet="窗口" />');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [['t', 'unknownAttribute', 'error']]);
  t.match(findings[0], where(xml, 'gov:departmnet'));
  t.match(
    findings[0].message,
    /userTask 't' has attribute gov:departmnet.*correct its spelling \(gov:department\?\)/,
  );
});

t.test('unknownAttribute: a gov attribute on an element it does not apply to', async (t) => {
  // given
  const xml = doc('    <bpmn:exclusiveGateway id="g" gov:department="窗口" />');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [['g', 'unknownAttribute', 'error']]);
  t.match(findings[0].message, /gov:department applies to activity only/);
});

t.test('a foreign attribute is legal extension content and is kept without a finding', async (t) => {
  // given
  const xml = doc('    <bpmn:task id="t" x:color="red" />');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(findings, []);
});

t.test('invalidAttributeValue: gov numbers and booleans that moddle would coerce silently', async (t) => {
  // given 5天 would read as 5, "1" as false, "yes" as false
  const xml = doc(`    <bpmn:userTask id="t" gov:department="窗口" gov:timeLimit="5天" gov:inPerson="1">
      <bpmn:extensionElements><gov:materials><gov:material id="lease" name="租赁合同" required="yes" /></gov:materials></bpmn:extensionElements>
    </bpmn:userTask>`);
  // when
  const { graph, findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [
    ['t', 'invalidAttributeValue', 'error'],
    ['t', 'invalidAttributeValue', 'error'],
    ['t', 'invalidAttributeValue', 'error'],
  ]);
  t.match(findings[0], { ...where(xml, 'gov:timeLimit'), message: /gov:timeLimit="5天" .* is not a number/ });
  t.match(findings[1], { ...where(xml, 'gov:inPerson'), message: /is not true or false/ });
  t.match(findings[2], { ...where(xml, 'required="yes"'), message: /required="yes" on <gov:material>/ });
  t.equal(graph?.nodes.t.timeLimit, 5, 'what moddle read');
});

t.test(
  'unparsableContent: vendor content outside extensionElements is dropped, so an error naming tag and line',
  async (t) => {
    // given
    const xml = doc('    <bpmn:task id="t"><x:colour id="c1" value="red" /></bpmn:task>');
    // when
    const { findings } = await parseBpmn(xml);
    // then
    t.same(rows(findings), [['c1', 'unparsableContent', 'error']]);
    t.match(findings[0], where(xml, '<x:colour'));
    t.match(
      findings[0].message,
      /<x:colour> 'c1' at line 4, column 23 is content of namespace http:\/\/vendor.example\/x outside bpmn:extensionElements.*move it into the <bpmn:extensionElements>/,
    );
  },
);

t.test('vendor content inside extensionElements is legal and kept: no finding', async (t) => {
  // given
  const xml = doc(
    '    <bpmn:task id="t"><bpmn:extensionElements><x:colour value="red"><x:shade /></x:colour></bpmn:extensionElements></bpmn:task>',
  );
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(findings, []);
});

t.test('unparsableContent: an unknown gov element, with a suggestion', async (t) => {
  // given
  const xml = doc(
    '    <bpmn:task id="t"><bpmn:extensionElements><gov:materiels /></bpmn:extensionElements></bpmn:task>',
  );
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [[null, 'unparsableContent', 'error']]);
  t.match(findings[0], where(xml, '<gov:materiels'));
  t.match(
    findings[0].message,
    /<gov:materiels> at line 4, column 47 is not one of Reflow's extension elements.*\(gov:materials\?\)/,
  );
});

t.test('unparsableContent: an unknown BPMN element and stray text', async (t) => {
  // given
  const xml = doc('    <bpmn:taks id="t2" />\n    <bpmn:task id="t">hello</bpmn:task>');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [
    ['t2', 'unparsableContent', 'error'],
    [null, 'unparsableContent', 'error'],
  ]);
  t.match(findings[0].message, /<bpmn:taks> 't2' at line 4, column 5 is not a BPMN 2.0 element type/);
  t.match(findings[1].message, /has text 'hello' where none is allowed/);
  t.equal(findings[1].line, 5);
});

t.test('unsupportedEncoding: an ASCII document reads the same in any declared encoding', async (t) => {
  // given MIWG-style ISO-8859-1 declarations on ASCII text
  const xml = doc('    <bpmn:task id="t" />').replace('UTF-8', 'ISO-8859-1');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(findings, []);
});

t.test('unsupportedEncoding: non-ASCII text under another declared encoding is a warning', async (t) => {
  // given
  const xml = doc('    <bpmn:task id="t" name="受理" />').replace('UTF-8', 'GB18030');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [[null, 'unsupportedEncoding', 'warning']]);
  t.match(findings[0], { line: 4, message: /declares encoding GB18030/ });
});

t.test('unsupportedEncoding: text that was decoded wrongly is an error', async (t) => {
  // given a GBK file decoded as UTF-8: replacement characters
  const xml = doc('    <bpmn:task id="t" name="\uFFFD\uFFFD" />').replace('UTF-8', 'GBK');
  // when
  const { findings } = await parseBpmn(xml);
  // then
  t.same(rows(findings), [[null, 'unsupportedEncoding', 'error']]);
  t.match(
    findings[0].message,
    /characters that were not decoded \(first at line 4\): save the file as UTF-8/,
  );
});
