// Simulation speed: 100,000 cases of business start-up AFTER (registration, five departments in parallel,
// delivery; the correction loop with its message) simulated in memory on the real engine, with its parameter
// file (Poisson arrivals, lognormal durations, staffed departments, ratings), then summarised (metrics, per-step
// waiting and processing, utilisation). Baseline: the target itself, 10 s of wall-clock time; the ratio is the
// time taken over the target (pass when ≤ 1).
import { readFileSync } from 'node:fs';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { compileDefinition } from '../../engine/runtime/definition.js';
import { compileParams, simulate, summarise } from '../../engine/simulate/index.js';

const CASES = 100_000;
const TARGET_S = 10;

const compiled = await compileDefinition(readFileSync('processes/business-startup.after.bpmn', 'utf8'), {
  version: 2,
  id: 'business_startup:2',
});
if (!compiled.ok) throw new Error('business-startup.after.bpmn does not compile');
const definition = compiled.definition;
const calendar = getDefaultCalendar();
const params = compileParams(
  JSON.parse(readFileSync('processes/business-startup.after.sim.json', 'utf8')),
  definition,
  {
    hoursPerDay: calendar.msPerWorkingDay / 3_600_000,
  },
);

// warm-up (JIT), not measured
summarise(simulate({ definition, params, seed: 'warm-up', calendar, cases: 5_000 }), definition, calendar);
(globalThis as { gc?: () => void }).gc?.();

const cpu = process.cpuUsage();
const t0 = performance.now();
const result = simulate({ definition, params, seed: 1, calendar, cases: CASES });
const t1 = performance.now();
const summary = summarise(result, definition, calendar);
const seconds = (performance.now() - t0) / 1000;
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
const casesPerSec = CASES / seconds;
const ratio = seconds / TARGET_S;

console.log(
  `simulated ${summary.cases.arrived} cases (${summary.cases.completed} completed, ${result.commands} engine commands) in ${((t1 - t0) / 1000).toFixed(2)} s, summarised in ${((performance.now() - t1) / 1000).toFixed(2)} s`,
);
console.log(
  `mean ${summary.dynamic.meanWorkingDays?.toFixed(3)} working days, p90 ${summary.dynamic.p90WorkingDays?.toFixed(3)}, first-time ${summary.dynamic.firstTimeRate?.toFixed(3)}, on-time ${summary.dynamic.onTimeRate?.toFixed(3)}`,
);
console.log(
  `${casesPerSec.toFixed(0)} cases/s, ${(result.commands / seconds) | 0} commands/s; ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU; target < ${TARGET_S} s → ${ratio.toFixed(2)} of the target`,
);
console.log(
  JSON.stringify({
    figure: `${CASES.toLocaleString('en')} cases in ${seconds.toFixed(2)} s (${casesPerSec.toFixed(0)} cases/s)`,
    baseline: `target ${TARGET_S} s`,
    ratio: `${ratio.toFixed(2)} of the target (≤ 1)`,
    cases: CASES,
    seconds,
    cpuSeconds,
    casesPerSec,
    commandsPerSec: result.commands / seconds,
    ratioValue: ratio,
    pass: seconds < TARGET_S,
  }),
);
