/**
 * How large a FEEL expression may be. feelin's parser tracks variables as it reads, copying the list of what it
 * has read so far at each item: a list literal of n items costs n² (20,000 items: 8.6 s and 2 GB), a context
 * literal of n entries about n³ (1,000 entries: 0.8 s), and a name of n words n². The parse is repeated at every
 * evaluation. So an expression is measured by a linear scan before feelin ever sees it, and one over a limit is
 * refused at deploy (and evaluated off the main thread if an older stored definition holds one). At the limits
 * below the slowest shapes parse in about 20 ms. No Node-only imports: the modeler checks the same limits.
 */

/** Strips the optional leading `=` that bpmn-js and Camunda put before expressions. */
export const feelSource = (expression: string): string => {
  const text = expression.trim();
  return text.startsWith('=') ? text.slice(1).trim() : text;
};

export const FEEL_LIMITS = {
  /** characters in one expression */
  characters: 10_000,
  /** tokens (names, numbers, strings, operators and brackets) in one expression */
  tokens: 1_000,
  /** entries of the context literals `{a: 1, …}` of one expression, together */
  contextEntries: 100,
  /** nested brackets in one expression */
  depth: 50,
  /** tokens of all the expressions of one definition, together */
  totalTokens: 20_000,
  /** context entries of all the expressions of one definition, together */
  totalContextEntries: 500,
} as const;

export interface FeelSize {
  characters: number;
  tokens: number;
  contextEntries: number;
  depth: number;
}

const SPACE = /\s/;
const WORD = /[\p{L}\p{N}_.$?']/u;

/**
 * Measures an expression in one pass without parsing it: strings and comments are skipped as FEEL reads
 * them; brackets need not match (`[1..10)` is an interval), a closer just leaves the innermost group.
 */
export function feelSize(expression: string): FeelSize {
  const source = feelSource(expression);
  let tokens = 0;
  let contextEntries = 0;
  let depth = 0;
  let maxDepth = 0;
  /** per open bracket: whether it is a context `{`, and whether it holds anything yet */
  const groups: { context: boolean; filled: boolean }[] = [];
  const fill = (): void => {
    const group = groups[groups.length - 1];
    if (group?.context && !group.filled) {
      group.filled = true;
      contextEntries++;
    }
  };
  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (SPACE.test(c)) {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end + 1;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      i = j + 1;
      tokens++;
      fill();
    } else if (WORD.test(c)) {
      while (i < source.length && WORD.test(source[i])) i++;
      tokens++;
      fill();
    } else {
      tokens++;
      if (c === '(' || c === '[' || c === '{') {
        fill();
        groups.push({ context: c === '{', filled: false });
        depth++;
        if (depth > maxDepth) maxDepth = depth;
      } else if (c === ')' || c === ']' || c === '}') {
        if (depth > 0) {
          groups.pop();
          depth--;
        }
      } else if (c === ',') {
        const group = groups[groups.length - 1];
        if (group) group.filled = false;
      } else {
        fill();
      }
      i++;
    }
  }
  return { characters: source.length, tokens, contextEntries, depth: maxDepth };
}

const number = (n: number): string => n.toLocaleString('en-US');

/** Why an expression is too large to run, or null. Measured before anything parses it. */
export function feelSizeProblem(size: FeelSize): string | null {
  if (size.characters > FEEL_LIMITS.characters)
    return `it has ${number(size.characters)} characters, more than the ${number(FEEL_LIMITS.characters)} an expression may have`;
  if (size.tokens > FEEL_LIMITS.tokens)
    return `it has ${number(size.tokens)} tokens (names, numbers, strings, operators), more than the ${number(FEEL_LIMITS.tokens)} an expression may have`;
  if (size.contextEntries > FEEL_LIMITS.contextEntries)
    return `its context literals have ${number(size.contextEntries)} entries, more than the ${number(FEEL_LIMITS.contextEntries)} an expression may have`;
  if (size.depth > FEEL_LIMITS.depth)
    return `it nests ${number(size.depth)} levels of brackets, more than the ${number(FEEL_LIMITS.depth)} an expression may have`;
  return null;
}

/** What to do about an expression over a limit: where large data and long logic belong instead. */
export const FEEL_SIZE_FIX =
  'keep large data out of the model (pass it as a case variable, or look it up in a service task) and split long logic into several script tasks';
