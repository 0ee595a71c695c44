// The parameter file: every sample's .sim.json is valid for its process; mistakes are reported by path, all at
// once; each distribution draws values with its stated mean; variables follow their specs (bernoulli,
// categorical, choice, template, byVisit, constants).
import { readdirSync } from 'node:fs';
import t from 'tap';
import { calledInFile, compileUnit } from '../../engine/runtime/definition.js';
import { compileDuration, compileValue, Problems } from '../../engine/simulate/distributions.js';
import { compileParams, ParamsError, Random } from '../../engine/simulate/index.js';
import { compile, HOURS_PER_DAY, readSample } from './helpers.js';

const samples = readdirSync(new URL('../../processes/', import.meta.url))
  .filter((f) => f.endsWith('.sim.json'))
  .map((f) => f.replace(/\.sim\.json$/, ''));

t.test('every sample has parameters that fit its process and its forms', async (t) => {
  t.ok(samples.length >= 7, `${samples.length} parameter files`);
  for (const name of samples) {
    const { xml, params } = readSample(name);
    const definition = await compile(xml);
    // a 一件事's master runs the department processes of its file (calls them, or starts them by messages): their
    // tasks are timed in its parameters, as the command line compiles them
    const unit = await compileUnit(xml);
    const graphs = unit.ok ? unit.definitions.map((d) => d.graph) : [];
    const called = [...calledInFile(definition.graph, graphs), ...graphs.slice(1)];
    const compiled = compileParams(params, definition, { hoursPerDay: HOURS_PER_DAY, called });
    t.same(compiled.warnings, [], `${name}: valid, no warnings`);
    t.ok(params.demo && params.description, `${name}: has a description and demo settings`);
  }
});

t.test('mistakes are reported by path, all at once', async (t) => {
  const { xml } = readSample('business-startup.after');
  const definition = await compile(xml);
  const error = t.throws(() =>
    compileParams(
      {
        arrivals: { ratePerWorkingHour: -1 },
        case: { variables: { delivery: { categorical: { mail: 0.7, window: 0.4 } } } },
        departments: { 市场监管局: { staff: 0 } },
        tasks: {
          nowhere: { duration: 1 },
          fork: { duration: 1 },
          registration_review: {
            duration: { lognormal: { mean: 1 } },
            variables: { materialsComplete: { bernoulli: 1.5 } },
          },
        },
        messages: { 'materials-supplemented': {} },
        ratings: { levels: { 5: 0.5, 6: 0.5 } },
        extra: true,
      } as never,
      definition,
      { hoursPerDay: HOURS_PER_DAY },
    ),
  ) as unknown as ParamsError;
  t.ok(error instanceof ParamsError, 'a ParamsError');
  const paths = error.problems.map((p) => p.path);
  for (const path of [
    '$.extra',
    '$.arrivals.ratePerWorkingHour',
    '$.case.variables.delivery.categorical',
    '$.departments.市场监管局.staff',
    '$.tasks.nowhere',
    '$.tasks.fork',
    '$.tasks.registration_review.duration.lognormal.sd',
    '$.tasks.registration_review.variables.materialsComplete.bernoulli',
    '$.tasks.seal_making',
    '$.messages.materials-supplemented.delay',
    '$.ratings.levels.6',
  ]) {
    t.ok(paths.includes(path), `reports ${path}`);
  }
});

t.test('draws the server would refuse are caught before running: the forms are checked', async (t) => {
  const { xml, params } = readSample('sole-proprietor.after');
  const definition = await compile(xml);
  params.case = {
    ...params.case,
    variables: { ...params.case?.variables, idNumber: { template: '1101{n}' } },
  };
  const error = t.throws(() =>
    compileParams(params, definition, { hoursPerDay: HOURS_PER_DAY }),
  ) as unknown as ParamsError;
  t.match(
    error.message,
    /\$\.case\.variables: a draw does not fit the application form.*idNumber must match pattern/,
    error.message,
  );
  const { xml: x2, params: p2 } = readSample('business-startup.after');
  delete p2.tasks?.registration_review?.variables;
  const d2 = await compile(x2);
  const e2 = t.throws(() => compileParams(p2, d2, { hoursPerDay: HOURS_PER_DAY })) as unknown as ParamsError;
  t.match(e2.message, /\$\.tasks\.registration_review\.variables: .*materialsComplete/, e2.message);
});

t.test('each distribution draws values with its mean', async (t) => {
  const cases: [unknown, number][] = [
    [{ fixed: 2 }, 2],
    [{ exponential: { mean: 3 } }, 3],
    [{ lognormal: { mean: 2, sd: 1 } }, 2],
    [{ uniform: { min: 1, max: 5 } }, 3],
    [{ triangular: { min: 1, mode: 2, max: 6 } }, 3],
    [{ normal: { mean: 5, sd: 1 } }, 5],
    [{ lognormal: { mean: 0.5, sd: 0.2 }, unit: 'days' }, 0.5 * HOURS_PER_DAY],
  ];
  for (const [spec, mean] of cases) {
    const problems = new Problems();
    const draw = compileDuration(problems, '$', spec, HOURS_PER_DAY);
    t.same(problems.list, [], `${JSON.stringify(spec)} is valid`);
    const random = new Random(1, JSON.stringify(spec));
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = draw(random);
      sum += x;
      min = Math.min(min, x);
    }
    t.ok(
      Math.abs(sum / n / mean - 1) < 0.02,
      `${JSON.stringify(spec)}: mean ${(sum / n).toFixed(4)} ≈ ${mean}`,
    );
    t.ok(min >= 0, 'never negative');
  }
  // truncated normal: never below its minimum (0 for durations)
  const problems = new Problems();
  const truncated = compileDuration(problems, '$', { normal: { mean: 0.5, sd: 1 } }, HOURS_PER_DAY);
  const random = new Random(2);
  t.ok(
    Array.from({ length: 10_000 }, () => truncated(random)).every((x) => x >= 0),
    'normal truncated at 0',
  );
});

t.test('variable specs', async (t) => {
  const problems = new Problems();
  const random = new Random(3);
  const at = (visit: number, caseNumber = 7) => ({ caseNumber, visit });
  const bernoulli = compileValue(problems, '$', { bernoulli: 0.8 });
  const share =
    Array.from({ length: 20_000 }, () => bernoulli(random, at(1))).filter(Boolean).length / 20_000;
  t.ok(Math.abs(share - 0.8) < 0.01, `bernoulli 0.8 → ${share}`);
  const categorical = compileValue(problems, '$', { categorical: { mail: 0.6, window: 0.4 } });
  const mail =
    Array.from({ length: 20_000 }, () => categorical(random, at(1))).filter((v) => v === 'mail').length /
    20_000;
  t.ok(Math.abs(mail - 0.6) < 0.01, `categorical mail 0.6 → ${mail}`);
  const choice = compileValue(problems, '$', { choice: [{ value: [1, 2], p: 1 }] });
  t.same(choice(random, at(1)), [1, 2], 'choice of any JSON value');
  t.equal(
    compileValue(problems, '$', { template: '企业{n}-{n:4}' })(random, at(1, 12)),
    '企业12-0012',
    'template with the case number, padded',
  );
  const byVisit = compileValue(problems, '$', { byVisit: [false, true] });
  t.same(
    [1, 2, 3].map((v) => byVisit(random, at(v))),
    [false, true, true],
    'byVisit: the last one repeats',
  );
  const list = compileValue(problems, '$', ['a', 'b']);
  const first = list(random, at(1)) as string[];
  first.push('changed');
  t.same(list(random, at(1)), ['a', 'b'], 'constants are copied, never shared between cases');
  t.equal(
    (compileValue(problems, '$', { uniform: { min: 0, max: 1000 }, round: 0 })(random, at(1)) as number) % 1,
    0,
    'round: 0 decimals',
  );
  t.same(problems.list, [], 'all valid');
});
