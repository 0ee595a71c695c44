/**
 * Structural validation of a process graph: what BPMN and Reflow's dialect require of the model itself.
 * Whether an element type can run at all is the element registry's question (engine/elements), asked when
 * a definition is compiled; this module knows only the model.
 */
import { type ParseOptions, parseBpmn } from './parse.js';
import type { Finding, ParseResult, ProcessGraph } from './types.js';
import { type GraphCheck, graphCheck, type ValidateOptions } from './validate-context.js';
import { checkElements, checkExpressionTotal, checkProcessTimeLimits } from './validate-elements.js';
import {
  checkDefaultFlows,
  checkFlows,
  checkLinks,
  checkStartEvents,
  checkWaysInAndOut,
} from './validate-structure.js';
import { waitlessCycleFindings } from './waitless-cycles.js';

export { feelSyntaxProblem } from './feel-syntax.js';
export type { ValidateOptions } from './validate-context.js';

/** The checks, in the order their findings are listed. */
const CHECKS: readonly ((check: GraphCheck) => void)[] = [
  checkStartEvents,
  checkWaysInAndOut,
  checkLinks,
  checkFlows,
  checkDefaultFlows,
  checkProcessTimeLimits,
  checkElements,
  checkExpressionTotal,
];

/** Structural findings of a graph; an empty list means the model itself is sound. */
export function validateGraph(graph: ProcessGraph, options: ValidateOptions = {}): Finding[] {
  const check = graphCheck(graph, options);
  for (const run of CHECKS) run(check);
  return [...check.findings, ...waitlessCycleFindings(graph)];
}

/**
 * Parses and validates: the parser's findings, then the structural ones of every executable process of the
 * document (a collaboration has several; `graph` is the one asked for, `graphs` all of them).
 */
export async function parseAndValidate(
  xml: string,
  options: ValidateOptions & ParseOptions = {},
): Promise<ParseResult> {
  const parsed = await parseBpmn(xml, options);
  if (!parsed.graph) return parsed;
  const structural = (parsed.graphs ?? [parsed.graph]).flatMap((graph) => validateGraph(graph, options));
  return { ...parsed, findings: [...parsed.findings, ...structural] };
}
