// A message's payload: with gov:payload mappings on the sending element (message throw or end event, send task),
// the message carries exactly those variables; without, every variable of the sending scope. A gov:payload on an
// element that sends no message, or a mapping without a target, is refused at deploy naming the element.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { CaseEvent } from '../../../engine/elements/state.js';
import { compileUnit } from '../../../engine/runtime/definition.js';
import { LocalEngine } from '../../../engine/runtime/local-engine.js';
import { T0 } from './harness.js';

const xml = readFileSync(new URL('./message-payload.bpmn', import.meta.url), 'utf8');
const VARIABLES = {
  companyName: '杭州示例科技有限公司',
  legalPerson: { name: '张三', idNumber: '330100199001011234' },
  taxNo: '91330100MA2K0001',
  bankAccount: '6222 0000 1111',
};

t.test('a message carries its gov:payload only; one without mappings carries every variable', async (t) => {
  // given
  const events: CaseEvent[] = [];
  const engine = new LocalEngine({
    now: T0,
    roundTrip: true,
    onEvents: (_id, batch) => events.push(...batch),
  });
  await engine.deployUnit(xml);

  // when a case runs through its three senders
  engine.start('payload_master', VARIABLES);

  // then
  const sent = events.flatMap((e) => (e.type === 'messageSent' ? [[e.name, e.variables]] : []));
  t.same(sent, [
    ['seal-apply', { companyName: '杭州示例科技有限公司', sealHolder: '张三' }],
    ['tax-apply', { taxNo: '91330100MA2K0001' }],
    ['all-sent', VARIABLES],
  ]);
});

t.test('gov:payload where no message is sent, or without a target, is refused at deploy', async (t) => {
  // when a user task has one, and the throw event's mapping has no target
  const misplaced = xml
    .replace(
      '<bpmn:endEvent id="end" name="全部发出">',
      '<bpmn:endEvent id="end" name="全部发出"><bpmn:extensionElements><gov:payload source="taxNo" target="taxNo" /></bpmn:extensionElements>',
    )
    .replace('<bpmn:messageEventDefinition messageRef="msg_done" />', '')
    .replace('target="sealHolder"', 'target=""');
  const compiled = await compileUnit(misplaced);

  // then both are named
  t.notOk(compiled.ok);
  t.match(
    compiled.findings.filter((f) => f.type === 'invalidMapping'),
    [
      { elementId: 'ask_seal', message: /gov:payload .*needs a source .* and a target/ },
      { elementId: 'end', message: /gov:payload mapping, which only an element that sends a message reads/ },
    ],
  );
});
