// bpmn:subProcess (embedded): a step whose work is an inner scope of tokens sharing the case's variables.
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./sub-process.bpmn', import.meta.url);

t.test('the subprocess is a step that holds its inner steps', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['site_visit']);

  // when
  const snapshot = start('site_visit');

  // then
  const events = take();
  t.same(steps(events), ['entered site_check', 'entered inspect']);
  const [outer, inner] = events.filter((e) => e.type === 'stepEntered').map((e) => e.step);
  t.match(outer, {
    elementId: 'site_check',
    type: 'subProcess',
    department: '市场监管局',
    parentStepId: null,
  });
  t.match(inner, { elementId: 'inspect', department: '市场监管所', parentStepId: outer.id });
  t.equal(Object.keys(snapshot.scopes).length, 2, 'the case scope and the subprocess scope');
  t.match(Object.values(snapshot.activities), [
    { elementId: 'site_check', wait: 'scope', childScope: 'case-1-scope2' },
    { elementId: 'inspect', scopeId: 'case-1-scope2', wait: 'task' },
  ]);
});

t.test('the subprocess completes when its inner tokens end, with the variables they set', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['site_visit']);
  start('site_visit');
  take();

  // when
  const snapshot = complete('inspect', { findings: 0 });

  // then
  t.same(steps(take()), [
    'completed inspect',
    'entered record',
    'completed record',
    'completed site_check',
    'entered decide',
  ]);
  t.same(snapshot.variables, { findings: 0, siteOk: true }, 'inner steps set the case variables');
  t.same(Object.keys(snapshot.scopes), ['case-1-root']);
});

t.test('a terminate end event inside ends the subprocess only', async (t) => {
  // given a hearing with both branches open
  const { start, complete, take } = await deploy(fixture, ['terminate_inside']);
  start('terminate_inside');
  t.same(steps(take()), ['entered hearing', 'entered notice', 'entered waive']);

  // when the applicant waives the hearing
  const snapshot = complete('waive');

  // then
  t.same(steps(take()), ['completed waive', 'cancelled notice', 'completed hearing', 'entered t_decide']);
  t.equal(snapshot.status, 'active');
});
