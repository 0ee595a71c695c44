// FEEL is bounded (issue 15): an expression over the size limits is refused at deploy naming its element and
// the limit, measured without parsing it (feelin's parse of a 20,000-item list took 8.6 s and 2 GB); every
// evaluation runs within a time budget on a worker thread, so a loop over a huge range or a recursive function
// becomes an incident instead of a frozen server; a result larger than the limit is refused.
import fc from 'fast-check';
import { parseExpression } from 'feelin';
import t from 'tap';
import { ExpressionError, evaluateFeel, FEEL_BUDGET, mayRunLong } from '../../../engine/model/feel.js';
import { FEEL_LIMITS, feelSize, feelSizeProblem } from '../../../engine/model/feel-limits.js';
import { feelSyntaxProblem } from '../../../engine/model/validate.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { LocalEngine } from '../../../engine/runtime/local-engine.js';

const doc = (content: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="p" isExecutable="true">
${content}
  </bpmn:process>
</bpmn:definitions>`;

/** start → script task `s` (FEEL `script`, result in `r`) → end. */
const scriptProcess = (script: string): string =>
  doc(`<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s" />
    <bpmn:scriptTask id="s" name="计算" scriptFormat="feel" gov:resultVariable="r"><bpmn:script>${script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="s" targetRef="end" /><bpmn:endEvent id="end" />`);

const list = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const context = (n: number): string => `{${Array.from({ length: n }, (_, i) => `a${i}: ${i}`).join(', ')}}`;

const timed = async <T>(f: () => T | Promise<T>): Promise<[T, number]> => {
  const began = performance.now();
  const value = await f();
  return [value, performance.now() - began];
};

t.test('feelSize measures without parsing: characters, tokens, context entries, nesting', async (t) => {
  t.same(feelSize('= a + 1'), { characters: 5, tokens: 3, contextEntries: 0, depth: 0 });
  t.same(feelSize('{a: 1, b: {c: "x, y"}}'), { characters: 22, tokens: 13, contextEntries: 3, depth: 2 });
  t.same(feelSize('x in [1..10)').depth, 1, 'an interval closed by another bracket');
  t.same(
    feelSize('"a \\" b" // c, d\n + 1 /* { */').tokens,
    3,
    'strings and comments are single tokens or nothing',
  );
  t.equal(feelSize('申请人 年龄 >= 18').tokens, 5, 'words, then one token per operator character');
  t.equal(feelSize(list(20_000)).characters, 108_891);
});

t.test('reproduction 2: a 20,000-item list script is refused at deploy in milliseconds', async (t) => {
  // given the script of the reproduction: 109 KB, which took 8.6 s and 2.2 GB at deploy
  const xml = scriptProcess(list(20_000));
  // when
  const [result, ms] = await timed(() => compileDefinition(xml));
  // then
  t.notOk(result.ok);
  t.match(result.findings, [
    {
      elementId: 's',
      type: 'expressionTooLarge',
      severity: 'error',
      message:
        /the script of scriptTask 's' \(计算\) is too large to run: it has 108,891 characters, more than the 10,000/,
    },
  ]);
  t.ok(ms < 5000, `refused in ${ms.toFixed(0)} ms`);
});

t.test('reproduction 2: a 100,000-item list (590 KB) is refused just as fast', async (t) => {
  const [result, ms] = await timed(() => compileDefinition(scriptProcess(list(100_000))));
  t.notOk(result.ok);
  t.match(result.findings, [{ elementId: 's', type: 'expressionTooLarge', message: /588,891 characters/ }]);
  t.ok(ms < 5000, `refused in ${ms.toFixed(0)} ms`);
});

t.test('each limit is named: tokens, context entries, nesting', async (t) => {
  const cases: [string, RegExp][] = [
    [list(600), /1,201 tokens .*more than the 1,000/],
    [context(101), /context literals have 101 entries, more than the 100/],
    [`${'('.repeat(51)}1${')'.repeat(51)}`, /nests 51 levels of brackets, more than the 50/],
  ];
  for (const [script, message] of cases) {
    const result = await compileDefinition(scriptProcess(script));
    t.match(result.findings, [{ elementId: 's', type: 'expressionTooLarge', message }], message.source);
    t.match(result.findings[0].message, /keep large data out of the model/, 'says what to do instead');
  }
});

t.test('at the limits, the slowest shapes still parse quickly and deploy', async (t) => {
  // a 500-item list (999 tokens), a 100-entry context, a 1,000-word name: the shapes whose parse grows fastest
  const shapes = [list(499), context(100), `${Array.from({ length: 1000 }, () => 'ab').join(' ')}`];
  for (const script of shapes) {
    t.equal(feelSizeProblem(feelSize(script)), null, 'within the limits');
    const [problem, ms] = await timed(() => feelSyntaxProblem(script));
    t.equal(problem, null);
    t.ok(ms < 5000, `parsed in ${ms.toFixed(0)} ms`);
  }
  const result = await compileDefinition(scriptProcess(list(499)));
  t.ok(result.ok, 'a 500-item list deploys');
});

t.test('the expressions of one definition together are limited too', async (t) => {
  // given 25 script tasks, each at 999 tokens: each within its limit, 24,975 tokens together
  const n = 25;
  const tasks = Array.from(
    { length: n },
    (_, i) =>
      `<bpmn:scriptTask id="s${i}" scriptFormat="feel" gov:resultVariable="r${i}"><bpmn:script>${list(499)}</bpmn:script></bpmn:scriptTask>
       <bpmn:sequenceFlow id="f${i}" sourceRef="${i === 0 ? 'start' : `s${i - 1}`}" targetRef="s${i}" />`,
  ).join('\n');
  const xml = doc(
    `<bpmn:startEvent id="start" />${tasks}<bpmn:sequenceFlow id="fe" sourceRef="s${n - 1}" targetRef="end" /><bpmn:endEvent id="end" />`,
  );
  // when
  const [result, ms] = await timed(() => compileDefinition(xml));
  // then
  t.notOk(result.ok);
  t.match(result.findings, [
    {
      elementId: 's0',
      type: 'expressionsTooLarge',
      message:
        /hold 24,975 tokens, more than the 20,000 a definition may have together \('s0' holds the largest/,
    },
  ]);
  t.ok(ms < 5000, `checked in ${ms.toFixed(0)} ms`);
});

t.test(
  'a stored definition over the limits still loads (its cases go on), with the finding as a warning',
  async (t) => {
    const xml = scriptProcess(list(3000));
    const deployed = await compileDefinition(xml);
    t.notOk(deployed.ok, 'a new deployment is refused');
    const stored = await compileDefinition(xml, { id: 'p:1', version: 1 }, { stored: true });
    t.ok(stored.ok, 'a stored one loads');
    t.match(stored.findings, [{ elementId: 's', type: 'expressionTooLarge', severity: 'warning' }]);
  },
);

t.test('an evaluation past its time budget is stopped; the next one runs', async (t) => {
  t.equal(evaluateFeel('1 + 1', {}), 2, 'the evaluator has loaded');
  const runaway = [
    'some i in 1..100000000 satisfies i < 0',
    '{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1), r: f(40)}.r',
    'count(for i in 1..100000, j in 1..100000 return 1)',
  ];
  for (const expression of runaway) {
    const [error, ms] = await timed(() => {
      try {
        evaluateFeel(expression, {});
        return null;
      } catch (e) {
        return e;
      }
    });
    t.ok(error instanceof ExpressionError, expression);
    t.match((error as Error).message, /was stopped after 500 ms, the time one evaluation may take/);
    // each would run for minutes unstopped; the margin is for a loaded machine (CI runs two test files at once)
    t.ok(ms < FEEL_BUDGET.ms * 10, `stopped after ${ms.toFixed(0)} ms`);
    t.equal(evaluateFeel('count(xs) + 1', { xs: [1, 2] }), 3, 'the evaluator answers again');
  }
});

t.test('a result larger than the limit is refused, not stored', async (t) => {
  // 20,000 strings of 60 characters: 1.26 million characters as JSON
  t.throws(
    () => evaluateFeel(`for i in 1..20000 return "${'0123456789'.repeat(6)}"`, {}),
    /produced a result of about 1,0\d\d,\d\d\d characters as JSON, more than the 1,000,000 a result may have: return less data/,
  );
  const big = evaluateFeel('for i in 1..1000 return i', {}) as number[];
  t.equal(big.length, 1000, 'a result within the limit is returned');
});

t.test(
  'evaluation keeps its meaning: values, dates, errors, variables that are not copied back',
  async (t) => {
    t.equal(evaluateFeel('= a + b', { a: 1, b: 2 }), 3);
    t.equal(evaluateFeel('date("2026-01-05") + duration("P1D")', {}), '2026-01-06');
    t.same(evaluateFeel('{x: [1, 2], y: null}', {}), { x: [1, 2], y: null });
    t.equal(evaluateFeel('missing', {}), null);
    t.throws(() => evaluateFeel('1 +', {}), /FEEL expression '1 \+' failed: /);
    const variables = { list: [3, 1, 2] };
    t.same(evaluateFeel('sort(list, function(x, y) x < y)', variables), [1, 2, 3]);
    t.same(variables.list, [3, 1, 2]);
  },
);

t.test(
  'an older stored expression over the limits is evaluated within the budget, never parsed inline',
  async (t) => {
    // 600 items (1,201 tokens): over the token limit, evaluated off the main thread well within the budget
    t.equal((evaluateFeel(list(600), {}) as number[]).length, 600);
    // 60,000 items: feelin alone takes many seconds; the budget stops it (timed once a thread has loaded)
    t.equal(evaluateFeel('1 + 1', {}), 2);
    const [error, ms] = await timed(() => {
      try {
        return evaluateFeel(list(60_000), {});
      } catch (e) {
        return e;
      }
    });
    t.match(error, { message: /was stopped after 500 ms/ });
    // each would run for minutes unstopped; the margin is for a loaded machine (CI runs two test files at once)
    t.ok(ms < FEEL_BUDGET.ms * 10, `stopped after ${ms.toFixed(0)} ms`);
  },
);

t.test('a case whose script runs away gets an incident naming the element', async (t) => {
  const engine = new LocalEngine();
  await engine.deploy(scriptProcess('count(for i in 1..100000000 return i)'));
  const snapshot = engine.start('p', {});
  t.match(snapshot.incidents, [{ elementId: 's', message: /was stopped after 500 ms/ }]);
  t.same(snapshot.variables, {});
});

t.test('fuzz: huge literals of every shape are measured, then refused or parsed quickly', async (t) => {
  // bounded count: a few seconds in CI
  const shape = fc.oneof(
    fc.integer({ min: 1, max: 120_000 }).map((n) => list(n)),
    fc.integer({ min: 1, max: 3_000 }).map((n) => context(n)),
    fc.integer({ min: 1, max: 20_000 }).map((n) => Array.from({ length: n }, () => 'ab').join(' ')),
    fc.integer({ min: 1, max: 5_000 }).map((n) => `${'['.repeat(n)}1${']'.repeat(n)}`),
    fc.integer({ min: 1, max: 40_000 }).map((n) => Array.from({ length: n }, () => 'x').join(' + ')),
    fc.integer({ min: 1, max: 200_000 }).map((n) => `"${'字'.repeat(n)}"`),
    fc
      .array(fc.constantFrom('[', ']', '{', '}', '(', ')', ',', ':', '"', 'a', '1', ' ', '..', '//', '\n'), {
        maxLength: 30_000,
      })
      .map((parts) => parts.join('')),
  );
  await fc.assert(
    fc.asyncProperty(shape, async (script) => {
      const size = feelSize(script);
      const [problem, ms] = await timed(() => feelSyntaxProblem(script));
      if (feelSizeProblem(size) !== null) {
        if (!/^the expression is too large to run: /.test(problem ?? '')) return false;
        return ms < 2000; // refused by the scan alone (a parse of it takes minutes)
      }
      // within the limits: feelin parses it, whatever the verdict, quickly
      return ms < 1000;
    }),
    { numRuns: 40, seed: 15 },
  );
  t.pass('every expression was refused by its size or parsed within a second');
});

t.test('the limits agree with feelin: what the scan accepts, feelin parses to the same extent', async (t) => {
  // a scan that undercounted would let a slow parse through: every accepted expression stays small for feelin
  for (const script of [list(499), context(100)]) {
    let nodes = 0;
    parseExpression(script, {}, undefined).iterate({
      enter() {
        nodes++;
      },
    });
    t.ok(nodes <= 2 * FEEL_LIMITS.tokens, `${nodes} syntax nodes`);
  }
});

t.test(
  'only expressions that can run long go to the budgeted thread; the rest are evaluated inline',
  async (t) => {
    // given the expressions real processes use, and the ones that iterate, recurse or backtrack
    const inline = [
      'x > 100',
      'if n = null then 1 else n + 1',
      'contains(test, "a")',
      'string length(name) > 2 and amount <= 1000',
      '{a: 1, b: a + 1}.b',
    ];
    const budgeted = [
      'for i in 1..3 return i',
      'some x in l satisfies x > 1',
      'every x in l satisfies x',
      'l[item > 2]',
      '{f: function(n) if n = 0 then 1 else n * f(n - 1), r: f(5)}.r',
      'matches(a, "x+")',
      'replace(a, "b", "c")',
      'split(a, ",")',
    ];
    // then each is classified as such
    for (const e of inline) t.equal(mayRunLong(e), false, `inline: ${e}`);
    for (const e of budgeted) t.equal(mayRunLong(e), true, `budgeted: ${e}`);
    // and both paths give FEEL's answers
    t.equal(evaluateFeel('if n = null then 1 else n + 1', { n: 4 }), 5);
    t.same(evaluateFeel('for i in 1..3 return i * 2', {}), [2, 4, 6]);
    const error = t.throws(() => evaluateFeel('x +', {}), /FEEL expression 'x \+' failed/);
    t.ok(error instanceof ExpressionError, 'a syntax error inline is an ExpressionError');
  },
);
