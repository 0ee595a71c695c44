/**
 * FEEL expressions (conditions, scripts, cardinalities) read and evaluated with feelin over case variables.
 *
 * Every evaluation is bounded. Most expressions (no iteration, filter, function definition or regular
 * expression: see mayRunLong) cost in proportion to their size, which deploy limits (feel-limits.ts), and to their
 * inputs, which forms cap: they are evaluated inline, deterministically. The others can run for ever
 * (`some i in 1..100000000 satisfies i < 0`, a recursive function doubling its calls) or fill the heap
 * (`for i in 1..100000000 return i`), and feelin offers no hook to stop an evaluation. So those run in a worker
 * thread: the caller posts the expression and the variables, and waits for the answer (Atomics.wait, so
 * evaluation stays synchronous) at most FEEL_BUDGET.ms; past it the worker is terminated, a spare takes over, and
 * the evaluation fails with ExpressionError (the case gets an incident naming the element). The worker's heap is
 * limited too, and a result larger than FEEL_BUDGET.resultCharacters (as JSON) is refused rather than stored in
 * the case, inline or not. Results of primitive inputs are remembered (below).
 * One file past 400 lines on purpose: the worker's source is built from this file's own functions (toJson,
 * jsonLengthWithin), so the inline path and the worker's stay one code.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { evaluate, parseExpression } from 'feelin';
import { feelSize, feelSizeProblem, feelSource } from './feel-limits.js';

export { feelSource } from './feel-limits.js';

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

/** The approximate length of `value` as JSON, counted only until it passes `limit` (shared parts count each time). */
function jsonLengthWithin(value: unknown, limit: number): number {
  let length = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && length <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') length += v.length + 2;
    else if (v === null || typeof v !== 'object') length += String(v).length;
    else if (Array.isArray(v)) {
      length += 2 + v.length;
      if (length <= limit) for (const item of v) stack.push(item);
    } else {
      length += 2;
      for (const key in v) {
        length += key.length + 4;
        if (length > limit) break;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return length;
}

/** What one evaluation may use. */
export const FEEL_BUDGET = {
  /** wall time of one evaluation, in ms */
  ms: 500,
  /** the result's size as JSON, in characters */
  resultCharacters: 1_000_000,
  /** the evaluating thread's heap, in MB */
  heapMb: 256,
  /** how long a (re)started evaluator may take to load feelin before evaluations fail, in ms */
  startupMs: 10_000,
};

type Answer = { value: unknown } | { error: string } | { tooLarge: number };

/** The worker: loads feelin, then answers each posted expression in turn; runs as a CommonJS script. */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, signal, feelin, resultCharacters } = workerData;
const toJson = (${toJson.toString()});
const jsonLengthWithin = (${jsonLengthWithin.toString()});
import(feelin).then(({ evaluate }) => {
  Atomics.store(signal, 2, 1);
  Atomics.notify(signal, 2);
  let seen = 0;
  for (;;) {
    Atomics.wait(signal, 0, seen);
    seen = Atomics.load(signal, 0);
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      let answer;
      try {
        const value = toJson(evaluate(m.message.source, m.message.variables).value);
        const length = jsonLengthWithin(value, resultCharacters);
        answer = length > resultCharacters ? { tooLarge: length } : { value };
      } catch (error) {
        answer = { error: String(error && error.message ? error.message : error) };
      }
      port.postMessage(answer);
      Atomics.add(signal, 1, 1);
      Atomics.notify(signal, 1);
    }
  }
}, (error) => {
  port.postMessage({ error: 'feelin did not load: ' + String(error && error.message ? error.message : error) });
  Atomics.store(signal, 2, 2);
  Atomics.notify(signal, 2);
});
`;

/**
 * A thread evaluating FEEL. signal[0] counts requests, signal[1] answers, signal[2] is 1 once feelin is loaded
 * (2: it failed to load, the reason posted on the port).
 * One request is outstanding at a time: the caller waits for its answer or ends the thread.
 */
class Thread {
  readonly port: MessagePort;
  readonly signal = new Int32Array(new SharedArrayBuffer(12));
  private readonly worker: Worker;
  /** ended (out of memory, or terminated): never used again */
  ended = false;

  constructor() {
    const channel = new MessageChannel();
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: channel.port2,
        signal: this.signal,
        feelin: import.meta.resolve('feelin'),
        resultCharacters: FEEL_BUDGET.resultCharacters,
      },
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: FEEL_BUDGET.heapMb },
    });
    // neither keeps the process alive
    this.worker.unref();
    channel.port1.unref();
    this.port = channel.port1;
    this.worker.on('error', () => {});
    this.worker.on('exit', () => {
      this.ended = true;
    });
  }

  end(): void {
    this.ended = true;
    this.port.close();
    void this.worker.terminate();
  }
}

/**
 * The current thread and a spare already loading feelin: when the current one is ended for running past its
 * budget, the spare takes over at once and another spare loads in the background, so the caller never waits
 * for a thread to start (only at the very first evaluation of a process, if it comes before feelin loaded).
 */
class Evaluator {
  private current: Thread | null = null;
  private spare: Thread | null = null;

  warm(): void {
    if (!this.current || this.current.ended)
      this.current = this.spare && !this.spare.ended ? this.spare : new Thread();
    if (!this.spare || this.spare.ended || this.spare === this.current) this.spare = new Thread();
  }

  private replace(): void {
    this.current?.end();
    this.current = null;
    this.warm();
  }

  evaluate(source: string, variables: Record<string, unknown>): Answer | 'timeout' | 'unavailable' {
    this.warm();
    const thread = this.current!;
    const signal = thread.signal;
    if (Atomics.load(signal, 2) === 0) Atomics.wait(signal, 2, 0, FEEL_BUDGET.startupMs);
    if (Atomics.load(signal, 2) !== 1) {
      // not loaded in time, or not at all (a broken installation): say so rather than evaluate unbounded
      const failed = Atomics.load(signal, 2) === 2 ? receiveMessageOnPort(thread.port) : undefined;
      this.replace();
      return failed ? (failed.message as Answer) : 'unavailable';
    }
    const answered = Atomics.load(signal, 1);
    thread.port.postMessage({ source, variables });
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
    if (Atomics.wait(signal, 1, answered, FEEL_BUDGET.ms) === 'timed-out') {
      this.replace();
      return 'timeout';
    }
    const message = receiveMessageOnPort(thread.port);
    if (!message) {
      this.replace();
      return 'unavailable';
    }
    return message.message as Answer;
  }
}

const evaluator = new Evaluator();

/**
 * Whether an expression can run for longer than its size says, so that it must be evaluated within the budget on
 * the thread. Without iteration (`for`, `some`, `every`), filters (`l[…]`, a loop over a list), function
 * definitions (the only way to recurse) or the regular-expression functions (`matches`, `replace`, `split`: a
 * pattern may backtrack exponentially), a FEEL expression visits each node of its tree a bounded number of times,
 * on inputs that forms cap: it is evaluated inline, deterministically and without a thread round trip. Such are
 * nearly all conditions and scripts of real processes (`x > 100`, `if a then "b" else c`, `contains(s, "x")`).
 */
const ITERATING = new Set([
  'ForExpression',
  'QuantifiedExpression',
  'FunctionDefinition',
  'FilterExpression',
]);
const REGEX_FUNCTIONS = new Set(['matches', 'replace', 'split']);
const unbounded = new Map<string, boolean>();

export function mayRunLong(source: string): boolean {
  let long = unbounded.get(source);
  if (long !== undefined) return long;
  long = false;
  try {
    parseExpression(source, {}, undefined).iterate({
      enter(node) {
        if (long) return false;
        if (ITERATING.has(node.type.name)) long = true;
        else if (node.type.name === 'FunctionInvocation') {
          const callee = node.node.firstChild;
          if (callee && REGEX_FUNCTIONS.has(source.slice(callee.from, callee.to).trim())) long = true;
        }
        return undefined;
      },
    });
  } catch {
    long = true; // unreadable here: the thread's evaluation reports it
  }
  if (unbounded.size >= MEMO_LIMIT) unbounded.clear();
  unbounded.set(source, long);
  return long;
}

/**
 * Starts the budgeted thread in the background when `expression` will need it, so that its first evaluation does
 * not wait for the thread to load feelin (the main thread would be blocked meanwhile). Called for every
 * expression of a definition when it is validated (at deploy, and when a stored definition is loaded).
 */
export function prepareFeel(expression: string): void {
  const source = feelSource(expression);
  if (!isWithinLimits(source) || mayRunLong(source)) {
    try {
      evaluator.warm();
    } catch {} // a thread that cannot start is reported by the first evaluation
  }
}

/** Evaluates a bounded expression on this thread, with the same answers as the thread's. */
function evaluateInline(source: string, variables: Record<string, unknown>): Answer {
  try {
    const value = toJson(evaluate(source, variables).value);
    const length = jsonLengthWithin(value, FEEL_BUDGET.resultCharacters);
    return length > FEEL_BUDGET.resultCharacters ? { tooLarge: length } : { value };
  } catch (error) {
    return { error: String((error as Error)?.message ?? error) };
  }
}

/** An expression as error messages quote it: long ones shortened. */
const quoted = (expression: string): string =>
  expression.length > 200 ? `${expression.slice(0, 200)}…` : expression;

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

/** Per expression text: whether it is within FEEL_LIMITS (an older stored definition may hold one that is not). */
const withinLimits = new Map<string, boolean>();

function isWithinLimits(source: string): boolean {
  let within = withinLimits.get(source);
  if (within === undefined) {
    within = feelSizeProblem(feelSize(source)) === null;
    if (withinLimits.size >= MEMO_LIMIT) withinLimits.clear();
    withinLimits.set(source, within);
  }
  return within;
}

/**
 * Evaluates a FEEL expression within FEEL_BUDGET; a syntax error, a failure, a result too large or an
 * evaluation that runs past its time throws ExpressionError.
 */
export function evaluateFeel(expression: string, variables: Record<string, unknown>): unknown {
  const source = feelSource(expression);
  // an expression over the limits is never parsed here (that alone may take minutes): the evaluator's
  // budget bounds it
  const within = isWithinLimits(source);
  const key = within ? memoKey(source, variables) : null;
  if (key !== null && memo.has(key)) return memo.get(key);
  let answer: Answer | 'timeout' | 'unavailable';
  if (within && !mayRunLong(source)) answer = evaluateInline(source, variables);
  else {
    try {
      answer = evaluator.evaluate(source, variables);
    } catch (error) {
      // variables that cannot be copied to the thread, or a thread that cannot start (feelin not found)
      answer = { error: (error as Error).message };
    }
  }
  if (answer === 'timeout' || answer === 'unavailable' || !('value' in answer)) {
    const problem =
      answer === 'timeout'
        ? `was stopped after ${FEEL_BUDGET.ms} ms, the time one evaluation may take (a loop over a large range or list, or a recursive function?): simplify it, or do the computation in a service task`
        : answer === 'unavailable'
          ? 'could not be evaluated: the FEEL evaluator did not start in time; retry'
          : 'tooLarge' in answer
            ? `produced a result of about ${answer.tooLarge.toLocaleString('en-US')} characters as JSON, more than the ${FEEL_BUDGET.resultCharacters.toLocaleString('en-US')} a result may have: return less data`
            : `failed: ${answer.error}`;
    throw new ExpressionError(expression, `FEEL expression '${quoted(expression)}' ${problem}`);
  }
  const value = answer.value;
  if (key !== null && (value === null || typeof value !== 'object')) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, value);
  }
  return value;
}
