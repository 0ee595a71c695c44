/** A deployed process compiled once: parsed, validated, checked against the element registry, cached. */
import { createHash } from 'node:crypto';
import { executabilityFindings } from '../elements/registry.js';
import { dataFindings, givenByCallers } from '../model/data-checks.js';
import { prepareFeel } from '../model/feel.js';
import { formFindings } from '../model/form-schema.js';
import { createReachability } from '../model/reachability.js';
import type { Collaboration, Finding, ProcessGraph } from '../model/types.js';
import { parseAndValidate } from '../model/validate.js';

export interface CompiledDefinition {
  /** `key:version`, or the content hash when not yet deployed. */
  id: string;
  key: string;
  version: number;
  graph: ProcessGraph;
  reach: ReturnType<typeof createReachability>;
  /** Warnings left after compilation (errors prevent compilation). */
  warnings: Finding[];
  /**
   * The processes of the same file (deployment unit) this one calls, by key: the id of the version deployed
   * with it. A call activity runs that version rather than the key's latest (RunContext.calledDefinition).
   * Absent when it calls none of its file.
   */
  unit?: Record<string, string>;
}

/** Where a running case finds other definitions: its older version, or a called process. */
export interface DefinitionSource {
  byId(id: string): CompiledDefinition | undefined;
  latest(key: string): CompiledDefinition | undefined;
}

export type CompileResult =
  | { ok: true; definition: CompiledDefinition; findings: Finding[]; hash: string }
  | { ok: false; findings: Finding[]; hash: string };

/**
 * A whole file compiled: every executable process (a collaboration's pools), in document order, each as its
 * own key, at version 0 until deployed; and the file's pools and message flows.
 */
export type UnitCompileResult =
  | {
      ok: true;
      definitions: CompiledDefinition[];
      collaboration: Collaboration;
      findings: Finding[];
      hash: string;
    }
  | { ok: false; findings: Finding[]; hash: string };

export const contentHash = (xml: string): string => createHash('sha256').update(xml).digest('hex');

/**
 * Checks added after definitions were stored (expression sizes, form schemas in strict mode, variables read
 * that nothing produces): a stored definition that fails them still loads, with them as warnings, so its cases
 * go on (the runtime bounds what they guard against); a new deployment is refused.
 */
const DEPLOY_ONLY_CHECKS = new Set([
  'expressionTooLarge',
  'expressionsTooLarge',
  'invalidForm',
  'unknownVariable',
]);

/** A finding once, though the reader reports it for each process of a collaboration. */
function distinct(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.elementId}\u0000${f.type}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses, validates and checks every executable process of the file; `graph` is the one named `processId` (else the first). */
async function compileFile(
  xml: string,
  options: { stored?: boolean; processId?: string },
): Promise<{
  graph: ProcessGraph | null;
  graphs: ProcessGraph[];
  collaboration?: Collaboration;
  findings: Finding[];
}> {
  // an expression that must run on FEEL's budgeted thread has the thread started now, not at its first run
  const parsed = await parseAndValidate(xml, { onExpression: prepareFeel, processId: options.processId });
  const graphs = parsed.graph ? (parsed.graphs ?? [parsed.graph]) : [];
  let findings = [...parsed.findings];
  for (const graph of graphs)
    findings.push(
      ...executabilityFindings(graph),
      ...formFindings(graph),
      ...dataFindings(graph, givenByCallers(graph, graphs)),
    );
  if (options.stored)
    findings = findings.map((f) =>
      f.severity === 'error' && DEPLOY_ONLY_CHECKS.has(f.type) ? { ...f, severity: 'warning' } : f,
    );
  return { graph: parsed.graph, graphs, collaboration: parsed.collaboration, findings: distinct(findings) };
}

const compiled = (graph: ProcessGraph, findings: Finding[], identity: { version?: number; id?: string }) => {
  const version = identity.version ?? 0;
  return {
    id: identity.id ?? `${graph.key}:${version}`,
    key: graph.key,
    version,
    graph,
    reach: createReachability(graph),
    warnings: findings.filter((f) => f.severity === 'warning'),
  };
};

/**
 * Compiles BPMN XML: the process `processId` of it (a collaboration's pool), else its first executable process.
 * A definition with any error finding — malformed, broken, or holding an element the engine does not execute,
 * in any process of the file — never runs: the result lists every finding instead. `stored`: the XML was
 * deployed before (loading it, not deploying it).
 */
export async function compileDefinition(
  xml: string,
  identity: { version?: number; id?: string } = {},
  options: { stored?: boolean; processId?: string } = {},
): Promise<CompileResult> {
  const hash = contentHash(xml);
  const { graph, findings } = await compileFile(xml, options);
  if (!graph || findings.some((f) => f.severity === 'error')) return { ok: false, findings, hash };
  return { ok: true, hash, findings, definition: compiled(graph, findings, identity) };
}

/**
 * Compiles a whole file as one deployment unit: every executable process (several in a collaboration; the
 * non-executable pools, such as the applicant's, are not run) and the message flows between the pools. Any
 * error in any process refuses the whole file.
 */
export async function compileUnit(
  xml: string,
  options: { stored?: boolean } = {},
): Promise<UnitCompileResult> {
  const hash = contentHash(xml);
  const { graphs, collaboration, findings } = await compileFile(xml, options);
  if (graphs.length === 0 || findings.some((f) => f.severity === 'error'))
    return { ok: false, findings, hash };
  return {
    ok: true,
    hash,
    findings,
    definitions: graphs.map((graph) => compiled(graph, findings, {})),
    collaboration: collaboration ?? { processes: [], messageFlows: [] },
  };
}

/**
 * The processes of the same file that `graph` calls by a call activity, directly or through one another,
 * `graph` itself left out (a process calling itself recurses into its own version anyway).
 */
export function calledInFile(graph: ProcessGraph, sameFile: ProcessGraph[]): ProcessGraph[] {
  const byKey = new Map(sameFile.map((g) => [g.key, g]));
  const found = new Map<string, ProcessGraph>();
  const visit = (g: ProcessGraph): void => {
    for (const node of Object.values(g.nodes)) {
      if (node.type !== 'callActivity' || !node.calledElement) continue;
      const callee = byKey.get(node.calledElement);
      if (!callee || callee.key === graph.key || found.has(callee.key)) continue;
      found.set(callee.key, callee);
      visit(callee);
    }
  };
  visit(graph);
  return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The processes a definition's cases may run through its call activities, directly or through one another:
 * for each called key the version it runs (the one deployed in the caller's file, else the key's latest), as
 * RunContext.calledDefinition resolves it; keys not deployed are left out.
 */
export function calledGraphs(definition: CompiledDefinition, source: DefinitionSource): ProcessGraph[] {
  const found = new Map<string, CompiledDefinition>();
  const visit = (caller: CompiledDefinition): void => {
    for (const node of Object.values(caller.graph.nodes)) {
      if (node.type !== 'callActivity' || !node.calledElement) continue;
      const sameFile = caller.unit?.[node.calledElement];
      const callee = sameFile ? source.byId(sameFile) : source.latest(node.calledElement);
      if (!callee || callee.id === definition.id || found.has(callee.id)) continue;
      found.set(callee.id, callee);
      visit(callee);
    }
  };
  visit(definition);
  return [...found.values()].map((d) => d.graph);
}

/** A definition source over an in-memory list (tests, simulation, the CLI). */
export function definitionSet(
  definitions: CompiledDefinition[],
): DefinitionSource & { add(d: CompiledDefinition): void } {
  const byId = new Map<string, CompiledDefinition>();
  const latest = new Map<string, CompiledDefinition>();
  const add = (d: CompiledDefinition): void => {
    byId.set(d.id, d);
    const current = latest.get(d.key);
    if (!current || current.version <= d.version) latest.set(d.key, d);
  };
  definitions.forEach(add);
  return { byId: (id) => byId.get(id), latest: (key) => latest.get(key), add };
}
