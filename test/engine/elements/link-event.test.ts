// Link events: a throw jumps to the catch of the same name in the same scope (an off-page connector).
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./link-event.bpmn', import.meta.url);

t.test('the token jumps from the link throw to the link catch of its scope', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['page_break']);

  // when
  const started = start('page_break');

  // then link events are no steps; the catch with the same name inside the subprocess is not taken
  t.same(steps(take()), ['entered accept', 'completed accept', 'entered review']);
  t.match(Object.values(started.activities), [{ elementId: 'review' }]);

  // when
  const snapshot = complete('review');

  // then
  t.same(steps(take()), ['completed review', 'entered inner', 'completed inner']);
  t.equal(snapshot.status, 'completed');
});
