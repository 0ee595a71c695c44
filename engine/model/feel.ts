/** FEEL expressions (conditions, scripts, cardinalities) read and evaluated with feelin over case variables. */
import { evaluate, parseExpression } from 'feelin';

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

/**
 * Memo of results. feelin parses and builds an interpreter tree on every call (≈ 50 µs for `x = true`), which
 * dominated running a case; yet a FEEL value depends only on the text and the values of the names it reads. So
 * when every name read holds a primitive (string, number, boolean, null or absent), the expression calls neither
 * `now()` nor `today()`, every variable name is a plain identifier (names with spaces or operators in the
 * context change how FEEL tokenises), and the result is a primitive, the result is remembered under the text
 * and those values. Anything else is evaluated every time, as before.
 */
const PLAIN_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const TIME_FUNCTIONS = new Set(['now', 'today']);
/** Per expression text: the names it reads, or null when its result must not be remembered. */
const namesRead = new Map<string, string[] | null>();
const memo = new Map<string, unknown>();
const MEMO_LIMIT = 100_000;
/** Plain variable names already checked (the case variables are few and recur). */
const plainNames = new Set<string>();

function readNames(source: string): string[] | null {
  let names: string[] | null = [];
  try {
    const tree = parseExpression(source, {}, undefined);
    tree.iterate({
      enter(node) {
        if (names === null) return false;
        if (node.type.isError) names = null;
        else if (node.type.name === 'VariableName') {
          const name = source.slice(node.from, node.to);
          if (!PLAIN_NAME.test(name)) names = null;
          else if (!names.includes(name)) names.push(name);
        } else if (node.type.name === 'FunctionInvocation') {
          const callee = node.node.firstChild;
          if (callee && TIME_FUNCTIONS.has(source.slice(callee.from, callee.to).trim())) names = null;
        }
        return undefined;
      },
    });
  } catch {
    names = null;
  }
  return names;
}

/** The memo key for these variables, or null when the result must be computed afresh. */
function memoKey(source: string, variables: Record<string, unknown>): string | null {
  let names = namesRead.get(source);
  if (names === undefined) {
    names = readNames(source);
    namesRead.set(source, names);
  }
  if (names === null) return null;
  for (const key in variables) {
    if (plainNames.has(key)) continue;
    if (!PLAIN_NAME.test(key)) return null;
    if (plainNames.size < 10_000) plainNames.add(key);
  }
  let key = source;
  for (const name of names) {
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    switch (typeof value) {
      case 'undefined':
        key += '\u0000u';
        break;
      case 'boolean':
        key += value ? '\u0000t' : '\u0000f';
        break;
      case 'number':
        key += `\u0000n${Object.is(value, -0) ? '-0' : value}`;
        break;
      case 'string':
        key += `\u0000s${JSON.stringify(value)}`;
        break;
      default:
        if (value !== null) return null;
        key += '\u0000z';
    }
  }
  return key;
}

/** Evaluates a FEEL expression; a syntax error throws ExpressionError. */
export function evaluateFeel(expression: string, variables: Record<string, unknown>): unknown {
  const source = feelSource(expression);
  const key = memoKey(source, variables);
  if (key !== null && memo.has(key)) return memo.get(key);
  let value: unknown;
  try {
    value = toJson(evaluate(source, variables).value);
  } catch (error) {
    throw new ExpressionError(
      expression,
      `FEEL expression '${expression}' failed: ${(error as Error).message}`,
    );
  }
  if (key !== null && (value === null || typeof value !== 'object')) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, value);
  }
  return value;
}

/** Evaluates a condition: true only for the FEEL value true (null and non-booleans are false). */
export const feelCondition = (expression: string, variables: Record<string, unknown>): boolean =>
  evaluateFeel(expression, variables) === true;
