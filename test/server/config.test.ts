// Configuration checked at start: every variable of the README's table is parsed once; a bad value stops the
// server with a line naming the variable, its value and what is allowed, and a non-zero exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, readConfig, SETTINGS, type SettingName } from '../../server/config.js';
import { configFromEnv } from '../../server/node.js';
import { serverBundle } from '../helpers/child-server.js';

/** A value each variable refuses, and what the refusal must say is allowed. */
const BAD: Record<SettingName, [string, RegExp]> = {
  PORT: ['http', /whole number from 0 to 65535/],
  HOST: ['http://example.org:80', /host name or IP address/],
  DATABASE_URL: ['mysql://root@localhost/reflow', /postgres:\/\//],
  REFLOW_DATA_DIR: ['', /./], // any path is a path: see the test of allowed values below
  REFLOW_TOKENS_FILE: ['', /./],
  REFLOW_PROCESSES_DIR: ['', /./],
  REFLOW_TIMER_POLL_MS: ['abc', /whole number of milliseconds from 10 to 3600000/],
  REFLOW_CASE_CACHE: ['-1', /whole number of cases from 0/],
  REFLOW_STEP_BUDGET: ['0', /whole number of element activations per command from 1/],
  REFLOW_COMMAND_CPU_MS: ['fast', /whole number of milliseconds \(0: no limit\) from 0 to 600000/],
  REFLOW_TIMER_ATTEMPTS: ['0', /whole number of attempts from 1 to 1000/],
  REFLOW_WARN_AT: ['1.2', /share of the time limit between 0 and 1/],
  REFLOW_WEBHOOK_TIMEOUT_MS: ['50', /whole number of milliseconds from 100 to 120000/],
  REFLOW_WEBHOOK_ATTEMPTS: ['0', /whole number of attempts from 1 to 100/],
  REFLOW_WEBHOOK_RETRY_MS: ['five', /whole number of milliseconds from 10 to 3600000/],
  REFLOW_MESSAGE_TTL_SECONDS: ['-1', /whole number of seconds \(0: not kept\) from 0 to 31536000/],
  REFLOW_SHUTDOWN_GRACE_MS: ['500', /whole number of milliseconds from 1000 to 600000/],
  LOG_LEVEL: ['verbose', /one of fatal, error, warn, info, debug, trace, silent/],
  REFLOW_RECTIFICATION_DAYS: ['2.5', /whole number of working days from 1 to 365/],
  REFLOW_DEFAULT_RATING_DAYS: ['0', /from 1 to 365/],
  REFLOW_DEFAULT_RATING_LEVEL: ['6', /from 1 to 5/],
  REFLOW_SEED_DEMO: ['maybe', /true or false/],
  REFLOW_RATE_LIMIT_TOKEN: ['-5', /whole number of requests a minute \(0: no limit\) from 0/],
  REFLOW_RATE_LIMIT_ADDRESS: ['lots', /whole number of requests a minute \(0: no limit\) from 0/],
  REFLOW_HEADERS_TIMEOUT_MS: ['500', /whole number of milliseconds from 1000 to 600000/],
  REFLOW_REQUEST_TIMEOUT_MS: ['1h', /whole number of milliseconds from 1000 to 3600000/],
  REFLOW_KEEP_ALIVE_TIMEOUT_MS: ['0', /whole number of milliseconds from 1000 to 600000/],
  REFLOW_MAX_CONNECTIONS: ['8', /whole number of connections from 16/],
  REFLOW_TRUST_PROXY: ['10.0.0.300', /'10\.0\.0\.300' is not an IP address or CIDR range/],
  REFLOW_JWT_ISSUER: ['https://id.example.gov.cn/ staff', /identity provider's issuer/],
  REFLOW_JWT_AUDIENCE: ['re flow', /audience Reflow's tokens carry/],
  REFLOW_JWT_JWKS_URL: ['ftp://id.example.gov.cn/certs', /URL of the identity provider's JWKS \(https/],
  REFLOW_JWT_CLAIMS: [
    '{"subject":"sub"}',
    /'subject': expected a JSON object naming the claim of each of userId/,
  ],
  REFLOW_OIDC_CLIENT_ID: ['reflow web', /the browser app's client id at the identity provider/],
  REFLOW_OIDC_SCOPES: ['profile email', /separated by single spaces, openid among them/],
};
const checked = (Object.keys(BAD) as SettingName[]).filter((name) => BAD[name][0] !== '');

t.test('the README table and the checked settings are the same list', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('| 环境变量');
  const rows = readme.slice(start, readme.indexOf('\n\n', start)).split('\n').slice(2);
  const inTable = rows.flatMap((row) =>
    [...row.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]),
  );
  t.ok(rows.length > 5, 'the table is found');
  t.same([...new Set(inTable)].sort(), Object.keys(SETTINGS).sort());
});

t.test('unset variables give the documented defaults; set ones are coerced', async (t) => {
  const config = readConfig({});
  t.match(config, {
    port: 3000,
    host: '127.0.0.1',
    logLevel: 'info',
    databaseUrl: undefined,
    seedDemo: undefined,
  });
  t.match(config.tokensFile, /data\/tokens\.json$/);
  const set = readConfig({
    PORT: '8080',
    REFLOW_TIMER_POLL_MS: '250',
    REFLOW_CASE_CACHE: '0',
    REFLOW_SEED_DEMO: 'no',
    DATABASE_URL: 'postgresql://u@db/reflow',
    REFLOW_DATA_DIR: '/srv/reflow',
    LOG_LEVEL: 'warn',
  });
  t.match(set, {
    port: 8080,
    pollMs: 250,
    caseCache: 0,
    seedDemo: false,
    databaseUrl: 'postgresql://u@db/reflow',
    tokensFile: '/srv/reflow/tokens.json',
    logLevel: 'warn',
  });
  t.equal(readConfig({ DATABASE_URL: '' }).databaseUrl, undefined, 'empty is unset');
  t.equal(
    configFromEnv({ REFLOW_CASE_CACHE: '200' }).caseCache,
    200,
    'the node reads the same configuration',
  );
});

t.test('a bad value is named with its value and what is allowed', async (t) => {
  for (const name of checked) {
    const [value, allowed] = BAD[name];
    const error = t.throws(() => readConfig({ [name]: value })) as ConfigError;
    t.type(error, ConfigError, name);
    t.equal(error.lines.length, 1, `${name}: one line`);
    t.match(error.lines[0], `${name}=${JSON.stringify(value)}`, `${name}: variable and value`);
    t.match(error.lines[0], allowed, `${name}: what is allowed`);
  }
  const both = t.throws(() => readConfig({ PORT: 'x', REFLOW_TIMER_POLL_MS: '5' })) as ConfigError;
  t.equal(both.lines.length, 2, 'every bad variable is named, one line each');
});

t.test('the server refuses to start on bad values: exit code 2, every variable named', async (t) => {
  const bundle = await serverBundle();
  const dir = mkdtempSync(join(tmpdir(), 'reflow-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  /** Starts the server with the given variables; resolves with its exit code and what it wrote to stderr. */
  const run = (variables: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bundle], {
        env: { PATH: process.env.PATH, REFLOW_DATA_DIR: join(dir, 'data'), PORT: '0', ...variables },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  // given the server started once with one bad variable, and once with every bad value of the table at once
  // (the table's values are each checked in-process above; this checks the server's own start reports them)
  const first = checked[0];
  const [one, all] = await Promise.all([
    run({ [first]: BAD[first][0] }),
    run(Object.fromEntries(checked.map((name) => [name, BAD[name][0]]))),
  ]);
  // then it stops at once, saying which variable is wrong, one line each and no stack trace
  t.equal(one.code, 2, `${first}: exit code 2`);
  t.match(
    one.stderr,
    `${first}=${JSON.stringify(BAD[first][0])} is not allowed`,
    `${first}: named on stderr`,
  );
  t.equal(one.stderr.trim().split('\n').length, 1, `${first}: one line, no stack trace`);
  t.equal(all.code, 2, 'every bad value: exit code 2');
  const lines = all.stderr.trim().split('\n');
  const namedIn = (text: string, name: SettingName) =>
    text.includes(`${name}=${JSON.stringify(BAD[name][0])} is not allowed`);
  // a value checked against another variable (a JWT claim mapping needs the issuer, a proxy setting its
  // peers) may be reported as that pair instead: those start the server once more, alone
  const alone = checked.filter((name) => !lines.some((line) => namedIn(line, name)));
  t.ok(alone.length <= 4, `at most a few variables need a start of their own: ${alone.join(', ')}`);
  const single = await Promise.all(alone.map((name) => run({ [name]: BAD[name][0] })));
  for (const [i, name] of alone.entries()) {
    t.equal(single[i].code, 2, `${name}: exit code 2`);
    t.ok(namedIn(single[i].stderr, name), `${name}: named on stderr`);
  }
  for (const name of checked.filter((name) => !alone.includes(name))) {
    t.ok(
      lines.some((line) => namedIn(line, name)),
      `${name}: named on its own line`,
    );
  }
  t.ok(
    lines.every((line) => !/^\s+at /.test(line)),
    'no stack trace',
  );
});

t.test(
  'JWT sign-in: the three settings together, claims merged over the defaults, http only locally',
  async (t) => {
    t.equal(readConfig({}).jwt, undefined, 'unset: the tokens file only');
    const set = readConfig({
      REFLOW_JWT_ISSUER: 'https://id.example.gov.cn/realms/staff',
      REFLOW_JWT_AUDIENCE: 'reflow',
      REFLOW_JWT_JWKS_URL: 'https://id.example.gov.cn/realms/staff/protocol/openid-connect/certs',
      REFLOW_JWT_CLAIMS: '{"name":"preferred_username","roles":"realm_access.roles"}',
    });
    t.same(set.jwt, {
      issuer: 'https://id.example.gov.cn/realms/staff',
      audience: 'reflow',
      jwksUrl: 'https://id.example.gov.cn/realms/staff/protocol/openid-connect/certs',
      claims: { name: 'preferred_username', roles: 'realm_access.roles' },
    });
    const partial = t.throws(() =>
      readConfig({ REFLOW_JWT_ISSUER: 'https://id.example.gov.cn' }),
    ) as ConfigError;
    t.match(
      partial.lines[0],
      /needs REFLOW_JWT_ISSUER, REFLOW_JWT_AUDIENCE and REFLOW_JWT_JWKS_URL together; missing: REFLOW_JWT_AUDIENCE, REFLOW_JWT_JWKS_URL/,
    );
    const plain = t.throws(() =>
      readConfig({
        REFLOW_JWT_ISSUER: 'https://id.example.gov.cn',
        REFLOW_JWT_AUDIENCE: 'reflow',
        REFLOW_JWT_JWKS_URL: 'http://id.example.gov.cn/certs',
      }),
    ) as ConfigError;
    t.match(plain.lines[0], /REFLOW_JWT_JWKS_URL=.*http:\/\/ is only allowed on this machine/);
    const local = readConfig({
      REFLOW_JWT_ISSUER: 'http://127.0.0.1:9000',
      REFLOW_JWT_AUDIENCE: 'reflow',
      REFLOW_JWT_JWKS_URL: 'http://127.0.0.1:9000/jwks',
    });
    t.equal(local.jwt?.jwksUrl, 'http://127.0.0.1:9000/jwks');
    const claimsAlone = t.throws(() =>
      readConfig({ REFLOW_JWT_CLAIMS: '{"roles":"groups"}' }),
    ) as ConfigError;
    t.match(claimsAlone.lines[0], /REFLOW_JWT_CLAIMS=.*JWT sign-in is off/);
  },
);

t.test(
  "the browser's sign-in: a client of the JWT issuer, scopes with openid, the issuer a URL the page can reach",
  async (t) => {
    const jwt = {
      REFLOW_JWT_ISSUER: 'https://id.example.gov.cn/realms/staff',
      REFLOW_JWT_AUDIENCE: 'reflow',
      REFLOW_JWT_JWKS_URL: 'https://id.example.gov.cn/realms/staff/protocol/openid-connect/certs',
    };
    t.equal(readConfig(jwt).browserSignIn, undefined, 'unset: the pasted token only');
    t.same(readConfig({ ...jwt, REFLOW_OIDC_CLIENT_ID: 'reflow-web' }).browserSignIn, {
      issuer: 'https://id.example.gov.cn/realms/staff',
      clientId: 'reflow-web',
      scopes: 'openid profile',
    });
    t.equal(
      readConfig({ ...jwt, REFLOW_OIDC_CLIENT_ID: 'reflow-web', REFLOW_OIDC_SCOPES: 'openid profile roles' })
        .browserSignIn?.scopes,
      'openid profile roles',
    );
    const noJwt = t.throws(() => readConfig({ REFLOW_OIDC_CLIENT_ID: 'reflow-web' })) as ConfigError;
    t.match(noJwt.lines[0], /REFLOW_OIDC_CLIENT_ID="reflow-web" is not allowed: .*JWT sign-in, which is off/);
    const scopesAlone = t.throws(() => readConfig({ ...jwt, REFLOW_OIDC_SCOPES: 'openid' })) as ConfigError;
    t.match(scopesAlone.lines[0], /REFLOW_OIDC_SCOPES=.*set REFLOW_OIDC_CLIENT_ID too/);
    const notUrl = t.throws(() =>
      readConfig({
        ...jwt,
        REFLOW_JWT_ISSUER: 'http://id.example.gov.cn',
        REFLOW_OIDC_CLIENT_ID: 'reflow-web',
      }),
    ) as ConfigError;
    t.match(notUrl.lines[0], /must then be an https:\/\/ URL/);
  },
);
