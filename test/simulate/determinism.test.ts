// Same seed, same output: the summary text and JSON, every case (outcome, commands and the ids they drew, final
// snapshot) and the event logs are byte-identical across runs; another seed gives other figures.
import t from 'tap';
import {
  csvRows,
  formatSummary,
  type LogEntry,
  simulate,
  summarise,
  xesTrace,
} from '../../engine/simulate/index.js';
import { calendar, sample } from './helpers.js';

const run = async (name: string, seed: number | string) => {
  const { definition, params } = await sample(name);
  const log: string[] = [];
  const result = simulate({
    definition,
    params,
    seed,
    calendar,
    cases: 400,
    record: true,
    onCaseLog: (entries: LogEntry[]) => log.push(csvRows(entries), xesTrace(entries[0].caseId, entries)),
  });
  const summary = summarise(result, definition, calendar);
  return {
    text: formatSummary(summary),
    json: JSON.stringify(summary),
    cases: JSON.stringify(result.cases),
    log: log.join(''),
    ratings: JSON.stringify(result.ratings),
  };
};

for (const name of [
  'business-startup.after',
  'business-startup.before',
  'construction-approval.after',
  'rating-rectification',
]) {
  t.test(`${name}: the same seed gives byte-identical output`, async (t) => {
    // when
    const first = await run(name, 42);
    const second = await run(name, 42);
    const other = await run(name, 43);

    // then
    t.equal(second.text, first.text, 'summary table');
    t.equal(second.json, first.json, 'summary JSON');
    t.equal(second.cases, first.cases, 'cases: outcomes, commands with their ids, snapshots');
    t.equal(second.log, first.log, 'event log (CSV and XES)');
    t.equal(second.ratings, first.ratings, 'ratings');
    t.ok(first.log.length > 0 && first.cases.length > 1000, 'something was produced');
    t.not(other.cases, first.cases, 'another seed gives other cases');
    t.not(other.text, first.text, 'and another summary');
  });
}
