// Simulated waiting matches queueing theory. One step worked by one department: Poisson arrivals at λ per
// working hour, exponential service with mean 1/μ working hours, c staff — an M/M/c queue in working time
// (arrivals and service both run on the working calendar, and waiting is measured in working time, so nights,
// weekends and holidays drop out). Erlang C gives the probability of waiting and the mean wait:
//   a = λ/μ, ρ = a/c, P(wait) = C(c, a) = (aᶜ/c!)/(1 − ρ) / (Σₖ₌₀^{c−1} aᵏ/k! + (aᶜ/c!)/(1 − ρ)), Wq = C/(cμ − λ).
// With c = 2, μ = 1/h and ρ = 0.7 (λ = 1.4/h): Wq = 0.9608 h. Over 20,000 cases the simulated mean wait must be
// within ±10% of it, and the staff's utilisation within ±3% of ρ; likewise at c = 1 (M/M/1: Wq = ρ/(μ − λ)) and
// c = 3, ρ = 0.6.
import t from 'tap';
import { compileParams, simulate, summarise } from '../../engine/simulate/index.js';
import { calendar, compile, HOURS_PER_DAY } from './helpers.js';

const SINGLE_STEP = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <bpmn:process id="mmc" name="M/M/c" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="window" name="窗口"><bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>work</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="办理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** Erlang C: probability that an arrival waits, and the mean wait Wq (hours). */
export function erlangC(lambda: number, mu: number, c: number): { wait: number; wq: number } {
  const a = lambda / mu;
  const rho = a / c;
  const top = a ** c / factorial(c) / (1 - rho);
  let below = 0;
  for (let k = 0; k < c; k++) below += a ** k / factorial(k);
  const wait = top / (below + top);
  return { wait, wq: wait / (c * mu - lambda) };
}

const CASES = 20_000;

async function run(c: number, rho: number, seed: string, cases = CASES) {
  const mu = 1; // per working hour
  const lambda = rho * c * mu;
  const definition = await compile(SINGLE_STEP);
  const params = compileParams(
    {
      arrivals: { ratePerWorkingHour: lambda },
      departments: { 窗口: { staff: c } },
      tasks: { work: { duration: { exponential: { mean: 1 / mu } } } },
    },
    definition,
    { hoursPerDay: HOURS_PER_DAY },
  );
  const summary = summarise(simulate({ definition, params, seed, calendar, cases }), definition, calendar);
  const step = summary.steps.find((s) => s.elementId === 'work');
  return {
    theory: erlangC(lambda, mu, c),
    worked: step?.worked ?? 0,
    wq: step?.meanWaitingHours ?? Number.NaN,
    service: step?.meanProcessingHours ?? Number.NaN,
    utilisation: summary.departments.find((d) => d.name === '窗口')?.utilisation ?? Number.NaN,
  };
}

// Across seeds, the mean wait of 20,000 cases scatters by about ±5% (one standard deviation) at ρ = 0.7 — the
// waits of successive cases are strongly correlated — so each run below uses a fixed seed, and five independent
// runs pooled must come within ±5%.
for (const { c, rho } of [
  { c: 2, rho: 0.7 },
  { c: 1, rho: 0.7 },
  { c: 3, rho: 0.6 },
]) {
  t.test(`M/M/${c} at ρ = ${rho}, ${CASES} cases: mean wait within ±10% of Erlang C`, async (t) => {
    // when
    const r = await run(c, rho, `mmc-${c}-${rho}`);

    // then
    t.equal(r.worked, CASES, 'every case was worked');
    t.ok(
      Math.abs(r.wq / r.theory.wq - 1) <= 0.1,
      `Wq simulated ${r.wq.toFixed(4)} h vs Erlang C ${r.theory.wq.toFixed(4)} h (P(wait) ${r.theory.wait.toFixed(4)})`,
    );
    t.ok(Math.abs(r.service - 1) <= 0.03, `mean service ${r.service.toFixed(4)} h vs 1/μ = 1 h`);
    t.ok(Math.abs(r.utilisation - rho) <= 0.03, `utilisation ${r.utilisation.toFixed(4)} vs ρ = ${rho}`);
  });
}

t.test(
  'M/M/2 at ρ = 0.7, five independent runs of 20,000 cases pooled: within ±5% of Erlang C',
  async (t) => {
    const runs = await Promise.all([1, 2, 3, 4, 5].map((i) => run(2, 0.7, `replication-${i}`)));
    const wq = runs.reduce((s, r) => s + r.wq, 0) / runs.length;
    const utilisation = runs.reduce((s, r) => s + r.utilisation, 0) / runs.length;
    const theory = runs[0].theory.wq;
    t.comment(`runs: ${runs.map((r) => r.wq.toFixed(3)).join(', ')} h`);
    t.ok(
      Math.abs(wq / theory - 1) <= 0.05,
      `pooled Wq ${wq.toFixed(4)} h vs Erlang C ${theory.toFixed(4)} h`,
    );
    t.ok(Math.abs(utilisation - 0.7) <= 0.015, `pooled utilisation ${utilisation.toFixed(4)} vs ρ = 0.7`);
  },
);

t.test('Erlang C itself: the textbook value', async (t) => {
  // c = 2, λ = 1.4, μ = 1: P0 = 1 / (1 + 1.4 + 1.96 / (2 × 0.3)) = 0.17647, C = 3.26667 × P0 = 0.57647
  const { wait, wq } = erlangC(1.4, 1, 2);
  t.ok(Math.abs(wait - 0.576471) < 1e-5, `P(wait) = ${wait}`);
  t.ok(Math.abs(wq - 0.960784) < 1e-5, `Wq = ${wq}`);
});
