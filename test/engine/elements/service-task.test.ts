// bpmn:serviceTask with gov:handler: runs the registered handler and merges what it returns.
import t from 'tap';
import { BpmnError, type ServiceHandler } from '../../../engine/elements/context.js';
import { deploy, eventTypes, steps } from './harness.js';

const fixture = new URL('./service-task.bpmn', import.meta.url);

t.test('the handler runs with the case variables and its result is merged', async (t) => {
  // given
  const calls: unknown[] = [];
  const fetchLicence: ServiceHandler = (variables, step) => {
    calls.push({ variables: { ...variables }, step });
    return { licenceNo: `L-${variables.creditCode}`, licenceValid: true };
  };
  const { start, take } = await deploy(fixture, ['data_sharing'], { handlers: { fetchLicence } });

  // when
  const snapshot = start('data_sharing', { creditCode: '91110000' });

  // then
  t.same(calls, [
    { variables: { creditCode: '91110000' }, step: { elementId: 'fetch_licence', department: '大数据局' } },
  ]);
  const events = take();
  t.same(steps(events), ['entered fetch_licence', 'completed fetch_licence', 'entered review']);
  t.match(
    events.find((e) => e.type === 'stepCompleted'),
    { step: { variablesChanged: ['licenceNo', 'licenceValid'] } },
  );
  t.same(snapshot.variables, { creditCode: '91110000', licenceNo: 'L-91110000', licenceValid: true });
});

t.test('a BpmnError thrown by the handler is caught by the error boundary event', async (t) => {
  // given a handler that finds no record
  const fetchLicence: ServiceHandler = () => {
    throw new BpmnError('NO_RECORD', 'no licence on record');
  };
  const { start, take } = await deploy(fixture, ['data_sharing'], { handlers: { fetchLicence } });

  // when
  const snapshot = start('data_sharing', { creditCode: '91110000' });

  // then
  const events = take();
  t.same(steps(events), ['entered fetch_licence', 'cancelled fetch_licence', 'entered ask_applicant']);
  t.match(
    events.find((e) => e.type === 'errorRaised'),
    { code: 'NO_RECORD', elementId: 'fetch_licence', caught: true },
  );
  t.equal(snapshot.status, 'active');
  t.same(snapshot.incidents, []);
  t.same(
    Object.values(snapshot.activities).map((a) => a.elementId),
    ['ask_applicant'],
  );
});

t.test('a handler that is not registered fails the case with an incident', async (t) => {
  // given no handlers
  const { start, take } = await deploy(fixture, ['data_sharing'], { handlers: {} });

  // when
  const snapshot = start('data_sharing');

  // then
  const events = take();
  t.same(steps(events), ['entered fetch_licence', 'failed fetch_licence']);
  t.same(eventTypes(events, 'incidentRaised', 'caseFailed'), ['incidentRaised', 'caseFailed']);
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [
    { elementId: 'fetch_licence', message: /no handler is registered under 'fetchLicence'/ },
  ]);
  t.same(snapshot.activities, {});
});

t.test('a handler that throws anything else fails the case', async (t) => {
  // given a handler whose system is down
  const fetchLicence: ServiceHandler = () => {
    throw new Error('connection refused');
  };
  const { start } = await deploy(fixture, ['data_sharing'], { handlers: { fetchLicence } });

  // when
  const snapshot = start('data_sharing');

  // then
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [{ elementId: 'fetch_licence', message: /connection refused/ }]);
});
