// bpmn:callActivity: runs the latest deployed process of key `calledElement` on a copy of the case variables,
// and hands its variables back when it ends.
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./call-activity.bpmn', import.meta.url);

t.test('the called process runs inside the call activity with the caller variables', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['fire_approval', 'venue_licence']);

  // when
  const snapshot = start('venue_licence', { venue: '星光影院' });

  // then
  const events = take();
  t.same(steps(events), ['entered fire', 'entered fire_inspect']);
  const [call, inner] = events.filter((e) => e.type === 'stepEntered').map((e) => e.step);
  t.match(call, { elementId: 'fire', type: 'callActivity', parentStepId: null });
  t.match(inner, { elementId: 'fire_inspect', department: '消防救援支队', parentStepId: call.id });
  const called = Object.values(snapshot.scopes).find((s) => s.parentActivity === call.id);
  t.match(called, {
    elementId: 'fire_approval',
    definitionId: 'fire_approval:1',
    variables: { venue: '星光影院' },
  });
});

t.test('the called process works on its own copy and hands its variables back at its end', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['fire_approval', 'venue_licence']);
  start('venue_licence', { venue: '星光影院' });
  take();

  // when
  const snapshot = complete('fire_inspect', { passed: false });

  // then
  const events = take();
  t.same(steps(events), [
    'completed fire_inspect',
    'entered fire_opinion',
    'completed fire_opinion',
    'completed fire',
    'entered issue',
  ]);
  t.same(
    events.filter((e) => e.type === 'variablesChanged').map((e) => e.changes),
    [{ venue: '星光影院', passed: false, fireOpinion: '不合格：星光影院' }],
    'only the hand-back changes the case variables',
  );
  t.same(snapshot.variables, { venue: '星光影院', passed: false, fireOpinion: '不合格：星光影院' });
  t.equal(Object.keys(snapshot.scopes).length, 1);
});

t.test(
  'a call of a process that is not deployed fails the case with an incident naming the call activity',
  async (t) => {
    // given only the caller
    const { start } = await deploy(fixture, ['venue_licence']);

    // when
    const snapshot = start('venue_licence');

    // then
    t.equal(snapshot.status, 'failed');
    t.match(snapshot.incidents, [{ elementId: 'fire', message: /'fire_approval', which is not deployed/ }]);
  },
);
