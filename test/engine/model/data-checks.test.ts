// Data checks on expressions: a variable read that nothing in the process produces.
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { variablesRead } from '../../../engine/model/data-checks.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';

const dir = new URL('../../../processes/', import.meta.url);
const soleProprietor = readFileSync(new URL('sole-proprietor.after.bpmn', dir), 'utf8');

/** A process reading `read` in a condition; `declare` goes on the process element. */
const process = (read: string, declare = '', form = '') => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="p" isExecutable="true" ${declare}>
    ${form ? `<bpmn:extensionElements><gov:form>${form}</gov:form></bpmn:extensionElements>` : ''}
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f3" />
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>${read}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

t.test(
  'the typo in the sole-proprietor condition is refused, naming it and the nearest known name',
  async (t) => {
    const typo = soleProprietor.replace('=onTheSpot = true', '=onTheSpt = true');
    t.not(typo, soleProprietor);
    const result = await compileDefinition(typo);
    t.equal(result.ok, false);
    const found = result.findings.filter((f) => f.type === 'unknownVariable');
    t.equal(found.length, 1, JSON.stringify(found));
    t.equal(found[0].severity, 'error');
    t.match(found[0].message, /=onTheSpt = true/);
    t.match(found[0].message, /'onTheSpt'/);
    t.match(found[0].message, /onTheSpt: did you mean onTheSpot\?/);
    t.match(found[0].message, /gov:variables/);
    // a stored definition with it still loads (its cases go on), the finding a warning
    const stored = await compileDefinition(typo, {}, { stored: true });
    t.equal(stored.ok, true);
    t.equal(stored.findings.find((f) => f.type === 'unknownVariable')?.severity, 'warning');
  },
);

t.test('every sample process reads only variables it produces', async (t) => {
  const samples = readdirSync(dir).filter((f) => f.endsWith('.bpmn'));
  t.ok(samples.length >= 7);
  for (const file of samples) {
    const result = await compileDefinition(readFileSync(new URL(file, dir), 'utf8'));
    t.equal(result.ok, true, `${file}: ${JSON.stringify(result.findings)}`);
    t.same(
      result.findings.filter((f) => f.type === 'unknownVariable'),
      [],
      `${file}: no unknown variable`,
    );
  }
});

t.test('a process that declares nothing gets a warning; one that declares its data, an error', async (t) => {
  const undeclared = await compileDefinition(process('=approved'));
  t.equal(undeclared.ok, true);
  const warning = undeclared.findings.find((f) => f.type === 'unknownVariable');
  t.equal(warning?.severity, 'warning');
  t.equal(warning?.elementId, 'f2');
  t.match(warning?.message, /no variable of the process is like it/);

  // declared by gov:variables: the name is known, a near miss is an error with the suggestion
  const declared = await compileDefinition(process('=approved', 'gov:variables="approved, paymentId"'));
  t.equal(declared.ok, true, JSON.stringify(declared.findings));
  t.same(
    declared.findings.filter((f) => f.type === 'unknownVariable'),
    [],
  );
  const miss = await compileDefinition(process('=aproved', 'gov:variables="approved paymentId"'));
  t.equal(miss.ok, false);
  t.match(
    miss.findings.find((f) => f.type === 'unknownVariable')?.message,
    /aproved: did you mean approved\?/,
  );

  // declared by a process form: its fields are known, others are errors
  const form = '{"type":"object","properties":{"amount":{"type":"number"}}}';
  t.equal((await compileDefinition(process('=amount > 10', '', form))).ok, true);
  const other = await compileDefinition(process('=amount > limit', '', form));
  t.equal(other.ok, false);
  t.match(other.findings.find((f) => f.type === 'unknownVariable')?.message, /'limit'/);
});

t.test('a collection is not told to read its own element variable, which is set only after it', async (t) => {
  const xml = readFileSync(new URL('../elements/user-task.bpmn', import.meta.url), 'utf8');
  const result = await compileDefinition(xml);
  const finding = result.findings.find((f) => f.type === 'unknownVariable' && f.elementId === 'joint_review');
  t.ok(finding, JSON.stringify(result.findings));
  t.match(finding?.message, /'reviewers'/);
  t.notMatch(finding?.message, /did you mean reviewer\?/);
});

t.test('what an expression reads: free names only', async (t) => {
  t.same(variablesRead('=onTheSpot = true'), ['onTheSpot']);
  t.same(
    variablesRead('count(items) > 2 and applicant.age > 18'),
    ['items', 'applicant'],
    'callee and property names are not variables',
  );
  t.same(variablesRead('string length(name) > 0'), ['name']);
  t.same(
    variablesRead('for x in list return x * factor'),
    ['list', 'factor'],
    'an iteration variable is bound',
  );
  t.same(variablesRead('some i in scores satisfies i > limit'), ['scores', 'limit']);
  t.same(variablesRead('reviewers[item.done = false]'), ['reviewers'], 'item in a filter');
  t.same(variablesRead('{a: 1, b: a + c}.b'), ['c'], 'context keys');
  t.same(variablesRead('(function(p) p + q)(1)'), ['q'], 'function parameters');
  t.same(variablesRead('"text" + string(today())'), []);
  t.equal(variablesRead('(a + b'), null, 'a syntax error is left to the syntax check');
  const huge = `[${Array.from({ length: 60_000 }, (_, i) => i).join(',')}]`;
  t.equal(variablesRead(huge), null, 'a literal too large to run is not parsed (the size check refuses it)');
});

t.test('a comparison of values of different kinds, where forms give the types, is a warning', async (t) => {
  const form =
    '{"type":"object","properties":{"approved":{"type":"boolean"},"amount":{"type":"integer"},"name":{"type":"string"}}}';
  const warned = async (condition: string) =>
    (await compileDefinition(process(condition, '', form))).findings.filter(
      (f) => f.type === 'incompatibleComparison',
    );
  const boolean = await warned('approved = "yes"');
  t.equal(boolean.length, 1);
  t.match(boolean[0], {
    elementId: 'f2',
    severity: 'warning',
    message: /compares approved \(a boolean by its form\) with "yes" \(a string\) in 'approved = "yes"'/,
  });
  t.match((await warned('amount > date("2026-01-01")'))[0]?.message, /a number by its form.*a date/);
  t.match(
    (await warned('name = amount'))[0]?.message,
    /name \(a string by its form\) with amount \(a number/,
  );
  t.same(await warned('approved = true and amount >= 3 and name != "x"'), [], 'same kinds: no warning');
  const result = await compileDefinition(process('approved = "yes"', '', form));
  t.equal(result.ok, true, 'a warning, not an error: the process deploys');
  t.same(
    (await compileDefinition(process('flag = "yes"'))).findings.filter(
      (f) => f.type === 'incompatibleComparison',
    ),
    [],
    'no form, no type known: nothing said',
  );
});

t.test('no sample process compares values of different kinds', async (t) => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.bpmn'))) {
    const result = await compileDefinition(readFileSync(new URL(file, dir), 'utf8'));
    t.same(
      result.findings.filter((f) => f.type === 'incompatibleComparison'),
      [],
      file,
    );
  }
});

t.test('a variable set on one branch only is a warning naming the path that does not set it', async (t) => {
  const branches = (condition: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:exclusiveGateway id="split" default="f3" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="assess"><bpmn:conditionExpression>=businessKey != null</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="waive" />
    <bpmn:userTask id="assess" name="核定收费" gov:department="税务">
      <bpmn:extensionElements><gov:form>{"type":"object","properties":{"fee":{"type":"number"}}}</gov:form></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="waive" name="免费登记" gov:department="市场监管" />
    <bpmn:sequenceFlow id="f4" sourceRef="assess" targetRef="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="waive" targetRef="join" />
    <bpmn:exclusiveGateway id="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="check" />
    <bpmn:exclusiveGateway id="check" default="f8" />
    <bpmn:sequenceFlow id="f7" sourceRef="check" targetRef="end"><bpmn:conditionExpression>${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f8" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
  const result = await compileDefinition(branches('=fee > 0'));
  t.equal(result.ok, true, 'a warning: the process deploys');
  const found = result.findings.filter((f) => f.type === 'variableMaybeUnset');
  t.equal(found.length, 1, JSON.stringify(found));
  t.match(found[0], {
    elementId: 'f7',
    severity: 'warning',
    message:
      /reads 'fee', which only 核定收费 \(assess\) sets; on the path start → split → 免费登记 \(waive\) → join → check it is not set/,
  });
  const declared = await compileDefinition(
    branches('=fee > 0').replace('isExecutable="true"', 'isExecutable="true" gov:variables="fee"'),
  );
  t.same(
    declared.findings.filter((f) => f.type === 'variableMaybeUnset'),
    [],
    'declared in gov:variables: present from the start',
  );
  const bothSet = await compileDefinition(
    branches('=fee > 0').replace(
      '<bpmn:userTask id="waive" name="免费登记" gov:department="市场监管" />',
      '<bpmn:userTask id="waive" name="免费登记" gov:department="市场监管"><bpmn:extensionElements><gov:form>{"type":"object","properties":{"fee":{"type":"number"}}}</gov:form></bpmn:extensionElements></bpmn:userTask>',
    ),
  );
  t.same(
    bothSet.findings.filter((f) => f.type === 'variableMaybeUnset'),
    [],
    'set on every path: nothing said',
  );
});

t.test('no sample process reads a variable some path leaves unset', async (t) => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.bpmn'))) {
    const result = await compileDefinition(readFileSync(new URL(file, dir), 'utf8'));
    t.same(
      result.findings.filter((f) => f.type === 'variableMaybeUnset'),
      [],
      file,
    );
  }
});
