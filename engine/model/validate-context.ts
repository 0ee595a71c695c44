/**
 * What the checks of a process graph share (validate.ts runs them): the graph, the findings so far, and the
 * two checks every part of a model needs — a FEEL expression (size, syntax, and its share of the definition's
 * total) and a time limit.
 */

import { FEEL_SIZE_FIX, feelSize, feelSizeProblem } from './feel-limits.js';
import { feelSyntaxProblem } from './feel-syntax.js';
import type { Finding, FlowNode, ProcessGraph, Severity } from './types.js';

/** Options of validation: `onExpression` sees every FEEL expression that is valid (the runtime prepares for it). */
export interface ValidateOptions {
  onExpression?: (expression: string) => void;
}

export interface GraphCheck {
  graph: ProcessGraph;
  nodes: FlowNode[];
  findings: Finding[];
  add(elementId: string | null, type: string, severity: Severity, message: string): void;
  /** Checks a FEEL expression (none when `text` is null): its size first, then its syntax. */
  expression(elementId: string, what: string, text: string | null): void;
  /** A time limit in working days: never negative. */
  limit(elementId: string, what: string, value: number | null): void;
  /** What the definition's expressions hold together (FEEL_LIMITS.total…) and the element holding the most. */
  feelTotal: { tokens: number; contextEntries: number; largest: { elementId: string; tokens: number } };
}

/** An element as findings name it: its type, id and (one-line) name. */
export const describe = (node: FlowNode): string =>
  `${node.type} '${node.id}'${node.name ? ` (${node.name.replace(/\s+/g, ' ').trim()})` : ''}`;

export function graphCheck(graph: ProcessGraph, options: ValidateOptions): GraphCheck {
  const findings: Finding[] = [];
  const add = (elementId: string | null, type: string, severity: Severity, message: string): void => {
    findings.push({ elementId, type, severity, message });
  };
  const feelTotal = { tokens: 0, contextEntries: 0, largest: { elementId: '', tokens: -1 } };
  const expression = (elementId: string, what: string, text: string | null): void => {
    if (text === null) return;
    // measured before parsing: feelin's parse of a large literal alone takes seconds to minutes
    const size = feelSize(text);
    const tooLarge = feelSizeProblem(size);
    if (tooLarge) {
      add(
        elementId,
        'expressionTooLarge',
        'error',
        `${what} is too large to run: ${tooLarge}; ${FEEL_SIZE_FIX}`,
      );
      return;
    }
    feelTotal.tokens += size.tokens;
    feelTotal.contextEntries += size.contextEntries;
    if (size.tokens > feelTotal.largest.tokens) feelTotal.largest = { elementId, tokens: size.tokens };
    const problem = feelSyntaxProblem(text);
    if (!problem) {
      options.onExpression?.(text);
      return;
    }
    const juel = /^\s*[$#]\{[\s\S]*\}\s*$/.test(text);
    add(
      elementId,
      'invalidExpression',
      'error',
      juel
        ? `${what} is not FEEL ('${text}' is a JUEL expression): write it in FEEL, without \${…} (e.g. \${approved} becomes approved, \${!ok} becomes not(ok))`
        : `${what} is not valid FEEL ('${text.length > 200 ? `${text.slice(0, 200)}…` : text}': ${problem}): correct the expression`,
    );
  };
  const limit = (elementId: string, what: string, value: number | null): void => {
    if (value !== null && value < 0)
      add(
        elementId,
        'invalidTimeLimit',
        'error',
        `${what} is ${value} working days: a time limit cannot be negative; write 0 or more`,
      );
  };
  return { graph, nodes: Object.values(graph.nodes), findings, add, expression, limit, feelTotal };
}
