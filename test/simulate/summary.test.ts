// The summary table labels its figures from the catalogue (engine/metrics/figures.ts), each with the value the
// summary holds: rates in percent, counts whole, working days and trips to two decimals.
import t from 'tap';
import { figureDefinition } from '../../engine/metrics/figures.js';
import { formatSummary, simulate, summarise } from '../../engine/simulate/index.js';
import { calendar, sample } from './helpers.js';

t.test('every figure of the summary is printed with its catalogue labels and its value', async (t) => {
  // given a run of the sample with corrections, ratings and a committed limit
  const { definition, params } = await sample('business-startup.after');
  const summary = summarise(
    simulate({ definition, params, seed: 3, calendar, cases: 300 }),
    definition,
    calendar,
  );

  // when
  const text = formatSummary(summary);

  // then
  const d = summary.dynamic;
  const expected: [string, string][] = [
    ['meanWorkingDays', d.meanWorkingDays?.toFixed(2) ?? ''],
    ['medianWorkingDays', d.medianWorkingDays?.toFixed(2) ?? ''],
    ['p90WorkingDays', d.p90WorkingDays?.toFixed(2) ?? ''],
    ['meanTrips', d.meanTrips?.toFixed(2) ?? ''],
    ['firstTimeRate', `${((d.firstTimeRate ?? 0) * 100).toFixed(1)}%`],
    ['onTimeRate', `${((d.onTimeRate ?? 0) * 100).toFixed(1)}%`],
    ['satisfaction', `${((d.satisfaction ?? 0) * 100).toFixed(1)}%`],
    ['badRatings', String(d.badRatings)],
  ];
  for (const [key, value] of expected) {
    const f = figureDefinition(key);
    t.ok(f?.zh && f.en, `${key} has both labels in the catalogue`);
    if (!f) continue;
    const row = text.split('\n').find((line) => line.startsWith(`${f.zh} ${f.en} `));
    t.ok(row, `${key}: a row labelled "${f.zh} ${f.en}"`);
    t.equal(
      row
        ?.trim()
        .split(/\s{2,}/)
        .at(-1),
      value,
      `${key}: its value ${value}`,
    );
  }
  t.ok(d.firstTimeRate !== null && d.firstTimeRate < 1 && d.badRatings > 0, 'the figures are not trivial');
  t.match(text, `承诺时限 committed limit ${summary.timeLimitDays} 工作日 working days`);
});
