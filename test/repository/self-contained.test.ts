// A clone of Reflow stands on its own: no source reads a path outside the repository, and a conformance test
// passes in a copy of the repository that has nothing beside it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const SOURCE_DIRS = ['test', 'engine', 'server', 'modeler', 'migrations', '.ci'];
const SOURCE_FILE = /\.(ts|mts|js|mjs|cjs|json|sh)$|^\.ci\//;

/** Files a fresh clone holds (tracked, plus new files not ignored), relative to the root; null without git. */
function cloneFiles(): string[] | null {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) return null;
  return listed.stdout.split('\0').filter((f) => f !== '' && existsSync(join(root, f)));
}

/** Relative path literals ('../…') in a source file that lead outside the repository. */
function escapingPaths(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/["'`]((?:\.\.\/)+[^"'`\s]*)["'`]/g)) {
    const target = resolve(dirname(join(root, file)), match[1]);
    const inside = relative(root, target);
    if (inside.startsWith('..') || inside.startsWith(sep)) found.push(match[1]);
  }
  // the folder the project's brief keeps beside the repository, named by any path
  if (/\bshared\/conformance\b|\.\.\/shared\//.test(text)) found.push('…/shared/…');
  return found;
}

const files = cloneFiles();

t.test(
  'no source, test or CI file reads a path outside the repository',
  { skip: !files && 'no git' },
  async (t) => {
    // given every source file a clone holds
    const sources = (files ?? []).filter(
      (f) =>
        SOURCE_DIRS.some((d) => f.startsWith(`${d}/`)) &&
        SOURCE_FILE.test(f) &&
        !f.startsWith('test/conformance/') &&
        f !== 'test/repository/self-contained.test.ts',
    );
    t.ok(sources.length > 100, `${sources.length} files checked`);
    // when each is searched for relative paths leading out of the repository
    const offenders = sources.flatMap((f) =>
      escapingPaths(f, readFileSync(join(root, f), 'utf8')).map((p) => `${f}: ${p}`),
    );
    // then there are none
    t.same(offenders, [], 'every path stays inside the repository');
  },
);

t.test('the guard itself finds a path that leaves the repository', async (t) => {
  t.same(escapingPaths('test/engine/x.test.ts', "new URL('../../../../outside/a.json', import.meta.url)"), [
    '../../../../outside/a.json',
  ]);
  t.same(escapingPaths('test/engine/x.test.ts', "new URL('../../conformance/a.json', import.meta.url)"), []);
  const beside = ['..', 'shared', 'conformance', 'x'].join('/'); // spelt out here, the guard would find itself
  t.same(escapingPaths('server/x.ts', `read(dir + "/${beside}")`), ['…/shared/…']);
});

t.test(
  'a copy of the repository with nothing beside it passes the conformance tests',
  { skip: !files && 'no git' },
  async (t) => {
    // given the files of a clone, copied alone into an empty folder (node_modules linked, not copied)
    const outer = mkdtempSync(join(tmpdir(), 'reflow-clone-'));
    t.teardown(() => rmSync(outer, { recursive: true, force: true }));
    const clone = join(outer, 'reflow');
    mkdirSync(clone);
    for (const f of files ?? []) {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      cpSync(join(root, f), join(clone, f));
    }
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
    // when tap runs the engine's conformance tests there, as `npm test` would
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAP')));
    delete env.NODE_OPTIONS;
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'),
        '--disable-coverage',
        '--reporter=tap',
        'test/engine/model/miwg.test.ts',
        'test/engine/conformance/betsy.test.ts',
      ],
      { cwd: clone, env, encoding: 'utf8', timeout: 180_000 },
    );
    // then they pass, reading their data from inside the copy
    if (run.status !== 0) t.comment(`${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    t.equal(run.status, 0, 'tap exits 0 in the copy');
    t.match(run.stdout, /ok \d+ - test\/engine\/conformance\/betsy\.test\.ts/, 'the betsy cases ran');
    t.match(run.stdout, /ok \d+ - test\/engine\/model\/miwg\.test\.ts/, 'the MIWG diagrams were read');
    t.notMatch(run.stdout, /ENOENT/, 'no file was missing');
  },
);
