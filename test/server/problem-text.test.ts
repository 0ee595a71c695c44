// Every problem in Chinese and English from one catalogue (issue 22, item 5): each code the server raises has a
// title in both languages; a missing case, an unknown token, a forbidden role, a task someone else holds and an
// unknown route answer in Chinese by default (as the browser asks) and in English on `Accept-Language: en`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { at, PROBLEM_TITLES, pick, problemTitle, sayCommandRejected } from '../../server/problem-text.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const SERVER = new URL('../../server/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

t.test('every problem code the server raises has a Chinese and an English title', async (t) => {
  const codes = new Set<string>();
  for (const file of sources(SERVER)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new Problem\(\s*\d+,\s*'([a-z-]+)'/g)) codes.add(m[1]);
    for (const m of text.matchAll(/problemTitle\('([a-z-]+)'/g)) codes.add(m[1]);
  }
  t.ok(codes.size > 30, `${codes.size} codes found in server/`);
  // the engine's refusals answer as case-<code>
  for (const code of ['notOpen', 'noSubscriber', 'notActive', 'unknownTask', 'alreadyStarted', 'noStart'])
    codes.add(`case-${code}`);
  for (const code of codes) {
    const title = PROBLEM_TITLES[code];
    t.ok(title, `${code} is in the catalogue`);
    if (!title) continue;
    t.match(title.zh, /[\u4e00-\u9fff]/, `${code}: its Chinese title is Chinese`);
    t.notMatch(title.en, /[\u4e00-\u9fff]/, `${code}: its English title is English`);
  }
});

t.test('the catalogue helpers', async (t) => {
  t.same(at({ zh: '第 3 行', en: 'line 3' }, { zh: '甲', en: 'a' }), { zh: '第 3 行：甲', en: 'line 3: a' });
  t.equal(pick({ zh: '甲', en: 'a' }, 'zh'), '甲');
  t.equal(pick({ zh: '甲', en: 'a' }, 'en'), 'a');
  t.equal(problemTitle('not-found', 'zh', 'Not found'), '未找到');
  t.equal(problemTitle('not-found', 'en', 'Not found'), 'Not found');
  t.equal(problemTitle('no-such-code', 'zh', 'Raised'), 'Raised', 'a code not catalogued keeps its title');
  t.match(sayCommandRejected('notActive', 'case x is completed'), {
    zh: /^办件已办结或已撤销，不能再办理（case x is completed）$/,
    en: 'case x is completed',
  });
  t.match(sayCommandRejected('other', 'e').zh, /^办件现在不能执行此操作/);
});

for (const database of testDatabases()) {
  t.test(`problems in Chinese by default, English on request (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
    const en = { 'accept-language': 'en' };
    const cases: [string, string, Record<string, string>, number, RegExp, RegExp][] = [
      [
        'a missing case',
        '/api/cases/no-such-case',
        bearer(TOKENS.admin),
        404,
        /^办件“no-such-case”不存在/,
        /^case 'no-such-case' does not exist$/,
      ],
      [
        'no token',
        '/api/cases',
        {},
        401,
        /^请求未带令牌：请发送 Authorization: Bearer/,
        /^send Authorization: Bearer/,
      ],
      [
        'an unknown token',
        '/api/cases',
        bearer('no-such-token'),
        401,
        /^令牌无效/,
        /^the bearer token is not known$/,
      ],
      [
        'a role that may not',
        '/api/audit/verify',
        bearer(TOKENS.market),
        403,
        /^角色“department”无权 GET \/api\/audit\/verify/,
        /^role 'department' may not GET \/api\/audit\/verify/,
      ],
      [
        'a version that does not exist',
        '/api/definitions/nothing/versions/3',
        bearer(TOKENS.admin),
        404,
        /^流程“nothing”没有版本 3$/,
        /^process 'nothing' has no version 3$/,
      ],
      [
        'an unknown route',
        '/api/nowhere',
        {},
        404,
        /^没有此接口：GET \/api\/nowhere/,
        /^no route GET \/api\/nowhere \(the routes are listed at \/docs\)$/,
      ],
    ];
    for (const [what, url, headers, status, zh, english] of cases) {
      const chinese = await get(url, headers);
      t.equal(chinese.statusCode, status, `${what}: ${chinese.body}`);
      t.match(chinese.json().detail, zh, `${what}: Chinese detail`);
      t.match(chinese.json().title, /[\u4e00-\u9fff]/, `${what}: Chinese title`);
      const inEnglish = await get(url, { ...headers, ...en });
      t.equal(inEnglish.statusCode, status);
      t.match(inEnglish.json().detail, english, `${what}: English detail`);
      t.notMatch(inEnglish.json().title, /[\u4e00-\u9fff]/, `${what}: English title`);
    }
  });
}
