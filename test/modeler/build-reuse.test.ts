// The browser tests build the page once per run: buildModelerIfChanged reuses a build made from exactly the same
// input files, and builds again when any of them changed (size or modification time) or the build is gone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildModelerIfChanged } from '../../modeler/build-lib.mjs';

t.test('a build is reused while its inputs are unchanged', async (t) => {
  const outdir = mkdtempSync(join(tmpdir(), 'reflow-modeler-'));
  t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
  const first = await buildModelerIfChanged({ outdir, minify: false });
  t.notOk(first.reused, 'nothing to reuse: built');
  const stampPath = join(outdir, '.build-inputs.json');
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { inputs: [string, number, number][] };
  t.ok(
    stamp.inputs.some(([path]) => path === 'modeler/src/index.ts'),
    'the entry is among the recorded inputs',
  );
  t.ok(
    stamp.inputs.some(([path]) => path.startsWith('engine/')),
    'so is the engine code the page bundles',
  );

  const again = await buildModelerIfChanged({ outdir, minify: false });
  t.equal(again.reused, true, 'the same inputs: reused');
  t.equal(again.version, first.version);

  // one input recorded with another size, as after an edit
  const edited = JSON.parse(readFileSync(stampPath, 'utf8')) as { inputs: [string, number, number][] };
  edited.inputs[0][1] += 1;
  writeFileSync(stampPath, JSON.stringify(edited));
  t.notOk((await buildModelerIfChanged({ outdir, minify: false })).reused, 'an input changed: built');
  t.equal((await buildModelerIfChanged({ outdir, minify: false })).reused, true, 'then reused');

  rmSync(join(outdir, 'index.html'));
  t.notOk((await buildModelerIfChanged({ outdir, minify: false })).reused, 'the page is gone: built');
});
