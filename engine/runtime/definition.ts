/** A deployed process compiled once: parsed, validated, checked against the element registry, cached. */
import { createHash } from 'node:crypto';
import { executabilityFindings } from '../elements/registry.js';
import { dataFindings } from '../model/data-checks.js';
import { prepareFeel } from '../model/feel.js';
import { formFindings } from '../model/form-schema.js';
import { createReachability } from '../model/reachability.js';
import type { Finding, ProcessGraph } from '../model/types.js';
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
}

/** Where a running case finds other definitions: its older version, or a called process. */
export interface DefinitionSource {
  byId(id: string): CompiledDefinition | undefined;
  latest(key: string): CompiledDefinition | undefined;
}

export type CompileResult =
  | { ok: true; definition: CompiledDefinition; findings: Finding[]; hash: string }
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

/**
 * Compiles BPMN XML. A definition with any error finding — malformed, broken, or holding an element
 * the engine does not execute — never runs: the result lists every finding instead. `stored`: the XML was
 * deployed before (loading it, not deploying it).
 */
export async function compileDefinition(
  xml: string,
  identity: { version?: number; id?: string } = {},
  options: { stored?: boolean } = {},
): Promise<CompileResult> {
  const hash = contentHash(xml);
  // an expression that must run on FEEL's budgeted thread has the thread started now, not at its first run
  const parsed = await parseAndValidate(xml, { onExpression: prepareFeel });
  let findings = [...parsed.findings];
  if (parsed.graph)
    findings.push(
      ...executabilityFindings(parsed.graph),
      ...formFindings(parsed.graph),
      ...dataFindings(parsed.graph),
    );
  if (options.stored)
    findings = findings.map((f) =>
      f.severity === 'error' && DEPLOY_ONLY_CHECKS.has(f.type) ? { ...f, severity: 'warning' } : f,
    );
  if (!parsed.graph || findings.some((f) => f.severity === 'error')) return { ok: false, findings, hash };
  const graph = parsed.graph;
  const version = identity.version ?? 0;
  return {
    ok: true,
    hash,
    findings,
    definition: {
      id: identity.id ?? `${graph.key}:${version}`,
      key: graph.key,
      version,
      graph,
      reach: createReachability(graph),
      warnings: findings.filter((f) => f.severity === 'warning'),
    },
  };
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
