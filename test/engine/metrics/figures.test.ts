// The catalogue of figures: every figure a version has is in it, with one unit, one better direction and one
// change kind; a rate's change is stated in percentage points, a count's or duration's in percent; the
// simulation CLI's comparison reads it (a rising first-time rate is "+17.6 个百分点 pp", better).
import t from 'tap';
import { change, dynamicMetricsOf } from '../../../engine/metrics/dynamic-metrics.js';
import { changeTone, changeWords, FIGURES, figureDefinition } from '../../../engine/metrics/figures.js';
import type { StaticMetrics } from '../../../engine/metrics/static-metrics.js';
import { formatComparison, type SimulationSummary } from '../../../engine/simulate/index.js';

const STATIC: (keyof StaticMetrics)[] = [
  'steps',
  'departments',
  'materials',
  'applicantMaterials',
  'timeLimitDays',
  'pathTimeLimitDays',
  'trips',
  'statutoryLimitDays',
];

t.test('every static and dynamic figure is catalogued once, with a meaning', async (t) => {
  t.equal(new Set(FIGURES.map((f) => f.key)).size, FIGURES.length, 'no key twice');
  // the numeric dynamic figures, as a version's metrics carry them
  const dynamic = Object.entries(dynamicMetricsOf([], { timeLimitDays: 5, msPerWorkingDay: 25_200_000 }))
    .filter(([, value]) => typeof value === 'number' || value === null)
    .map(([key]) => key);
  t.ok(
    dynamic.includes('firstTimeRate') && dynamic.includes('calledBackRate'),
    'the dynamic figures are read',
  );
  for (const key of [...STATIC, ...dynamic]) {
    const f = figureDefinition(key);
    t.ok(f, `${key} is in the catalogue`);
    if (!f) continue;
    t.ok(f.zh && f.en, `${key} has a Chinese and an English label`);
    t.equal(f.changeKind, f.unit === 'rate' ? 'pp' : 'percent', `${key}: rates in points, others in percent`);
    t.ok(['higher', 'lower', 'neither'].includes(f.better));
  }
  for (const key of ['firstTimeRate', 'onTimeRate', 'satisfaction', 'rectifiedOnTimeRate', 'calledBackRate'])
    t.match(figureDefinition(key), { unit: 'rate', better: 'higher', changeKind: 'pp' }, key);
  for (const key of ['steps', 'applicantMaterials', 'timeLimitDays', 'trips', 'meanWorkingDays'])
    t.match(figureDefinition(key), { better: 'lower', changeKind: 'percent' }, key);
  // counts that follow the number of cases are no improvement when they fall
  for (const key of ['completed', 'rectified', 'calledBack', 'rectifiedOnTime'])
    t.equal(figureDefinition(key)?.better, 'neither', key);
});

t.test('a change in words and in colour', async (t) => {
  const rate = figureDefinition('firstTimeRate');
  const days = figureDefinition('meanWorkingDays');
  if (!rate || !days) throw new Error('catalogue');
  const rising = change(0.705, 0.881);
  t.equal(changeWords(rate, rising, 'zh'), '+17.6 个百分点');
  t.equal(changeWords(rate, rising, 'en'), '+17.6 pp');
  t.equal(changeTone(rate.better, rising.delta), 'better');
  const shorter = change(7.5, 6);
  t.equal(changeWords(days, shorter, 'zh'), '−1.5（−20%）');
  t.equal(changeWords(days, shorter, 'en'), '−1.5 (−20%)');
  t.equal(changeTone(days.better, shorter.delta), 'better');
  t.equal(changeTone(days.better, change(6, 7.5).delta), 'worse');
  t.equal(changeTone('neither', -26), 'neutral');
  t.equal(changeWords(rate, change(null, 0.5), 'zh'), null);
});

t.test('the simulation CLI states a rate change in points', async (t) => {
  const summary = (firstTimeRate: number, meanWorkingDays: number) =>
    ({
      process: { key: 'p', version: 1 },
      seed: 1,
      dynamic: {
        meanWorkingDays,
        medianWorkingDays: meanWorkingDays,
        p90WorkingDays: meanWorkingDays,
        meanTrips: 1,
        firstTimeRate,
        onTimeRate: 0.9,
        satisfaction: null,
      },
    }) as unknown as SimulationSummary;
  const text = formatComparison(summary(0.705, 7.5), summary(0.881, 6));
  t.match(
    text,
    /一次性办结率 Done first time \(no correction\)\s+70\.5%\s+88\.1%\s+\+17\.6 个百分点 pp 改善 better/,
  );
  t.match(text, /平均办理时间 Mean processing time\s+7\.50\s+6\.00\s+−1\.5 \(−20%\) 改善 better/);
  t.notMatch(text, /25\.0%/, 'no relative change of a rate');
});
