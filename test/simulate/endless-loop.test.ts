// A simulation of a process whose loop never waits stops with an error naming the loop (issue 15): the command
// runs in place, so the case cannot be rolled back and failed the way the server and the LocalEngine do it.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { compileParams, SimulationError, simulate } from '../../engine/simulate/index.js';
import { calendar, compile, HOURS_PER_DAY } from './helpers.js';

/** The loop of issue 15 with a plain task for the script: nothing to evaluate but one remembered condition. */
const xml = readFileSync(new URL('../engine/runtime/endless-loop.bpmn', import.meta.url), 'utf8').replace(
  /<bpmn:scriptTask id="count"[^>]*>([\s\S]*?)<bpmn:script>[\s\S]*?<\/bpmn:script>\s*<\/bpmn:scriptTask>/,
  '<bpmn:task id="count">$1</bpmn:task>',
);

t.test('the simulation stops at the first case that loops without end, naming the loop', async (t) => {
  // given
  t.notMatch(xml, /scriptTask/);
  const definition = await compile(xml);
  const params = compileParams({ arrivals: { ratePerWorkingHour: 1 } }, definition, {
    hoursPerDay: HOURS_PER_DAY,
  });
  // when
  const error = t.throws(() => simulate({ definition, params, seed: 'loop', calendar, cases: 3 }));
  // then
  t.type(error, SimulationError);
  t.match(
    (error as Error).message,
    /^case 1 \(start\): this command ran more than 10000 element activations/,
  );
  t.match((error as Error).message, /'count', 'check' kept running/);
});
