// A parallel redesign beats its serial original by the margin its parameters predict. Business start-up before
// (seven windows in series, 13 steps) and after (registration, then five departments in parallel), simulated
// from their .sim.json files on the real engine. With unlimited staff nothing queues, so a case's working time
// is exactly the sum of the step durations on its path, and the expected means follow from the parameters:
//   before = Σ serial step means + E[reviews] × review mean + E[corrections] × correction-request mean
//   after  = E[reviews] × review mean + E[corrections] × request mean + E[max of the 5 parallel steps] + delivery
// with E[reviews] = 1 + (1 − p₁) / p₂ for a first-visit completeness p₁ and later ones p₂ (the time waiting for
// the supplement pauses the clock: gov:pausesClock), and E[max] = ∫ (1 − Π Fᵢ(x)) dx over the lognormal CDFs.
// The simulated means must lie within 3% of the expected ones (≥ 5 standard errors at 3,000 cases), and so must
// their ratio. With the departments' real staffing (queueing) the after version must still take < 5% as long.
import t from 'tap';
import type { NumericSpec } from '../../engine/simulate/distributions.js';
import { type SimulationParams, simulate, summarise } from '../../engine/simulate/index.js';
import { calendar, HOURS_PER_DAY, sample } from './helpers.js';

const CASES = 3000;
const TOLERANCE = 0.03;

type Spec = { lognormal: { mean: number; sd: number }; unit?: 'hours' | 'days' };
const hours = (spec: NumericSpec | number | undefined): number => {
  const s = spec as Spec;
  return s.lognormal.mean * (s.unit === 'days' ? HOURS_PER_DAY : 1);
};
const task = (p: SimulationParams, id: string) => p.tasks?.[id]?.duration as Spec;
/** Completeness on the first visit and on later ones, from { byVisit: [{ bernoulli }, { bernoulli }] }. */
const completeness = (p: SimulationParams): [number, number] => {
  const spec = p.tasks?.registration_review?.variables?.materialsComplete as {
    byVisit: { bernoulli: number }[];
  };
  return [spec.byVisit[0].bernoulli, spec.byVisit[1].bernoulli];
};
const reviews = ([p1, p2]: [number, number]) => 1 + (1 - p1) / p2;

// standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)
const phi = (z: number): number => {
  const x = Math.abs(z) / Math.SQRT2;
  const k = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) *
      k *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
};
const lognormalCdf = (spec: Spec) => {
  const { mean, sd } = spec.lognormal;
  const s2 = Math.log(1 + (sd * sd) / (mean * mean));
  const mu = Math.log(mean) - s2 / 2;
  return (x: number) => (x <= 0 ? 0 : phi((Math.log(x) - mu) / Math.sqrt(s2)));
};
/** E[max] of independent lognormals (hours): ∫₀^∞ (1 − Π Fᵢ(x)) dx, midpoint rule. */
const expectedMax = (specs: Spec[]): number => {
  const cdfs = specs.map(lognormalCdf);
  let sum = 0;
  const dx = 0.0005;
  for (let x = dx / 2; x < 60; x += dx) sum += (1 - cdfs.reduce((p, f) => p * f(x), 1)) * dx;
  return sum;
};

const SERIAL = [
  'name_approval',
  'registration_intake',
  'issue_licence',
  'seal_approval',
  'seal_making',
  'bank_account',
  'account_approval',
  'tax_registration',
  'invoice_purchase',
  'social_insurance',
  'housing_fund',
];
const PARALLEL = ['seal_making', 'invoices', 'social_insurance', 'housing_fund', 'bank_account'];

const expectedBefore = (p: SimulationParams): number => {
  const r = reviews(completeness(p));
  return (
    (SERIAL.reduce((s, id) => s + hours(task(p, id)), 0) +
      r * hours(task(p, 'registration_review')) +
      (r - 1) * hours(task(p, 'correction_request'))) /
    HOURS_PER_DAY
  );
};
const expectedAfter = (p: SimulationParams): number => {
  const r = reviews(completeness(p));
  const choice = p.case?.variables?.delivery as { categorical: Record<string, number> } | undefined;
  const mail = choice?.categorical.mail ?? 0;
  const delivery = mail * hours(task(p, 'mail')) + (1 - mail) * hours(task(p, 'pick_up'));
  const parallel = expectedMax(PARALLEL.map((id) => task(p, id)));
  return (
    (r * hours(task(p, 'registration_review')) +
      (r - 1) * hours(task(p, 'correction_request')) +
      parallel +
      delivery) /
    HOURS_PER_DAY
  );
};

const meanDays = async (name: string, version: number, unlimited: boolean) => {
  const { definition, params, raw } = await sample(name, version, (p) => {
    if (unlimited) delete p.departments;
  });
  const result = simulate({ definition, params, seed: 7, calendar, cases: CASES });
  const summary = summarise(result, definition, calendar);
  t.equal(summary.cases.completed, CASES, `${name}: every case completed`);
  return { days: summary.dynamic.meanWorkingDays as number, raw };
};

t.test('business start-up: parallel after vs serial before, as the parameters predict', async (t) => {
  // given
  const before = await meanDays('business-startup.before', 1, true);
  const after = await meanDays('business-startup.after', 2, true);
  const expected = { before: expectedBefore(before.raw), after: expectedAfter(after.raw) };

  // then
  const within = (actual: number, wanted: number, what: string) =>
    t.ok(
      Math.abs(actual / wanted - 1) <= TOLERANCE,
      `${what}: simulated ${actual.toFixed(4)} vs expected ${wanted.toFixed(4)} working days (±${TOLERANCE * 100}%)`,
    );
  within(before.days, expected.before, 'before (serial) mean');
  within(after.days, expected.after, 'after (parallel) mean');
  const ratio = after.days / before.days;
  const expectedRatio = expected.after / expected.before;
  t.ok(
    Math.abs(ratio / expectedRatio - 1) <= 2 * TOLERANCE,
    `after/before ${ratio.toFixed(4)} vs expected ${expectedRatio.toFixed(4)} (±${2 * TOLERANCE * 100}%)`,
  );
  // the parallel branch costs its longest member, not the sum
  const sumOfParallel = PARALLEL.reduce((s, id) => s + hours(task(after.raw, id)), 0) / HOURS_PER_DAY;
  t.ok(
    after.days < sumOfParallel,
    `after ${after.days.toFixed(3)} < the parallel steps' sum alone ${sumOfParallel.toFixed(3)}`,
  );
});

t.test(
  'with the departments staffed as in the parameter files (queues), after still takes < 5% of before',
  async (t) => {
    const before = await meanDays('business-startup.before', 1, false);
    const after = await meanDays('business-startup.after', 2, false);
    t.ok(after.days / before.days < 0.05, `after/before = ${(after.days / before.days).toFixed(4)}`);
    t.ok(
      before.days > 15 && before.days < 25,
      `before ${before.days.toFixed(2)} working days: the national "20多个工作日"`,
    );
    t.ok(
      after.days < 1,
      `after ${after.days.toFixed(2)} working days: within the committed 1 day on average`,
    );
  },
);
