/** Whether a FEEL expression parses: the syntax check of deploy and of the modeler's fields. */
import { parseExpression } from 'feelin';
import { feelSize, feelSizeProblem, feelSource } from './feel-limits.js';

/**
 * The syntax error of a FEEL expression (a leading `=` allowed), or null when it parses. Only parses:
 * nothing is evaluated, so variables unknown at deploy time are never an error.
 */
export function feelSyntaxProblem(expression: string): string | null {
  const source = feelSource(expression);
  if (source === '') return 'the expression is empty';
  const tooLarge = feelSizeProblem(feelSize(source));
  if (tooLarge) return `the expression is too large to run: ${tooLarge}`;
  let problem: string | null = null;
  parseExpression(source, {}, undefined).iterate({
    enter(ref) {
      if (problem !== null) return false;
      if (!ref.type.isError) return undefined;
      // an error node either covers the unexpected text or marks, with no width, where something is missing
      const next =
        ref.from !== ref.to ? ref.node : (ref.node.nextSibling ?? ref.node.parent?.nextSibling ?? null);
      if (next && next.from < source.length) {
        problem = `unexpected '${source.slice(next.from, Math.max(next.to, next.from + 1))}' at character ${next.from + 1}`;
      } else if (ref.from < source.length) {
        problem = `unexpected '${source.charAt(ref.from)}' at character ${ref.from + 1}`;
      } else {
        problem = `the expression ends too early (incomplete ${ref.node.parent?.name ?? 'expression'})`;
      }
      return false;
    },
  });
  return problem;
}
