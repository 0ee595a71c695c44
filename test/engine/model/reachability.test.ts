// Flow-to-flow reachability for the inclusive join (BPMN 2.0 §13.3.5): loops, boundary events, scopes.
import t from 'tap';
import { parseBpmn } from '../../../engine/model/parse.js';
import { createReachability } from '../../../engine/model/reachability.js';
import type { ProcessGraph } from '../../../engine/model/types.js';

const flow = (id: string, source: string, target: string): string =>
  `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`;

/**
 *                        ┌──────────── fRedo ─────────────┐
 *  start → split(OR) ─fA→ A ─fAJ──────────────→ join(OR) ─fJ→ review(XOR) ─fDone→ end
 *                │        └ boundary bA ─fBC→ C ─fCJ─↗
 *                └─fB→ B ─fBX→ loop(XOR) ─fBJ──────↗
 *                      ↖──── fBack ───┘
 *  C is a subprocess: cs → ct → ce inside.
 */
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />${flow('f0', 'start', 'split')}
    <bpmn:inclusiveGateway id="split" />${flow('fA', 'split', 'A')}${flow('fB', 'split', 'B')}
    <bpmn:task id="A" />${flow('fAJ', 'A', 'join')}
    <bpmn:boundaryEvent id="bA" attachedToRef="A"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    ${flow('fBC', 'bA', 'C')}
    <bpmn:subProcess id="C">
      <bpmn:startEvent id="cs" />${flow('fc1', 'cs', 'ct')}<bpmn:task id="ct" />${flow('fc2', 'ct', 'ce')}<bpmn:endEvent id="ce" />
    </bpmn:subProcess>${flow('fCJ', 'C', 'join')}
    <bpmn:task id="B" />${flow('fBX', 'B', 'loop')}
    <bpmn:exclusiveGateway id="loop" />${flow('fBack', 'loop', 'B')}${flow('fBJ', 'loop', 'join')}
    <bpmn:inclusiveGateway id="join" />${flow('fJ', 'join', 'review')}
    <bpmn:exclusiveGateway id="review" />${flow('fRedo', 'review', 'split')}${flow('fDone', 'review', 'end')}
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const load = async (): Promise<ProcessGraph> => (await parseBpmn(XML)).graph!;

t.test('a node reaches the flows it is the source of', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.equal(reach.canReachFlowAvoiding('A', 'fAJ', 'join'), true);
  t.equal(reach.canReachFlowAvoiding('loop', 'fBJ', 'join'), true);
});

t.test('a path through the avoided node does not count', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.equal(
    reach.canReachFlowAvoiding('A', 'fBJ', 'join'),
    false,
    'A reaches fBJ only through the join and the redo loop',
  );
  t.equal(reach.canReachFlowAvoiding('A', 'fBJ', 'review'), false, 'nor through the review');
  t.equal(
    reach.canReachFlowAvoiding('A', 'fBJ', 'C'),
    true,
    'avoiding something else, the redo loop leads there',
  );
  t.equal(reach.canReachFlowAvoiding('split', 'fAJ', 'A'), false);
  t.equal(
    reach.canReachFlowAvoiding('join', 'fAJ', 'join'),
    false,
    'a token at the avoided node reaches nothing',
  );
});

t.test('loops: a node inside a cycle reaches the flows of the cycle', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.equal(reach.canReachFlowAvoiding('loop', 'fBX', 'join'), true, 'loop → B → loop');
  t.equal(reach.canReachFlowAvoiding('B', 'fBack', 'join'), true);
  t.equal(reach.canReachFlowAvoiding('loop', 'fBX', 'B'), false, 'the only way round the cycle is through B');
  t.equal(reach.canReachFlowAvoiding('review', 'fAJ', 'join'), true, 'redo → split → A');
  t.equal(reach.canReachFlowAvoiding('review', 'fAJ', 'split'), false);
});

t.test('boundary events: a token in an activity may leave it by its boundary event', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.equal(reach.canReachFlowAvoiding('A', 'fCJ', 'join'), true, 'A → bA → C → fCJ');
  t.equal(reach.canReachFlowAvoiding('A', 'fBC', 'join'), true);
  t.equal(reach.canReachFlowAvoiding('split', 'fCJ', 'A'), false, 'the boundary path starts in A');
  t.equal(
    reach.canReachFlowAvoiding('bA', 'fAJ', 'join'),
    false,
    'the boundary event does not lead back into A',
  );
});

t.test('paths stay inside a scope', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.equal(
    reach.canReachFlowAvoiding('ct', 'fCJ', 'join'),
    false,
    'a node inside C is mapped to C by the caller',
  );
  t.equal(reach.canReachFlowAvoiding('C', 'fCJ', 'join'), true);
  t.equal(reach.canReachFlowAvoiding('A', 'fc2', 'join'), false);
  t.equal(reach.canReachFlowAvoiding('cs', 'fc2', 'join'), true);
});

t.test('the reaching set is computed once per (avoid, flow)', async (t) => {
  // given
  const reach = createReachability(await load());
  // when
  const first = reach.nodesReachingFlow('fAJ', 'join');
  const second = reach.nodesReachingFlow('fAJ', 'join');
  // then
  t.equal(first, second, 'the same set');
  t.same([...first].sort(), ['A', 'review', 'split', 'start']);
  t.same(
    [...reach.nodesReachingFlow('fAJ', '')].sort(),
    ['A', 'B', 'C', 'bA', 'join', 'loop', 'review', 'split', 'start'],
    'avoiding nothing, every node reaches it round the redo loop',
  );
});

t.test('an unknown flow is a programming error; an unknown node reaches nothing', async (t) => {
  // given
  const reach = createReachability(await load());
  // when / then
  t.throws(() => reach.canReachFlowAvoiding('A', 'nope', 'join'), RangeError);
  t.equal(reach.canReachFlowAvoiding('ghost', 'fAJ', 'join'), false);
});
