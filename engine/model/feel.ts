/** FEEL expressions (conditions, scripts, cardinalities) read and evaluated with feelin over case variables. */
import { evaluate } from 'feelin';

/** Strips the optional leading `=` that bpmn-js and Camunda put before expressions. */
export const feelSource = (expression: string): string => {
  const text = expression.trim();
  return text.startsWith('=') ? text.slice(1).trim() : text;
};

/** Thrown when an expression cannot be evaluated; the runtime turns it into an incident. */
export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
  }
}

/** Converts feelin values (temporal objects) into plain JSON. */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toJson);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return String(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
  return out;
}

/** Evaluates a FEEL expression; a syntax error throws ExpressionError. */
export function evaluateFeel(expression: string, variables: Record<string, unknown>): unknown {
  const source = feelSource(expression);
  try {
    return toJson(evaluate(source, variables).value);
  } catch (error) {
    throw new ExpressionError(expression, `FEEL expression '${expression}' failed: ${(error as Error).message}`);
  }
}

/** Evaluates a condition: true only for the FEEL value true (null and non-booleans are false). */
export const feelCondition = (expression: string, variables: Record<string, unknown>): boolean =>
  evaluateFeel(expression, variables) === true;
