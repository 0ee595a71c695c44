// The choices of a form field and their labels (issue 22): enum with enumNames, or oneOf of consts with titles;
// enumNames that do not match their enum are refused at deploy with the fix; both validate as before.
import t from 'tap';
import { enumNamesProblem, formOptions, optionText } from '../../../engine/model/form-options.js';
import { formSchemaProblem, formValidator } from '../../../engine/model/form-schema.js';

t.test('enum with enumNames: each value with its name', async (t) => {
  t.same(formOptions({ type: 'string', enum: ['window', 'mail'], enumNames: ['窗口领取', '邮寄'] }), [
    { value: 'window', label: '窗口领取' },
    { value: 'mail', label: '邮寄' },
  ]);
  t.same(
    formOptions({ enum: [1, 'x'] }),
    [
      { value: 1, label: '1' },
      { value: 'x', label: 'x' },
    ],
    'without names a value is its own label',
  );
});

t.test('oneOf of consts: each const with its title', async (t) => {
  const schema = {
    type: 'string',
    oneOf: [{ const: 'online', title: '网上申请' }, { const: 'counter' }],
  };
  t.same(formOptions(schema), [
    { value: 'online', label: '网上申请' },
    { value: 'counter', label: 'counter' },
  ]);
  t.equal(
    formOptions({ oneOf: [{ const: 'a' }, { type: 'number' }] }),
    null,
    'a oneOf of schemas is no choice',
  );
  t.equal(formOptions({ type: 'string' }), null);
  t.equal(formOptions(null), null);
});

t.test('optionText: the label, then the value when they differ', async (t) => {
  t.equal(optionText({ value: 'mail', label: '邮寄' }), '邮寄（mail）');
  t.equal(optionText({ value: 'mail', label: 'mail' }), 'mail');
  t.equal(optionText({ value: 2, label: '2' }), '2');
});

t.test('enumNames are checked at deploy: with an enum, texts, one per value', async (t) => {
  t.equal(enumNamesProblem({ enum: ['a'] }, '#'), null, 'none given');
  t.match(enumNamesProblem({ enumNames: ['甲'] }, '#/properties/x'), /at #\/properties\/x .* has no enum/);
  t.match(enumNamesProblem({ enum: ['a'], enumNames: [1] }, '#'), /must be a list of texts/);
  const form = (names: string[]) =>
    formSchemaProblem({
      type: 'object',
      properties: { d: { type: 'string', enum: ['window', 'mail'], enumNames: names } },
    });
  t.equal(form(['窗口领取', '邮寄']), null, 'enumNames is a keyword in strict mode');
  t.match(form(['窗口领取']), /enumNames at #\/properties\/d has 1 names for 2 values of the enum/);
  const oneOf = formSchemaProblem({
    type: 'object',
    properties: { c: { type: 'string', oneOf: [{ const: 'online', title: '网上申请' }] } },
  });
  t.equal(oneOf, null, 'oneOf of consts with titles passes strict mode');
});

t.test('labels do not change what is valid', async (t) => {
  const validate = formValidator({
    type: 'object',
    properties: {
      d: { type: 'string', enum: ['window', 'mail'], enumNames: ['窗口领取', '邮寄'] },
      c: { type: 'string', oneOf: [{ const: 'online', title: '网上申请' }, { const: 'counter' }] },
    },
  });
  t.ok(validate({ d: 'mail', c: 'counter' }));
  t.notOk(validate({ d: '邮寄' }), 'a label is not a value');
  t.notOk(validate({ c: '网上申请' }));
});
