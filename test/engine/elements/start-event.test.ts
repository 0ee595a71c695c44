// bpmn:startEvent (none): the start command places one token on it, which leaves at once.
import t from 'tap';
import { deploy, rejection, steps, T0 } from './harness.js';

const fixture = new URL('./start-event.bpmn', import.meta.url);

t.test('the none start event starts the case with its variables and moves on', async (t) => {
  // given
  const { start, events } = await deploy(fixture, ['none_start']);

  // when
  const snapshot = start('none_start', { applicant: '李四', channel: 'online' });

  // then
  t.same(events[0], {
    type: 'caseStarted',
    caseId: 'case-1',
    at: T0,
    variables: { applicant: '李四', channel: 'online' },
    channel: null,
  });
  t.same(steps(events), ['entered accept'], 'the start event is no step; the token waits at the task');
  t.equal(snapshot.status, 'active');
  t.equal(snapshot.startedAt, T0);
  t.same(
    Object.values(snapshot.activities).map((a) => [a.elementId, a.state, a.wait]),
    [['accept', 'active', 'task']],
  );
});

t.test('a case started at an element that is no start event is refused', async (t) => {
  // given
  const { engine } = await deploy(fixture, ['none_start']);

  // when
  const refused = rejection(() => engine.start('none_start', {}, { startEventId: 'accept' }));

  // then
  t.match(refused, { code: 'noStart', message: /'accept' is not a start event/ });
  t.equal(engine.cases.size, 0);
});

t.test('a window start counts one trip', async (t) => {
  // given
  const { engine } = await deploy(fixture, ['none_start']);

  // when
  const snapshot = engine.start('none_start', {}, { channel: 'window' });

  // then
  t.equal(snapshot.trips, 1);
});
