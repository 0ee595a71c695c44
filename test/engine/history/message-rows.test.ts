// Messages between cases in the engine: a wait's correlation key is evaluated in the receiving case when it begins
// waiting (the bpmn:message's gov:correlationKey, default =businessKey), a thrown message carries the key evaluated
// in the sending case (the throwing element's gov:correlationKey), and the fold of a command gives the rows the
// server writes: the waits armed and withdrawn (case_subscriptions) and the messages and signals sent (the outbox).
import t from 'tap';
import type { CaseSnapshot } from '../../../engine/elements/state.js';
import { commandRows, subscriptionChanges } from '../../../engine/history/case-rows.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { execute } from '../../../engine/runtime/execute.js';

const T0 = Date.UTC(2026, 0, 5, 1);
const calendar = { workingMsBetween: (from: number, to: number) => to - from };
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="d" targetNamespace="urn:t">
  <bpmn:message id="m_paid" name="paid" gov:correlationKey="=orderNo" />
  <bpmn:message id="m_ack" name="ack" />
  <bpmn:signal id="s_go" name="go" />
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:intermediateThrowEvent id="notify" gov:correlationKey="=&quot;N-&quot; + orderNo">
      <bpmn:messageEventDefinition messageRef="m_ack" />
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateThrowEvent id="ask">
      <bpmn:messageEventDefinition messageRef="m_ack" />
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="wait_paid">
      <bpmn:messageEventDefinition messageRef="m_paid" />
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait_ack">
      <bpmn:messageEventDefinition messageRef="m_ack" />
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end">
      <bpmn:signalEventDefinition signalRef="s_go" />
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify" />
    <bpmn:sequenceFlow id="f2" sourceRef="notify" targetRef="ask" />
    <bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="wait_paid" />
    <bpmn:sequenceFlow id="f4" sourceRef="wait_paid" targetRef="wait_ack" />
    <bpmn:sequenceFlow id="f5" sourceRef="wait_ack" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

t.test('correlation keys: evaluated where the message is sent and where it is awaited', async (t) => {
  const compiled = await compileDefinition(xml, { id: 'p:1', version: 1 });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.findings));
  const definition = compiled.definition;
  let n = 0;
  const options = (now: number) => ({ now, newId: (prefix: string) => `${prefix}-${++n}` });
  const identity = { id: 'c1', processKey: 'p', version: 1 };

  // given a case started with business key BK-1 and orderNo O-7
  const started = execute(
    definition,
    null,
    { type: 'start', caseId: 'c1', variables: { orderNo: 'O-7' }, businessKey: 'BK-1' },
    options(T0),
  );
  // then the thrown messages carry their keys: the element's expression, else the business key
  const sent = started.events.filter((e) => e.type === 'messageSent');
  t.match(sent, [
    { name: 'ack', elementId: 'notify', correlationKey: 'N-O-7' },
    { name: 'ack', elementId: 'ask', correlationKey: 'BK-1' },
  ]);
  // and the wait's key is the message's expression evaluated in this case
  t.match(started.snapshot.subscriptions, [{ kind: 'message', name: 'paid', correlationKey: 'O-7' }]);
  t.equal(started.snapshot.businessKey, 'BK-1', 'the business key is kept in the case');
  // the fold: the outbox rows and the armed wait
  const rows = commandRows(identity, started.events, { calendar, revision: 0 });
  t.match(rows.sent, [
    {
      id: 'c1:0:',
      kind: 'message',
      name: 'ack',
      correlation_key: 'N-O-7',
      source_case_id: 'c1',
      status: 'pending',
    },
    { kind: 'message', name: 'ack', correlation_key: 'BK-1', variables: { orderNo: 'O-7' } },
  ]);
  t.equal(new Set(rows.sent.map((r) => r.id)).size, 2, 'each sent row has its own id');
  const armed = subscriptionChanges('c1', [], started.snapshot.subscriptions, T0);
  t.match(armed, {
    added: [
      { case_id: 'c1', kind: 'message', name: 'paid', correlation_key: 'O-7', element_id: 'wait_paid' },
    ],
    gone: [],
  });

  // when paid arrives for that wait
  const before = started.snapshot.subscriptions.map(({ id, kind }) => ({ id, kind }));
  const paid = execute(
    definition,
    started.snapshot as CaseSnapshot,
    {
      type: 'deliverMessage',
      name: 'paid',
      subscriptionId: started.snapshot.subscriptions[0].id,
      messageId: 'msg-1',
    },
    options(T0 + 1000),
  );
  // then it records the message it received, and the next wait (no expression: the business key) replaces the first
  t.match(
    paid.events.find((e) => e.type === 'messageReceived'),
    { name: 'paid', messageId: 'msg-1' },
  );
  const changes = subscriptionChanges('c1', before, paid.snapshot.subscriptions, T0 + 1000);
  t.match(changes.added, [{ name: 'ack', correlation_key: 'BK-1' }]);
  t.same(changes.gone, [before[0].id]);
  // a delivery naming a wait the case no longer has is refused (a redelivery after a crash)
  t.throws(
    () =>
      execute(
        definition,
        paid.snapshot,
        { type: 'deliverMessage', name: 'paid', subscriptionId: before[0].id },
        options(T0 + 2000),
      ),
    /nothing in case 'c1' waits for message 'paid'/,
  );

  // when ack arrives, the case ends with its signal end event: sent to other cases too (the outbox), the waits gone
  const acked = execute(
    definition,
    paid.snapshot,
    { type: 'deliverMessage', name: 'ack' },
    options(T0 + 3000),
  );
  t.equal(acked.snapshot.status, 'completed');
  t.match(commandRows(identity, acked.events, { calendar, revision: 2 }).sent, [
    { kind: 'signal', name: 'go', source_element_id: 'end', correlation_key: null },
  ]);
  t.same(
    subscriptionChanges('c1', paid.snapshot.subscriptions, acked.snapshot.subscriptions, T0).gone.length,
    1,
  );
  // a signal the API broadcast into a case is not sent on again
  const external = execute(definition, paid.snapshot, { type: 'signal', name: 'go' }, options(T0 + 3000));
  t.same(commandRows(identity, external.events, { calendar, revision: 2 }).sent, []);
});
