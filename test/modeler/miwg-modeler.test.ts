// The 21 BPMN MIWG reference diagrams open in the modeler without import errors, are validated live without a
// crash, and come back from saveXML with every model element id they had. Diagram interchange (DI) entries are
// kept for every element drawn; bpmn-js's Modeler rewrites each plane from what it draws when saving
// (BpmnDiOrdering), so DI of an element it cannot draw (a process no pool shows, an edge naming no element)
// is dropped — those are listed, never a model element.
import { readdir, readFile } from 'node:fs/promises';
import t from 'tap';
import { parseBpmn } from '../../engine/model/parse.js';
import { openModeler, screenshot, startBrowserTest } from './harness.js';

const MIWG = new URL('../conformance/miwg/', import.meta.url);
const PROCESSES = new URL('../../processes/', import.meta.url);

interface Tagged {
  id: string;
  /** A DI entry (BPMNShape, BPMNEdge, BPMNPlane…) rather than a model element. */
  di: boolean;
  /** The model element a DI entry draws. */
  bpmnElement: string | null;
}

/** Every element of the document with an `id`, outside comments and CDATA text. */
function taggedIds(xml: string): Map<string, Tagged> {
  const tags = xml
    .replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    .matchAll(/<(?:[\w.-]+:)?([\w.-]+)\s([^>]*)>/g);
  const result = new Map<string, Tagged>();
  for (const [, name, attributes] of tags) {
    const id = /(?:^|\s)id\s*=\s*["']([^"']+)["']/.exec(attributes)?.[1];
    if (!id) continue;
    const bpmnElement = /bpmnElement\s*=\s*["']([^"']+)["']/.exec(attributes)?.[1] ?? null;
    result.set(id, { id, di: name.startsWith('BPMN'), bpmnElement });
  }
  return result;
}

t.test('MIWG reference diagrams in the modeler', async (t) => {
  const started = await startBrowserTest(t);
  if (!started) return;
  const { server, page, errors } = started;
  await openModeler(page, server);

  const names = (await readdir(MIWG)).filter((n) => n.endsWith('.bpmn')).sort();
  t.equal(names.length, 21, 'all 21 reference diagrams');
  for (const name of names) {
    // given a reference diagram
    const xml = await readFile(new URL(name, MIWG), 'utf8');
    // when it is imported, validated and saved
    const result = await page.evaluate(async (text) => {
      const modeler = window.reflowModeler;
      try {
        const { warnings } = await modeler.importXML(text);
        const analysis = await modeler.get('liveValidation').validateNow();
        const { xml: saved } = await modeler.saveXML({ format: true });
        return {
          error: null,
          warnings: warnings.map((w: { message: string }) => w.message),
          drawn: modeler
            .get('elementRegistry')
            .getAll()
            .map((e: { id: string }) => e.id),
          analysisFailed: analysis.findings
            .filter((f: { type: string }) => f.type === 'analysisFailed')
            .map((f: { message: string }) => f.message),
          findings: analysis.findings.length,
          saved,
        };
      } catch (error) {
        return {
          error: String((error as Error).message),
          warnings: [],
          drawn: [],
          analysisFailed: [],
          findings: 0,
          saved: '',
        };
      }
    }, xml);
    // then it opens without an error, the engine's validator runs on it, and no element id is lost
    t.equal(result.error, null, `${name}: imports`);
    t.same(result.analysisFailed, [], `${name}: the live validation runs`);
    t.ok(result.drawn.length > 1, `${name}: ${result.drawn.length} diagram elements drawn`);
    const savedIds = taggedIds(result.saved);
    const lost = [...taggedIds(xml).values()].filter((e) => !savedIds.has(e.id));
    t.same(
      lost.filter((e) => !e.di).map((e) => e.id),
      [],
      `${name}: every model element id survives saveXML`,
    );
    const drawn = new Set(result.drawn);
    t.same(
      lost.filter((e) => e.di && e.bpmnElement !== null && drawn.has(e.bpmnElement)).map((e) => e.id),
      [],
      `${name}: the DI of every drawn element survives`,
    );
    const undrawn = lost.filter((e) => e.di);
    if (undrawn.length)
      t.comment(
        `${name}: DI of ${undrawn.length} undrawable elements dropped by bpmn-js: ${undrawn.map((e) => e.bpmnElement ?? `${e.id} (no bpmnElement)`).join(', ')}`,
      );
    if (result.warnings.length)
      t.comment(`${name}: ${result.warnings.length} import warnings: ${result.warnings.join(' | ')}`);
    t.comment(`${name}: ${result.findings} findings`);
    if (name === 'C.1.0.bpmn') await screenshot(page, 'miwg-C.1.0');
  }
  t.same(
    errors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no errors in the page',
  );
});

t.test(
  'the sample processes open without warnings, validate clean and keep their gov extensions',
  async (t) => {
    const started = await startBrowserTest(t);
    if (!started) return;
    const { server, page } = started;
    await openModeler(page, server);
    const names = (await readdir(PROCESSES)).filter((n) => n.endsWith('.bpmn')).sort();
    t.ok(names.length >= 5, `${names.length} sample processes`);
    for (const name of names) {
      // given a sample process
      const xml = await readFile(new URL(name, PROCESSES), 'utf8');
      // when it is opened in the modeler, validated and saved
      const result = await page.evaluate(async (text) => {
        const modeler = window.reflowModeler;
        const { warnings } = await modeler.importXML(text);
        const analysis = await modeler.get('liveValidation').validateNow();
        const { xml: saved } = await modeler.saveXML({ format: true });
        return {
          warnings: warnings.map((w: { message: string }) => w.message),
          errors: analysis.findings
            .filter((f: { severity: string }) => f.severity === 'error')
            .map((f: { message: string }) => f.message),
          saved,
        };
      }, xml);
      // then nothing is warned or refused, and the engine reads the same gov model from the saved XML
      t.same(result.warnings, [], `${name}: no import warnings`);
      t.same(result.errors, [], `${name}: the engine's validator finds no error`);
      const [original, saved] = await Promise.all([parseBpmn(xml), parseBpmn(result.saved)]);
      t.same(
        saved.graph,
        original.graph,
        `${name}: the process graph, gov extensions included, survives the modeler`,
      );
    }
  },
);
