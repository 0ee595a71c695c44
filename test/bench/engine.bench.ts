// Engine steps/s on the business-registration shape (accept → 4 parallel approvals → issue), in memory,
// beside bpmn-engine in the same process and run. Target: ≥ 20× bpmn-engine, ≤ 50 µs CPU per step.

import { readFileSync } from 'node:fs';
import { LocalEngine } from '../../engine/runtime/local-engine.js';
import { bpmnEngineRun } from './bpmn-engine-baseline.js';

const xml = readFileSync('test/bench/business-registration.bpmn', 'utf8'); // run from the project root (npm run bench);
const STEPS_PER_CASE = 6; // accept, 4 approvals, issue

async function reflow(cases: number): Promise<{ ms: number; cpuUs: number }> {
  const engine = new LocalEngine();
  const definition = await engine.deploy(xml);
  const run = (i: number): void => {
    const c = engine.start(definition.key, {}, { caseId: `c${i}` });
    for (let tasks = engine.openTasks(c.id); tasks.length > 0; tasks = engine.openTasks(c.id)) {
      for (const task of tasks) engine.completeTask(task.id, { ok: true });
    }
    if (engine.cases.get(c.id)?.status !== 'completed') throw new Error(`case c${i} did not complete`);
    engine.cases.delete(c.id);
  };
  for (let i = 0; i < 1000; i++) run(-i - 1); // warm-up
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) run(i);
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: used.user + used.system };
}

const baseCases = 1000;
const base = await bpmnEngineRun(xml, baseCases);
const ours = await reflow(20_000);
const ourStepsPerSec = (20_000 * STEPS_PER_CASE) / (ours.ms / 1000);
const baseStepsPerSec = (baseCases * STEPS_PER_CASE) / (base.ms / 1000);
const ratio = ourStepsPerSec / baseStepsPerSec;
const cpuPerStep = ours.cpuUs / (20_000 * STEPS_PER_CASE);
console.log(
  `Reflow: ${ourStepsPerSec.toFixed(0)} steps/s, ${((20_000 / ours.ms) * 1000).toFixed(0)} cases/s, ${cpuPerStep.toFixed(1)} µs CPU/step`,
);
console.log(
  `bpmn-engine: ${baseStepsPerSec.toFixed(0)} steps/s, ${((baseCases / base.ms) * 1000).toFixed(0)} cases/s`,
);
console.log(`ratio: ${ratio.toFixed(1)}× (target ≥ 20×), CPU/step ${cpuPerStep.toFixed(1)} µs (target ≤ 50)`);
console.log(
  JSON.stringify({
    figure: `${ourStepsPerSec.toFixed(0)} steps/s, ${cpuPerStep.toFixed(1)} µs CPU/step`,
    baseline: `bpmn-engine ${baseStepsPerSec.toFixed(0)} steps/s`,
    ratio: `${ratio.toFixed(1)}× (≥ 20×)`,
    stepsPerSec: ourStepsPerSec,
    casesPerSec: (20_000 / ours.ms) * 1000,
    cpuUsPerStep: cpuPerStep,
    baselineStepsPerSec: baseStepsPerSec,
    ratioValue: ratio,
    pass: ratio >= 20 && cpuPerStep <= 50,
  }),
);
