// API tokens: the file's checks name the broken entry; a missing file is created with demo tokens, once.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadTokens, parseTokens } from '../../server/auth/tokens.js';

t.test('a missing tokens file is created with one token per role and per department', async (t) => {
  // given no file
  const file = join(mkdtempSync(join(tmpdir(), 'reflow-tokens-')), 'nested', 'tokens.json');
  // when it is loaded with the departments of the deployed processes
  const first = loadTokens(file, ['税务', '公安', '税务']);
  // then it is created, private, with demo tokens — and read back unchanged next time
  t.equal(first.created, true);
  t.same(
    first.principals.map((p) => [p.role, p.department ?? null]),
    [
      ['admin', null],
      ['designer', null],
      ['intake', null],
      ['auditor', null],
      ['supervisor', null],
      ['publisher', null],
      ['department', '公安'],
      ['department', '公安'],
      ['department', '公安'],
      ['department', '税务'],
      ['department', '税务'],
      ['department', '税务'],
    ],
  );
  // each department: its shared token, a lead and a clerk by name (to try claiming and the lead's view)
  t.same(
    first.principals.filter((p) => p.department === '税务').map((p) => [p.userId, p.name, p.lead]),
    [
      ['department:税务', 'department:税务', false],
      ['demo-lead-2', '税务科长', true],
      ['demo-clerk-2', '税务经办人', false],
    ],
  );
  t.equal(statSync(file).mode & 0o777, 0o600);
  const second = loadTokens(file);
  t.equal(second.created, false);
  t.same(second.principals, first.principals);
  t.equal(new Set(first.principals.map((p) => p.token)).size, 12, 'every token differs');
});

t.test('a broken tokens file is refused with the entry and the fix', async (t) => {
  const cases: [string, RegExp][] = [
    ['not json', /not valid JSON.*delete it/],
    ['{"token":"x"}', /JSON array/],
    ['[{"token":"short","role":"admin"}]', /\[0\]\.token must be a string of at least 8/],
    [
      '[{"token":"long-enough","role":"boss"}]',
      /\[0\]\.role must be one of admin, designer, intake, department, auditor/,
    ],
    ['[{"token":"long-enough","role":"department"}]', /\[0\] has role department and needs "department"/],
    ['[{"token":"long-enough","role":"admin","lead":true}]', /\[0\] has "lead": true but role admin/],
    ['[{"token":"long-enough","role":"admin","lead":"yes"}]', /\[0\]\.lead must be true or false/],
    ['[{"token":"long-enough","role":"admin","userId":""}]', /\[0\]\.userId must be a non-empty string/],
    [
      '[{"token":"long-enough","role":"admin"},{"token":"long-enough","role":"auditor"}]',
      /\[1\]\.token is the same as tokens\.json\[0\]\.token/,
    ],
  ];
  for (const [text, message] of cases) t.throws(() => parseTokens(text, 'tokens.json'), message, text);
  const file = join(mkdtempSync(join(tmpdir(), 'reflow-tokens-')), 'tokens.json');
  writeFileSync(file, '[{"token":"dept-token-1","role":"department","department":"人社"}]');
  t.same(loadTokens(file).principals, [
    {
      token: 'dept-token-1',
      role: 'department',
      roles: ['department'],
      userId: 'department:人社',
      name: 'department:人社',
      department: '人社',
      lead: false,
    },
  ]);
  t.equal(readFileSync(file, 'utf8').includes('人社'), true, 'an existing file is never rewritten');
});

t.test(
  'entries may name a person: user id, name and lead give the identity every token kind gives',
  async (t) => {
    const [clerk, lead] = parseTokens(
      JSON.stringify([
        { token: 'clerk-token-1', role: 'department', department: '税务', userId: 'u-1001', name: '王芳' },
        {
          token: 'lead-token-01',
          role: 'department',
          department: '税务',
          userId: 'u-1',
          name: '赵科长',
          lead: true,
        },
      ]),
      'tokens.json',
    );
    t.same(
      { ...clerk },
      {
        token: 'clerk-token-1',
        role: 'department',
        roles: ['department'],
        userId: 'u-1001',
        name: '王芳',
        department: '税务',
        lead: false,
      },
    );
    t.equal(lead.lead, true);
    t.equal(lead.userId, 'u-1');
  },
);
