// Bundles the modeler and dashboards (modeler/src) into dist/modeler/: index.html at the root, hashed assets
// under assets/. modeler/build.mjs runs it (`npm run build`, `npm start`); the browser tests call
// buildModelerIfChanged, which reuses a build of exactly the same input files.
//
// Files are written through a temporary name and renamed, so parallel builds (tap runs test files side by side)
// never serve a half-written file; the output is deterministic, so two builds write the same bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, contents);
  renameSync(partial, path);
}

/** Removes files of earlier builds (other chunk hashes) that this build did not write. */
function removeStale(dir, keep) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name.endsWith('.partial')) continue; // another build's file on its way
    const path = join(dir, name);
    let isDirectory;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      continue; // renamed or removed meanwhile
    }
    if (isDirectory) removeStale(path, keep);
    else if (!keep.has(path)) rmSync(path, { force: true });
  }
}

/** Builds the bundle into `outdir` (default dist/modeler) and returns what it wrote. */
export async function buildModeler({ outdir = join(root, 'dist', 'modeler'), minify = true } = {}) {
  const started = performance.now();
  const assets = join(outdir, 'assets');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'modeler/src/index.ts', style: 'modeler/src/styles.css' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify,
    legalComments: 'none',
    outdir: assets,
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'files/[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const written = new Set();
  const hashes = {};
  for (const file of result.outputFiles) {
    writeAtomically(file.path, file.contents);
    written.add(file.path);
    hashes[relative(assets, file.path)] = file.hash;
    // served pre-compressed by @fastify/static to clients that accept gzip
    if (/\.(js|css|svg|ttf|eot)$/.test(file.path) && file.contents.length > 1024) {
      writeAtomically(`${file.path}.gz`, gzipSync(file.contents, { level: 6 }));
      written.add(`${file.path}.gz`);
    }
  }
  // the entry files keep their names; a content hash in the query string busts caches
  const version = createHash('sha1').update(JSON.stringify(hashes)).digest('hex').slice(0, 10);
  const template = readFileSync(join(root, 'modeler', 'src', 'index.html'), 'utf8');
  const preloads = Object.entries(result.metafile.outputs)
    .filter(([path, out]) => path.endsWith('app.js') && out.imports)
    .flatMap(([, out]) => out.imports.filter((i) => i.kind === 'import-statement').map((i) => relative(assets, join(root, i.path))))
    .map((chunk) => `<link rel="modulepreload" href="/assets/${chunk}">`)
    .join('\n    ');
  // the diagram icon font is requested only once the palette is drawn: fetching it early saves that round trip
  // (the same URL as the stylesheet's, query included, or the browser fetches it twice)
  const css = result.outputFiles.find((f) => f.path.endsWith('style.css'))?.text ?? '';
  const fonts = [...new Set([...css.matchAll(/url\("?\.\/([^")]+\.woff2[^")]*)"?\)/g)].map((m) => m[1]))].map(
    (font) => `<link rel="preload" href="/assets/${font}" as="font" type="font/woff2" crossorigin>`,
  );
  const html = template.replaceAll('{{version}}', version).replace('{{preloads}}', [preloads, ...fonts].filter(Boolean).join('\n    '));
  const indexPath = join(outdir, 'index.html');
  writeAtomically(indexPath, html);
  written.add(indexPath);
  // the benchmark's baseline: an empty page from the same server
  const blankPath = join(assets, 'blank.html');
  writeAtomically(blankPath, '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>blank</title></head><body></body></html>\n');
  written.add(blankPath);
  const stampPath = join(outdir, STAMP);
  written.add(stampPath);
  removeStale(outdir, written);
  const bytes = result.outputFiles.reduce((sum, f) => sum + f.contents.length, 0);
  const built = { outdir, version, files: written.size, bytes, ms: Math.round(performance.now() - started) };
  const inputs = [...Object.keys(result.metafile.inputs), 'modeler/src/index.html', 'modeler/build-lib.mjs'];
  recordInputs(stampPath, inputs, { minify, built });
  return built;
}

/** Writes beside a build what it read (`inputs`: paths from the project root) and `extra`. */
export function recordInputs(stampPath, inputs, extra = {}) {
  writeAtomically(stampPath, JSON.stringify({ ...extra, inputs: inputs.map(fingerprint) }));
}

/** The stamp recordInputs wrote, when every input it lists is unchanged since; else null. */
export function unchangedInputs(stampPath) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return null; // no build yet, or an unreadable stamp
  }
  const same = stamp.inputs.every(([path, size, mtime]) => {
    const now = fingerprint(path);
    return now[1] === size && now[2] === mtime;
  });
  return same ? stamp : null;
}

/** What the build read, as recorded beside it: the build is reused only when all of it is unchanged. */
const STAMP = '.build-inputs.json';

/** A file's path, size and modification time (null when it is gone). */
function fingerprint(path) {
  try {
    const s = statSync(join(root, path));
    return [path, s.size, s.mtimeMs];
  } catch {
    return [path, null, null];
  }
}

/**
 * The build in `outdir` when it was made from exactly the files there now (same paths, sizes and modification
 * times, with the same minify), else a new build. Browser tests call it: a test run builds the page once.
 */
export async function buildModelerIfChanged({ outdir = join(root, 'dist', 'modeler'), minify = true } = {}) {
  const stamp = unchangedInputs(join(outdir, STAMP));
  if (stamp && stamp.minify === minify && existsSync(join(outdir, 'index.html')))
    return { ...stamp.built, ms: 0, reused: true };
  return buildModeler({ outdir, minify });
}
