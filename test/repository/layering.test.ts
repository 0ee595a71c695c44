// The layers of the code (README, "How the code is organised"): the engine imports nothing from the server or
// the modeler; routes hold no SQL (no kysely); the server and the modeler reach the engine only through its
// public entries; and what the modeler bundles of the engine reaches no node: module.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** The engine's public entries for the server, and for the modeler (bundled for the browser). */
const SERVER_ENTRIES = ['engine/index.ts', 'engine/calendar/index.ts', 'engine/simulate/index.ts'];
const MODELER_ENTRIES = ['engine/browser.ts', 'engine/model/gov-descriptor.json'];

interface Import {
  /** The file holding the import, relative to the root. */
  file: string;
  specifier: string;
  /** The imported file relative to the root, for a relative specifier; null for a package. */
  target: string | null;
  /** `import type` / `export type`: erased when compiled. */
  typeOnly: boolean;
  dynamic: boolean;
}

const SOURCE = /\.(ts|mts|js|mjs)$/;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** A relative specifier as the file it names: `./x.js` is `x.ts` when that is the source. */
function targetOf(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(root, resolve(dirname(join(root, file)), specifier));
  for (const [from, to] of [
    [/\.js$/, '.ts'],
    [/\.mjs$/, '.mts'],
  ] as const) {
    const source = target.replace(from, to);
    if (source !== target && exists(source)) return source;
  }
  return target;
}

function exists(path: string): boolean {
  try {
    return statSync(join(root, path)).isFile();
  } catch {
    return false;
  }
}

/** Every import of a source text: static, type-only, re-exports and dynamic `import(…)` with a literal. */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, dynamic: boolean): void => {
    found.push({ file, specifier, target: targetOf(file, specifier), typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly === true, false);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      // an import whose name is computed cannot be checked: it is reported as such
      add(argument && ts.isStringLiteralLike(argument) ? argument.text : '<computed>', false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) add(literal.text, true, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = ['engine', 'server', 'modeler'].flatMap((dir) => sourceFiles(dir));
const imports = files.flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
const describe = (i: Import): string => `${i.file} imports ${i.specifier}${i.dynamic ? ' (dynamic)' : ''}`;
const under = (path: string | null, dir: string): boolean => path?.startsWith(`${dir}/`) === true;

t.test('the import reader sees static, type-only, re-exported and dynamic imports', async (t) => {
  // given a text with one import of each kind
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    "export { c } from 'c-package';",
    "type D = typeof import('./d.js');",
    "const e = await import('./e.js');",
    "const f = await import('./' + name + '.js');",
  ].join('\n');
  // when it is read
  const found = importsOf('engine/model/x.ts', text).map((i) => [
    i.specifier,
    i.target,
    i.typeOnly,
    i.dynamic,
  ]);
  // then every import is found, resolved against the file's folder
  t.same(found, [
    ['./a.js', 'engine/model/a.js', false, false],
    ['../b.js', 'engine/b.js', true, false],
    ['c-package', null, false, false],
    ['./d.js', 'engine/model/d.js', true, true],
    ['./e.js', 'engine/model/e.js', false, true],
    ['<computed>', null, false, true],
  ]);
  // and the real tree is read: its many files, the engine's entries among the imported
  t.ok(files.length > 150, `${files.length} files read`);
  t.ok(
    imports.some((i) => i.target === 'engine/index.ts'),
    'the server imports engine/index.ts',
  );
  t.ok(
    imports.some((i) => i.target === 'engine/browser.ts'),
    'the modeler imports engine/browser.ts',
  );
});

t.test('no file of the engine imports the server or the modeler, nor a computed path', async (t) => {
  const offenders = imports
    .filter((i) => under(i.file, 'engine'))
    .filter((i) => under(i.target, 'server') || under(i.target, 'modeler') || i.specifier === '<computed>')
    .map(describe);
  t.same(offenders, [], 'the engine stands on its own (the simulation CLI lives in server/cli)');
});

t.test('routes import no kysely: their SQL lives in server/repositories', async (t) => {
  const offenders = imports
    .filter((i) => under(i.file, 'server/routes'))
    .filter((i) => i.specifier === 'kysely' || i.specifier.startsWith('kysely/'))
    .map(describe);
  t.same(offenders, []);
});

t.test('the server and the modeler import the engine only through its public entries', async (t) => {
  for (const [dir, entries] of [
    ['server', SERVER_ENTRIES],
    ['modeler', MODELER_ENTRIES],
  ] as const) {
    const offenders = imports
      .filter((i) => under(i.file, dir) && under(i.target, 'engine'))
      .filter((i) => !entries.includes(i.target as string))
      .map(describe);
    t.same(offenders, [], `${dir} reaches the engine through ${entries.join(', ')}`);
  }
});

t.test('what the modeler bundles of the engine reaches no node: module', async (t) => {
  // given the engine files the browser entry reaches (type-only imports are erased and do not count)
  const byFile = new Map<string, Import[]>();
  for (const i of imports) byFile.set(i.file, [...(byFile.get(i.file) ?? []), i]);
  const builtins = new Set(builtinModules);
  const reached = new Set<string>();
  const offenders: string[] = [];
  const pending = ['engine/browser.ts'];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const i of byFile.get(file) ?? []) {
      if (i.typeOnly) continue;
      if (i.specifier.startsWith('node:') || builtins.has(i.specifier)) offenders.push(describe(i));
      if (i.target !== null && SOURCE.test(i.target)) pending.push(i.target);
    }
  }
  // then they hold the model's reader and validator, and none imports a node module
  t.ok(reached.has('engine/model/validate.ts'), 'the validator is bundled');
  t.ok(reached.size > 10, `${reached.size} engine files bundled for the browser`);
  t.same(offenders, []);
});
