/**
 * The regular expressions of gov:form schemas (`pattern`, `patternProperties`) on re2js, a linear-time engine:
 * ECMAScript syntax translated to RE2 keeping its meaning (`\s`, `.`), and what only a backtracking engine can
 * do (backreferences, lookaround) refused with the reason. form-schema.ts gives ajv `re2RegExp` as its engine.
 */
import { RE2JS } from 're2js';

/** Characters of one `pattern` (FORM_LIMITS.patternLength). */
export const MAX_PATTERN_LENGTH = 1_000;

/** A regular expression Reflow does not run, and why. */
export class PatternRefused extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} ${reason}`);
  }
}

/** ECMAScript's \s: White_Space and line terminators (RE2's \s is ASCII only). */
const SPACE_POINTS = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
] as const;
const hex = (n: number): string => `\\x{${n.toString(16).toUpperCase()}}`;
const range = (from: number, to: number): string => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`);
/** \s as class items. */
const SPACE_ITEMS = SPACE_POINTS.map(([from, to]) => range(from, to)).join('');
/** \S as class items: the complement of \s (usable inside a negated class too). */
const NON_SPACE_ITEMS = (() => {
  const items: string[] = [];
  let next = 0;
  for (const [from, to] of SPACE_POINTS) {
    if (from > next) items.push(range(next, from - 1));
    next = to + 1;
  }
  items.push(range(next, 0x10ffff));
  return items.join('');
})();
/** ECMAScript's `.` (without the s flag): anything but a line terminator. */
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

const isHex = (text: string): boolean => /^[0-9a-fA-F]+$/.test(text);

/**
 * Translates one escape at `p[i] === '\\'`; returns the RE2 text and the index after the escape. `inClass`: the
 * text goes inside a character class.
 */
function translateEscape(original: string, p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i + 1];
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return [`\\${c}`, i + 2];
    case 'b':
    case 'B':
      // in a class, \b is the backspace character
      return [inClass ? (c === 'b' ? hex(8) : '\\B') : `\\${c}`, i + 2];
    case 's':
      return [inClass ? SPACE_ITEMS : `[${SPACE_ITEMS}]`, i + 2];
    case 'S':
      return [inClass ? NON_SPACE_ITEMS : `[${NON_SPACE_ITEMS}]`, i + 2];
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
      return [`\\${c}`, i + 2];
    case 'c':
      return [hex(p.charCodeAt(i + 2) % 32), i + 3];
    case '0':
      return [hex(0), i + 2];
    case 'x':
      return [hex(Number.parseInt(p.slice(i + 2, i + 4), 16)), i + 4];
    case 'u': {
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        return [hex(Number.parseInt(p.slice(i + 3, end), 16)), end + 1];
      }
      const unit = Number.parseInt(p.slice(i + 2, i + 6), 16);
      const low = p.slice(i + 8, i + 12);
      if (unit >= 0xd800 && unit <= 0xdbff && p.slice(i + 6, i + 8) === '\\u' && isHex(low)) {
        const lowUnit = Number.parseInt(low, 16);
        if (lowUnit >= 0xdc00 && lowUnit <= 0xdfff)
          return [hex(0x10000 + ((unit - 0xd800) << 10) + (lowUnit - 0xdc00)), i + 12];
      }
      if (unit >= 0xd800 && unit <= 0xdfff)
        throw new PatternRefused(original, 'holds a lone surrogate (\\u' + p.slice(i + 2, i + 6) + ')');
      return [hex(unit), i + 6];
    }
    case 'p':
    case 'P': {
      const end = p.indexOf('}', i + 3);
      const body = p.slice(i + 3, end);
      const [name, value] = body.includes('=') ? body.split('=') : [null, body];
      if (name === 'Script_Extensions' || name === 'scx')
        throw new PatternRefused(
          original,
          `uses \\${c}{${body}}, which Reflow cannot run: use \\${c}{Script=${value}} instead`,
        );
      return [`\\${c}{${value}}`, end + 1];
    }
    case 'k':
      throw new PatternRefused(
        original,
        'uses a named backreference (\\k<…>), which needs a backtracking engine: Reflow runs patterns in linear time; check the repeated part in a later step instead',
      );
    default:
      if (c >= '1' && c <= '9')
        throw new PatternRefused(
          original,
          `uses a backreference (\\${c}), which needs a backtracking engine: Reflow runs patterns in linear time; check the repeated part in a later step instead`,
        );
      // an escaped syntax character (u mode allows nothing else)
      return [`\\${c}`, i + 2];
  }
}

/** Translates the class at `p[i] === '['`; returns the RE2 text and the index after it. */
function translateClass(original: string, p: string, i: number): [string, number] {
  let j = i + 1;
  const negated = p[j] === '^';
  if (negated) j++;
  let items = '';
  while (p[j] !== ']') {
    if (p[j] === '\\') {
      const [text, next] = translateEscape(original, p, j, true);
      items += text;
      j = next;
    } else {
      // `[` and `]` are literal here in ECMAScript; RE2 would read `[:` as a POSIX class
      items += p[j] === '[' ? '\\[' : p[j];
      j++;
    }
  }
  // [] matches nothing, [^] anything
  if (items === '') return [negated ? `[${range(0, 0x10ffff)}]` : `[^${range(0, 0x10ffff)}]`, j + 1];
  return [`[${negated ? '^' : ''}${items}]`, j + 1];
}

/**
 * The RE2 syntax of an ECMAScript pattern (JSON Schema patterns are ECMAScript regular expressions with the u
 * flag), matching the same strings; throws PatternRefused for a pattern that is invalid or that RE2 cannot run.
 */
export function toRe2(pattern: string): string {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternRefused(
      pattern,
      `has ${pattern.length.toLocaleString('en-US')} characters, more than the ${MAX_PATTERN_LENGTH.toLocaleString('en-US')} a pattern may have`,
    );
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new PatternRefused(
      pattern,
      `is not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`,
    );
  }
  // valid in u mode: every escape is well formed, `{`, `}` and `]` appear escaped or in their syntax
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === '\\') {
      const [text, next] = translateEscape(pattern, pattern, i, false);
      out += text;
      i = next;
    } else if (c === '[') {
      const [text, next] = translateClass(pattern, pattern, i);
      out += text;
      i = next;
    } else if (c === '.') {
      out += DOT;
      i++;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const kind = pattern[i + 2];
      if (
        kind === '=' ||
        kind === '!' ||
        (kind === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!'))
      )
        throw new PatternRefused(
          pattern,
          `uses a ${kind === '<' ? 'lookbehind' : 'lookahead'} ((?${kind === '<' ? `<${pattern[i + 3]}` : kind}…)), which Reflow does not run: write the condition as separate properties, or as several patterns combined with allOf`,
        );
      if (kind === '<') {
        out += '(?P<';
        i += 3;
      } else {
        out += '(?:';
        i += 3;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Compiled re2js programs by pattern: forms recur across versions and elements. */
const programs = new Map<string, { test(input: string): boolean }>();

/** ajv's RegExpEngine over re2js: linear time in the input whatever the pattern. */
export function re2RegExp(pattern: string, _flags: string): { test(input: string): boolean } {
  let program = programs.get(pattern);
  if (!program) {
    const translated = toRe2(pattern);
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(translated);
    } catch (error) {
      const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
      throw new PatternRefused(
        pattern,
        /repeat count/.test(reason)
          ? `repeats a part more than 1,000 times in all (${reason}): write a smaller count, or use + or *`
          : `cannot run on Reflow's linear-time engine (${reason}): use the syntax of RE2 patterns (no backreferences, no lookaround, Unicode properties as \\p{L} or \\p{Script=Han})`,
      );
    }
    program = { test: (input: string) => compiled.test(input), toString: () => `re2:${pattern}` } as {
      test(input: string): boolean;
    };
    if (programs.size >= 10_000) programs.clear();
    programs.set(pattern, program);
  }
  return program;
}
re2RegExp.code = 're2RegExp';
