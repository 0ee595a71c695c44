// bpmn:scriptTask with scriptFormat="feel": evaluates its script and stores the value in gov:resultVariable.
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./script-task.bpmn', import.meta.url);

t.test('FEEL scripts run in order and store their results', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['fee_assessment']);

  // when
  const snapshot = start('fee_assessment', {
    capital: 2000000,
    items: [
      { price: 10, count: 3 },
      { price: 5, count: 2 },
    ],
  });

  // then
  const events = take();
  t.same(steps(events), ['entered score', 'completed score', 'entered fee', 'completed fee']);
  t.same(
    events.filter((e) => e.type === 'variablesChanged').map((e) => e.changes),
    [{ risk: 'high' }, { fee: 40 }],
  );
  t.match(
    events.filter((e) => e.type === 'stepCompleted'),
    [{ step: { variablesChanged: ['risk'] } }, { step: { variablesChanged: ['fee'] } }],
  );
  t.equal(snapshot.status, 'completed');
  t.equal(snapshot.variables.risk, 'high');
  t.equal(snapshot.variables.fee, 40);
});

t.test('a FEEL result of null is stored as null', async (t) => {
  // given
  const { start } = await deploy(fixture, ['fee_assessment']);

  // when
  const snapshot = start('fee_assessment', { capital: 10, items: [] });

  // then
  t.equal(snapshot.variables.risk, 'low');
  t.equal(snapshot.variables.fee, null, 'FEEL sum([]) is null');
  t.equal(snapshot.status, 'completed');
});
