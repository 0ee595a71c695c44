// gov:form schemas are bounded (issue 15): compiled at deploy in ajv's strict mode (a broken schema is a 422
// naming the element and the schema error, not a 500 at every start), patterns run on re2js in linear time with
// ECMAScript's meaning, arrays and strings get default caps, and uniqueItems is linear.
import fc from 'fast-check';
import { RE2JS } from 're2js';
import t from 'tap';
import { toRe2 } from '../../../engine/model/form-patterns.js';
import { FORM_LIMITS, formSchemaProblem, formValidator } from '../../../engine/model/form-schema.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';

/** A process whose application form and user task `review`'s form are these JSON texts. */
const withForms = (
  processForm: string | null,
  taskForm: string | null = null,
): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="p" isExecutable="true">
    ${processForm === null ? '' : `<bpmn:extensionElements><gov:form>${processForm}</gov:form></bpmn:extensionElements>`}
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审查" gov:department="市场监管">
      ${taskForm === null ? '' : `<bpmn:extensionElements><gov:form>${taskForm}</gov:form></bpmn:extensionElements>`}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** U+… of each character: a description of the input that TAP's line-based output keeps intact. */
const codePoints = (text: string): string =>
  [...text].map((c) => `U+${c.codePointAt(0)?.toString(16).toUpperCase()}`).join(' ');

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

const timed = <T>(f: () => T): [T, number] => {
  const began = performance.now();
  const value = f();
  return [value, performance.now() - began];
};

t.test(
  'reproduction 4: broken schemas are refused at deploy naming the element and the schema error',
  async (t) => {
    const cases: [string, RegExp][] = [
      [
        '{"type":"object","properties":{"x":{"type":"string","pattern":"("}}}',
        /pattern "\(" is not a valid regular expression \(\/\(\/u: Unterminated group\)/,
      ],
      [
        '{"type":"object","properties":{"x":{"$ref":"#/definitions/missing"}}}',
        /\$ref #\/definitions\/missing points to nothing in the form/,
      ],
      [
        '{"$ref":"#"}',
        /the \$ref chain through # leads back to # without descending into a property or item/,
      ],
      [
        '{"type":"banana"}',
        /it is not a valid JSON Schema \(draft-07\): data\/type must be equal to one of the allowed values/,
      ],
      ['[{"type":"object"}]', /it is an array, not a JSON Schema object/],
    ];
    for (const [form, message] of cases) {
      // on the process (application form) and on the user task
      for (const [xml, elementId, what] of [
        [
          withForms(escapeXml(form)),
          'p',
          "the application form \\(gov:form\\) of process 'p' cannot be used: ",
        ],
        [withForms(null, escapeXml(form)), 'review', "gov:form of userTask 'review' cannot be used: "],
      ] as const) {
        const result = await compileDefinition(xml);
        t.notOk(result.ok, form);
        t.match(
          result.findings.filter((f) => f.severity === 'error'),
          [{ elementId, type: 'invalidForm', message: new RegExp(what + message.source) }],
          `${elementId}: ${form}`,
        );
      }
    }
  },
);

t.test('strict mode: what ajv would silently ignore is an error with its fix', async (t) => {
  const cases: [unknown, RegExp][] = [
    [
      { type: 'object', properties: { a: { type: 'string', maxlength: 3 } } },
      /"maxlength" is not a JSON Schema keyword \(draft-07\), so it would be ignored: correct its spelling/,
    ],
    [
      { type: 'object', properties: { age: { minimum: 18 } } },
      /"minimum" at #\/properties\/age applies to number values only, but that schema does not say "type": "number": add it/,
    ],
    [
      { type: 'object', required: ['applicant'], properties: { aplicant: { type: 'string' } } },
      /"applicant" is required at # but not defined in its properties/,
    ],
    [
      { type: 'object', properties: { mail: { type: 'string', format: 'email' } } },
      /format "email" at #\/properties\/mail is not checked by Reflow: describe the value with a pattern/,
    ],
    [
      { type: 'object', properties: { l: { type: 'array', maxItems: 50_000 } } },
      /maxItems is 50,000 at #\/properties\/l, more than the 10,000 Reflow allows/,
    ],
    [{ type: 'string', maxLength: 200_000 }, /maxLength is 200,000 at #, more than the 100,000/],
    [{ $ref: 'https://example.org/person.json' }, /is not a reference inside the form/],
    [{ $id: 'person', type: 'object' }, /remove \$id/],
    [
      { type: 'string', pattern: '(a)\\1' },
      /uses a backreference \(\\1\), which needs a backtracking engine/,
    ],
    [{ type: 'string', pattern: '^(?=.*\\d).{8,}$' }, /uses a lookahead/],
    [{ type: 'string', pattern: '(?<!x)y' }, /uses a lookbehind/],
    [{ type: 'string', pattern: 'a{1001}' }, /repeats a part more than 1,000 times/],
    [
      { type: 'string', pattern: 'x'.repeat(1001) },
      /has 1,001 characters, more than the 1,000 a pattern may have/,
    ],
    [{ type: 'string', pattern: '\\p{Script_Extensions=Han}' }, /use \\p\{Script=Han\} instead/],
    [
      {
        definitions: { a: { $ref: '#/definitions/b' }, b: { allOf: [{ $ref: '#/definitions/a' }] } },
        $ref: '#/definitions/a',
      },
      /leads back to #\/definitions\/a/,
    ],
    [true, /it is a boolean, not a JSON Schema object/],
  ];
  for (const [schema, message] of cases) t.match(formSchemaProblem(schema), message, JSON.stringify(schema));
});

t.test('the forms of the sample processes pass strict mode', async (t) => {
  const forms = [
    {
      type: 'object',
      required: ['applicant'],
      properties: { applicant: { type: 'string', minLength: 1 }, capital: { type: 'number', minimum: 0 } },
    },
    {
      type: 'object',
      properties: { scope: { type: 'array', items: { type: 'string' }, uniqueItems: true, default: [] } },
    },
    {
      type: 'object',
      properties: { id: { type: 'string', pattern: '^[0-9]{17}[0-9Xx]$', title: '身份证号码' } },
    },
    { type: 'object', properties: { child: { $ref: '#' }, name: { type: ['string', 'null'] } } },
    {
      type: 'object',
      properties: { address: { $ref: '#/definitions/address' } },
      definitions: { address: { type: 'string' } },
    },
  ];
  for (const form of forms) t.equal(formSchemaProblem(form), null, JSON.stringify(form));
});

t.test('reproduction 3: a catastrophic pattern deploys and runs in linear time', async (t) => {
  const form = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
  t.equal(formSchemaProblem(form), null, 'RE2 runs it: nothing to refuse');
  const validate = formValidator(form);
  // 57.6 s with ajv's RegExp
  const [valid, ms] = timed(() => validate({ name: `${'a'.repeat(30)}!` }));
  t.equal(valid, false);
  t.match(validate.errors, [{ instancePath: '/name', keyword: 'pattern' }]);
  t.ok(ms < 2000, `answered in ${ms.toFixed(1)} ms`);
  t.equal(validate({ name: 'a'.repeat(10_000) }), true, 'at the default length cap');
});

t.test('reproduction 3: an e-mail style pattern on a long adversarial string is linear too', async (t) => {
  // 20.7 s on 32 characters with RegExp
  const pattern = '^([a-zA-Z0-9_\\.\\-])+@(([a-zA-Z0-9\\-])+\\.)+([a-zA-Z0-9]{2,4})+$';
  const validate = formValidator({ type: 'object', properties: { mail: { type: 'string', pattern } } });
  for (const length of [32, 10_000]) {
    const attack = `${'a'.repeat(length - 1)}!`;
    const [valid, ms] = timed(() => validate({ mail: attack }));
    t.equal(valid, false);
    t.ok(ms < 2000, `${length} characters in ${ms.toFixed(1)} ms`);
  }
  t.equal(validate({ mail: 'zhang.san@example.gov.cn' }), true);
});

t.test(
  'reproduction 3: uniqueItems over 30,000 arrays is capped, and linear up to the ceiling',
  async (t) => {
    const arrays = (n: number) => Array.from({ length: n }, (_, i) => [i, 'x']);
    // without maxItems: the default cap refuses 30,000 items before anything else costs
    const capped = formValidator({ type: 'object', properties: { l: { type: 'array', uniqueItems: true } } });
    const [valid, ms] = timed(() => capped({ l: arrays(30_000) }));
    t.equal(valid, false);
    t.match(capped.errors, [
      { instancePath: '/l', keyword: 'maxItems', params: { limit: FORM_LIMITS.defaultMaxItems } },
    ]);
    t.ok(ms < 3000, `30,000 arrays in ${ms.toFixed(0)} ms (9.9 s before)`);
    // raised to the ceiling: 10,000 distinct arrays, then one duplicate among objects with keys in another order
    const raised = formValidator({
      type: 'object',
      properties: { l: { type: 'array', maxItems: FORM_LIMITS.maxItems, uniqueItems: true } },
    });
    const [ok, msRaised] = timed(() => raised({ l: arrays(10_000) }));
    t.equal(ok, true);
    t.ok(msRaised < 2500, `10,000 arrays in ${msRaised.toFixed(0)} ms`);
    t.equal(
      raised({
        l: [
          { a: 1, b: [1, 2] },
          { b: [1, 2], a: 1 },
        ],
      }),
      false,
      'equal objects, keys in another order',
    );
    t.match(raised.errors, [
      { keyword: 'uniqueItems', message: 'must NOT have duplicate items (items ## 0 and 1 are identical)' },
    ]);
    t.equal(
      raised({ l: [[1, 2], [2, 1], { a: 1 }, { a: '1' }, 1, '1', 0, -0.5] }),
      true,
      'order in arrays and types matter',
    );
    t.equal(raised({ l: [0, -0] }), false, '0 and -0 are the same number');
  },
);

t.test('default caps on arrays and strings; an explicit value raises them up to the ceiling', async (t) => {
  const validate = formValidator({
    type: 'object',
    properties: {
      note: { type: 'string' },
      essay: { type: 'string', maxLength: 50_000 },
      tags: { type: 'array', items: { type: 'string' } },
      rows: {
        type: 'array',
        maxItems: 5_000,
        items: { type: 'object', properties: { text: { type: 'string' } } },
      },
    },
  });
  t.equal(validate({ note: 'x'.repeat(10_000), essay: 'x'.repeat(50_000), tags: ['a'], rows: [] }), true);
  t.equal(validate({ note: 'x'.repeat(10_001) }), false);
  t.match(validate.errors, [{ instancePath: '/note', keyword: 'maxLength', params: { limit: 10_000 } }]);
  t.equal(validate({ tags: Array.from({ length: 1_001 }, () => 'a') }), false);
  t.match(validate.errors, [{ instancePath: '/tags', keyword: 'maxItems' }]);
  t.equal(validate({ tags: ['x'.repeat(10_001)] }), false, 'items are capped too');
  t.equal(validate({ rows: Array.from({ length: 5_000 }, () => ({ text: 'a' })) }), true, 'raised to 5,000');
  t.equal(validate({ rows: [{ text: 'x'.repeat(10_001) }] }), false, 'nested strings are capped');
});

t.test('caps never loosen a schema: not, if and oneOf keep their meaning', async (t) => {
  const validate = formValidator({
    type: 'object',
    properties: {
      notShort: { type: 'string', not: { maxLength: 3 } },
      either: {
        oneOf: [
          { type: 'string', maxLength: 20_000 },
          { type: 'string', minLength: 15_000 },
        ],
      },
    },
  });
  t.equal(validate({ notShort: 'abcd' }), true);
  t.equal(validate({ notShort: 'x'.repeat(20_000) }), false, 'capped at its own level, not inverted by not');
  t.equal(
    validate({ either: 'x'.repeat(16_000) }),
    false,
    'both branches match: oneOf fails, as without caps',
  );
});

t.test(
  'a stored form that fails strict mode still validates as before; one that cannot compile says why',
  async (t) => {
    const lax = formValidator({
      type: 'object',
      properties: { age: { minimum: 18 }, mail: { format: 'email' } },
    });
    t.equal(lax({ age: 20, mail: 'anything' }), true);
    t.equal(lax({ age: 10 }), false);
    t.throws(() => formValidator({ $ref: '#' }), /leads back to #/);
    t.throws(() => formValidator({ type: 'string', pattern: '(' }), /not a valid regular expression/);
    const stored = await compileDefinition(
      withForms('{"type":"object","properties":{"age":{"minimum":18}}}'),
      { id: 'p:1', version: 1 },
      { stored: true },
    );
    t.ok(stored.ok, 'a stored definition loads');
    t.match(stored.findings, [{ elementId: 'p', type: 'invalidForm', severity: 'warning' }]);
  },
);

// ── the pattern translation keeps ECMAScript's meaning ───────────────────────────────────────────────────

t.test(
  'ECMAScript semantics where RE2 differs: \\s, \\S and . on Unicode spaces and line terminators',
  async (t) => {
    const inputs = [
      '\u3000',
      '\u00a0',
      '\n',
      '\r',
      '\u2028',
      '\ufeff',
      '\v',
      'a',
      '中',
      '😀',
      ' ',
      '\b',
      '\u0000',
    ];
    const patterns = [
      '^\\s$',
      '^\\S$',
      '^[\\s]$',
      '^[^\\s]$',
      '^.$',
      '^[a\\S]$',
      '^[^a\\S]$',
      '^[\\b]$',
      '^\\cJ$',
      '^\\0$',
      '^\\ud83d\\ude00$',
      '^\\u{1F600}$',
      '[]',
      '[^]',
      '^[\\u4e00-\\u9fa5]{2,10}$',
      '^\\p{Script=Han}+$',
      '^(?<y>a)$',
    ];
    for (const pattern of patterns) {
      const native = new RegExp(pattern, 'u');
      const re2 = RE2JS.compile(toRe2(pattern));
      for (const input of inputs)
        t.equal(re2.test(input), native.test(input), `${pattern} on ${codePoints(input)}`);
    }
    t.throws(() => toRe2('(a)\\1'), { pattern: '(a)\\1', message: /uses a backreference/ });
  },
);

t.test('fuzz: random patterns match exactly what ECMAScript matches', async (t) => {
  const atom = fc.constantFrom(
    'a',
    'b',
    '中',
    ' ',
    '\\s',
    '\\S',
    '\\d',
    '\\D',
    '\\w',
    '\\W',
    '.',
    '\\.',
    '\\u3000',
    '\\n',
    '[ab]',
    '[^a]',
    '[\\s]',
    '[^\\s]',
    '[a\\S]',
    '[^b\\S]',
    '[\\d\\s]',
    '[a-c]',
    '[中-文]',
    '\\p{L}',
    '\\P{L}',
    '\\p{Script=Han}',
  );
  const quantifier = fc.constantFrom('', '', '*', '+', '?', '{1,3}', '*?', '+?', '{2}');
  const { pattern } = fc.letrec<{ pattern: string; part: string }>((tie) => ({
    part: fc.oneof(
      { depthSize: 'small' },
      fc.tuple(atom, quantifier).map(([a, q]) => a + q),
      fc.tuple(tie('pattern'), quantifier).map(([p, q]) => `(${p})${q}`),
      fc.tuple(tie('pattern'), quantifier).map(([p, q]) => `(?:${p})${q}`),
    ),
    pattern: fc
      .tuple(fc.array(tie('part'), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean(), fc.boolean())
      .map(([parts, start, end, alternate]) => {
        const body =
          alternate && parts.length > 1 ? `${parts[0]}|${parts.slice(1).join('')}` : parts.join('');
        return `${start ? '^' : ''}${body}${end ? '$' : ''}`;
      }),
  }));
  const input = fc.string({
    unit: fc.constantFrom(
      'a',
      'b',
      'c',
      '中',
      '文',
      ' ',
      '\u3000',
      '\n',
      '\r',
      '\u2028',
      '1',
      '.',
      '_',
      '😀',
    ),
    maxLength: 8,
  });
  fc.assert(
    fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 10 }), (p, strings) => {
      const native = new RegExp(p, 'u');
      const re2 = RE2JS.compile(toRe2(p));
      return strings.every((s) => re2.test(s) === native.test(s));
    }),
    { numRuns: 300, seed: 15 },
  );
  t.pass('300 patterns agree with RegExp on their inputs');
});

t.test('fuzz: forms with any pattern are refused or validate adversarial input quickly', async (t) => {
  // catastrophic shapes for a backtracking engine, and random pattern text
  const pattern = fc.oneof(
    fc.constantFrom(
      '^(a+)+$',
      '^(a|a)*$',
      '^(a|aa)+$',
      '(x+x+)+y',
      '^(\\w+\\s?)*$',
      '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@)',
      '(.*a){12}',
      '^(a?){25}a{25}$',
    ),
    fc.string({
      unit: fc.constantFrom(
        'a',
        '(',
        ')',
        '+',
        '*',
        '?',
        '|',
        '[',
        ']',
        '\\',
        's',
        '^',
        '$',
        '{',
        '}',
        '1',
        ',',
        '.',
      ),
      maxLength: 24,
    }),
  );
  const attack = fc.constantFrom(
    `${'a'.repeat(5_000)}!`,
    `${'x'.repeat(5_000)}`,
    `${'a '.repeat(2_500)}!`,
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!',
  );
  fc.assert(
    fc.property(pattern, attack, (p, input) => {
      const form = { type: 'object', properties: { v: { type: 'string', pattern: p } } };
      const [problem, compileMs] = timed(() => formSchemaProblem(form));
      if (compileMs > 5000) return false;
      if (problem !== null) return /pattern /.test(problem);
      const validate = formValidator(form);
      const [, ms] = timed(() => validate({ v: input }));
      return ms < 2000; // backtracking on the attack takes minutes; the margin is for a loaded machine
    }),
    { numRuns: 120, seed: 15 },
  );
  t.pass('every form was refused with a reason or validated in linear time');
});

t.test(
  'fuzz: definitions with generated forms and huge FEEL literals deploy or are refused quickly, by element',
  async (t) => {
    // a form: nested properties with patterns (catastrophic or random), caps, uniqueItems, refs, misspellings
    const pattern = fc.oneof(
      fc.constantFrom(
        '^(a+)+$',
        '(x+x+)+y',
        '^[\\u4e00-\\u9fa5]{2,10}$',
        '(a)\\1',
        '(?=a)',
        '(',
        'a{2000}',
        '\\p{Script=Han}',
      ),
      fc.string({
        unit: fc.constantFrom('a', '(', ')', '+', '*', '|', '[', ']', '\\', 's', '{', '}', '1', ','),
        maxLength: 12,
      }),
    );
    const { schema } = fc.letrec<{ schema: Record<string, unknown> }>((tie) => ({
      schema: fc.oneof(
        { depthSize: 'small' },
        pattern.map((p) => ({ type: 'string', pattern: p })),
        fc.integer({ min: 0, max: 200_000 }).map((n) => ({ type: 'string', maxLength: n })),
        fc
          .tuple(tie('schema'), fc.boolean(), fc.integer({ min: 0, max: 20_000 }))
          .map(([items, unique, max]) => ({
            type: 'array',
            items,
            ...(unique ? { uniqueItems: true } : {}),
            ...(max % 3 === 0 ? { maxItems: max } : {}),
          })),
        fc.dictionary(fc.constantFrom('a', 'b', '名称'), tie('schema'), { maxKeys: 3 }).map((properties) => ({
          type: 'object',
          properties,
        })),
        fc.constantFrom<Record<string, unknown>>(
          { $ref: '#' },
          { type: 'banana' },
          { maxlength: 3 },
          { $ref: '#/definitions/x' },
        ),
      ),
    }));
    const feel = fc.oneof(
      fc.integer({ min: 1, max: 60_000 }).map((n) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`),
      fc
        .integer({ min: 1, max: 400 })
        .map((n) => `{${Array.from({ length: n }, (_, i) => `k${i}: "v"`).join(', ')}}`),
      fc.constantFrom('count(v) > 2', 'v + v', '"x"'), // reading the form's field: a name the process produces
    );
    await fc.assert(
      fc.asyncProperty(schema, feel, async (form, script) => {
        const xml = withForms(escapeXml(JSON.stringify({ type: 'object', properties: { v: form } }))).replace(
          '<bpmn:sequenceFlow id="f2"',
          `<bpmn:scriptTask id="s" scriptFormat="feel" gov:resultVariable="r"><bpmn:script>${escapeXml(script)}</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="f2"`,
        );
        const began = performance.now();
        const result = await compileDefinition(xml);
        if (performance.now() - began > 2000) return false;
        const errors = result.findings.filter((f) => f.severity === 'error' && f.type !== 'unreachableNode');
        // every refusal names the process or the script task, with a reason and a fix
        for (const f of errors)
          if (
            !['p', 's'].includes(f.elementId ?? '') ||
            !/: /.test(f.message) ||
            !['invalidForm', 'expressionTooLarge'].includes(f.type)
          )
            return false;
        if (errors.length > 0) return true;
        // accepted: its form validates adversarial input in linear time
        const validate = formValidator(
          JSON.parse(JSON.stringify({ type: 'object', properties: { v: form } })),
        );
        const [, ms] = timed(() => validate({ v: `${'a'.repeat(5_000)}!` }));
        return ms < 2000;
      }),
      { numRuns: 60, seed: 15 },
    );
    t.pass('every generated definition deployed with linear-time forms or was refused naming its element');
  },
);
