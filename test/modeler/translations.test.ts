// The Chinese dictionary covers every text the interface shows: each literal passed to t() or translate(),
// each label/title/description of our panels and figures, and the table headers translated in a map.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { zh } from '../../modeler/src/i18n/zh.js';

const SOURCES = new URL('../../modeler/src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') && name !== 'zh.ts' ? [path] : [];
  });
}

/** The English keys a source file shows, with the pattern that found them. */
function keysOf(source: string): string[] {
  const keys: string[] = [];
  for (const m of source.matchAll(/\b(?:t|translate)\(\s*'((?:[^'\\]|\\.)+)'/g)) keys.push(m[1]);
  for (const m of source.matchAll(/\b(?:label|title|description): '((?:[^'\\]|\\.)+)'/g)) keys.push(m[1]);
  // ['Step', 'Element', …].map((c) => … t(c) …)
  for (const m of source.matchAll(/\[((?:\s*'[^']*',?)+)\s*\]\s*\.map\(\((\w+)\)\s*=>[^;]*?\bt\(\2\)/g)) {
    for (const s of m[1].matchAll(/'([^']*)'/g)) if (s[1]) keys.push(s[1]);
  }
  return keys.map((k) => k.replace(/\\'/g, "'"));
}

t.test('every text of the interface has a Chinese translation', async (t) => {
  // given the sources of the page
  const files = sources(SOURCES);
  t.ok(files.length > 20, `${files.length} source files`);
  const missing: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const key of keysOf(readFileSync(file, 'utf8'))) {
      checked++;
      // then each key has a translation
      if (!(key in zh)) missing.push(`${file.slice(SOURCES.length)}: ${key}`);
    }
  }
  t.ok(checked > 150, `${checked} texts checked`);
  t.same(missing, [], 'no text without a translation');
  // and the statuses shown by t(step.status) are there too
  for (const status of ['active', 'completed', 'cancelled', 'failed', 'error', 'warning'])
    t.ok(zh[status], status);
});

t.test('translations keep their placeholders', async (t) => {
  for (const [key, text] of Object.entries(zh)) {
    const names = (s: string) => [...s.matchAll(/{(\w+)}/g)].map((m) => m[1]).sort();
    t.same(names(text), names(key), `"${key}" keeps its placeholders`);
  }
});
