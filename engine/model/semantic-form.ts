/**
 * The meaning of a process, apart from its form: what two deployments must share to be the same version.
 *
 * It is the compiled graph (what the engine runs), so the diagram layout (BPMNDI), attribute defaults (applied
 * by the parser), namespace prefixes (resolved by the parser), whitespace around texts and the order of
 * elements in the file all drop out. Ids, names, conditions, time limits, departments, materials, forms and
 * every other field of the graph count, new fields included (the whole graph is serialised). The order of
 * flows counts only out of an exclusive gateway, where the first condition that holds wins.
 */
import { createHash } from 'node:crypto';
import type { ProcessGraph } from './types.js';

/** Bumped whenever the form below changes, so stored hashes of an older form are recomputed, never compared. */
export const SEMANTIC_FORM_VERSION = 's1';

/** Orders where the engine does not care about order. */
const ORDER_FREE_NODE_LISTS = ['incoming', 'outgoing', 'boundaries'] as const;
const ORDER_FREE_SCOPE_LISTS = ['nodes', 'startEvents', 'eventSubprocesses'] as const;

function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
    .join(',')}}`;
}

const sorted = (list: unknown): unknown => (Array.isArray(list) ? [...list].sort() : list);

/** The canonical text of a graph's meaning: equal for equal meanings, whatever the XML looked like. */
function semanticForm(graph: ProcessGraph): string {
  const nodes: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const copy: Record<string, unknown> = { ...node };
    for (const list of ORDER_FREE_NODE_LISTS) {
      if (list === 'outgoing' && node.type === 'exclusiveGateway') continue;
      copy[list] = sorted(copy[list]);
    }
    nodes[id] = copy;
  }
  const scopes: Record<string, unknown> = {};
  for (const [id, scope] of Object.entries(graph.scopes)) {
    const copy: Record<string, unknown> = { ...scope };
    for (const list of ORDER_FREE_SCOPE_LISTS) copy[list] = sorted(copy[list]);
    scopes[id] = copy;
  }
  return canonical({ ...graph, nodes, scopes });
}

/** `s1:<sha256 of the semantic form>`: the prefix names the form, so a changed form never matches an old hash. */
export function semanticHash(graph: ProcessGraph): string {
  return `${SEMANTIC_FORM_VERSION}:${createHash('sha256').update(semanticForm(graph)).digest('hex')}`;
}

/**
 * The meaning of a process deployed with others in one file (a collaboration): its own, together with that of
 * the processes of the file it calls (`callees`, see calledInFile), since it runs them. A process calling none
 * of its file has exactly its semanticHash, so single-process files keep their stored hashes. A caller whose
 * called process changed thus gets a new version, and the version it calls (CompiledDefinition.unit) never
 * changes under it.
 */
export function unitSemanticHash(graph: ProcessGraph, callees: ProcessGraph[]): string {
  if (callees.length === 0) return semanticHash(graph);
  const forms = [graph, ...callees].map(semanticForm).join('\n');
  return `${SEMANTIC_FORM_VERSION}:${createHash('sha256').update(forms).digest('hex')}`;
}
