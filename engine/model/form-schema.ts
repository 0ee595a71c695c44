/**
 * gov:form JSON Schemas, checked at deploy and compiled for validation (ajv), bounded whatever the schema and
 * whatever the variables:
 * - at deploy the designer's schema is compiled in ajv's strict mode (an unknown keyword, a keyword the type
 *   ignores, a `required` property not defined, an unknown format are errors, not silently ignored), its `$ref`s
 *   must resolve and must not loop without descending into the data, and its explicit caps stay under a ceiling;
 * - regular expressions (`pattern`, `patternProperties`) run on re2js, a linear-time engine, after translation
 *   from ECMAScript syntax keeping its meaning (`\s`, `.`); what only a backtracking engine can do
 *   (backreferences, lookaround) is refused at deploy;
 * - arrays and strings get default caps (FORM_LIMITS) unless the schema sets its own `maxItems`/`maxLength`;
 * - `uniqueItems` is checked in linear time (a set of canonical JSON texts) instead of ajv's pairwise comparison,
 *   and only on arrays within their `maxItems`.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import type { Finding, ProcessGraph } from './types.js';

export const FORM_LIMITS = {
  /** `maxItems` of every array a schema describes without one */
  defaultMaxItems: 1_000,
  /** `maxLength` of every string a schema describes without one */
  defaultMaxLength: 10_000,
  /** the largest `maxItems` a schema may set */
  maxItems: 10_000,
  /** the largest `maxLength` a schema may set */
  maxLength: 100_000,
  /** characters of one `pattern` */
  patternLength: 1_000,
} as const;

/** A regular expression Reflow does not run, and why. */
export class PatternRefused extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} ${reason}`);
  }
}

// ── ECMAScript → RE2 ─────────────────────────────────────────────────────────────────────────────────────

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
  if (pattern.length > FORM_LIMITS.patternLength)
    throw new PatternRefused(
      pattern,
      `has ${pattern.length.toLocaleString('en-US')} characters, more than the ${FORM_LIMITS.patternLength.toLocaleString('en-US')} a pattern may have`,
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
function re2RegExp(pattern: string, _flags: string): { test(input: string): boolean } {
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

// ── uniqueItems in linear time ───────────────────────────────────────────────────────────────────────────

/** JSON text with object keys sorted: equal for values JSON Schema calls equal. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
    .join(',')}}`;
}

function uniqueItems(this: unknown, schema: boolean, data: unknown[], parentSchema?: Schema): boolean {
  if (!schema) return true;
  // an array longer than its maxItems is invalid already (maxItems says so): its items need not be compared
  const maxItems = parentSchema?.maxItems;
  if (typeof maxItems === 'number' && data.length > maxItems) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const key = canonical(data[i]);
    const j = seen.get(key);
    if (j !== undefined) {
      uniqueItems.errors = [
        {
          keyword: 'uniqueItems',
          message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
          params: { i, j },
        },
      ];
      return false;
    }
    seen.set(key, i);
  }
  return true;
}
uniqueItems.errors = undefined as Partial<ErrorObject>[] | undefined;

function newAjv(strict: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict,
    allowUnionTypes: true,
    code: { regExp: re2RegExp },
    // a stored form checked before strict mode may name a format: it is ignored, as it always was
    logger: strict ? undefined : false,
  });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({
    keyword: 'uniqueItems',
    type: 'array',
    schemaType: 'boolean',
    errors: true,
    validate: uniqueItems,
  });
  return ajv;
}

/** The designer's schema as written, in strict mode: only to find what is wrong with it. */
const strictAjv = newAjv(true);
/** The schema with its caps, for validating variables. */
const runtimeAjv = newAjv(false);

// ── walking a schema ─────────────────────────────────────────────────────────────────────────────────────

type Schema = Record<string, unknown>;
const isSchemaObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose subschemas apply to the same value (a loop through them never ends). */
const SAME_VALUE_ONE = ['not', 'if', 'then', 'else'];
const SAME_VALUE_MANY = ['allOf', 'anyOf', 'oneOf'];
/** Keywords whose subschemas apply to parts of the value. */
const PART_ONE = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames'];
const PART_MAP = ['properties', 'patternProperties'];

const pointer = (path: string, ...keys: (string | number)[]): string =>
  keys.reduce<string>((p, k) => `${p}/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`, path);

/** Calls `visit` on every subschema object with its JSON pointer and whether it applies to the same value. */
function eachSubschema(
  schema: Schema,
  path: string,
  visit: (sub: Schema, at: string, same: boolean) => void,
): void {
  for (const key of SAME_VALUE_ONE)
    if (isSchemaObject(schema[key])) visit(schema[key], pointer(path, key), true);
  for (const key of SAME_VALUE_MANY) {
    const list = schema[key];
    if (Array.isArray(list))
      for (const [i, sub] of list.entries()) if (isSchemaObject(sub)) visit(sub, pointer(path, key, i), true);
  }
  const dependencies = schema.dependencies;
  if (isSchemaObject(dependencies))
    for (const [k, sub] of Object.entries(dependencies))
      if (isSchemaObject(sub)) visit(sub, pointer(path, 'dependencies', k), true);
  for (const key of PART_ONE) {
    const sub = schema[key];
    if (isSchemaObject(sub)) visit(sub, pointer(path, key), false);
    else if (key === 'items' && Array.isArray(sub))
      for (const [i, s] of sub.entries()) if (isSchemaObject(s)) visit(s, pointer(path, key, i), false);
  }
  for (const key of PART_MAP) {
    const map = schema[key];
    if (isSchemaObject(map))
      for (const [k, sub] of Object.entries(map))
        if (isSchemaObject(sub)) visit(sub, pointer(path, key, k), false);
  }
  for (const key of ['definitions', '$defs']) {
    const map = schema[key];
    if (isSchemaObject(map))
      for (const [k, sub] of Object.entries(map))
        if (isSchemaObject(sub)) visit(sub, pointer(path, key, k), false);
  }
}

/** The subschema a local `$ref` (`#` or `#/…`) points to, or undefined. */
function resolve(root: Schema, ref: string): unknown {
  if (ref === '#') return root;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * What is wrong with the references and caps of a schema, or null: a `$ref` that leads back to where it
 * started without descending into the value (ajv compiles it; validating then never ends) and, at deploy
 * (`strict`), a `$ref` that is not local (`#/…`), an `$id`, an explicit cap over the ceiling.
 */
function structureProblem(root: Schema, strict: boolean): string | null {
  const at = new Map<Schema, string>();
  const collect = (schema: Schema, path: string): void => {
    if (at.has(schema)) return;
    at.set(schema, path);
    eachSubschema(schema, path, (sub, p) => collect(sub, p));
  };
  collect(root, '#');
  for (const [schema, path] of strict ? at : []) {
    const ref = schema.$ref;
    if (ref !== undefined && (typeof ref !== 'string' || !(ref === '#' || ref.startsWith('#/'))))
      return `the $ref ${JSON.stringify(ref)} at ${path} is not a reference inside the form (#/…): Reflow reads no other documents; put the schema under definitions and refer to it as #/definitions/…`;
    if ('$id' in schema)
      return `the schema at ${path} has $id ${JSON.stringify(schema.$id)}: Reflow resolves references inside the form only; remove $id`;
    for (const [key, ceiling] of [
      ['maxItems', FORM_LIMITS.maxItems],
      ['maxLength', FORM_LIMITS.maxLength],
    ] as const) {
      const value = schema[key];
      if (typeof value === 'number' && value > ceiling)
        return `${key} is ${value.toLocaleString('en-US')} at ${path}, more than the ${ceiling.toLocaleString('en-US')} Reflow allows: lower it (large data belongs in materials, not in form variables)`;
    }
  }
  // loops through $ref and same-value keywords: depth-first search for a back edge
  const state = new Map<Schema, 'open' | 'done'>();
  let loop: string | null = null;
  const sameValue = (schema: Schema): Schema[] => {
    const next: Schema[] = [];
    if (typeof schema.$ref === 'string') {
      const target = resolve(root, schema.$ref);
      if (isSchemaObject(target)) next.push(target);
    }
    eachSubschema(schema, '', (sub, _p, same) => {
      if (same) next.push(sub);
    });
    return next;
  };
  const visit = (schema: Schema): void => {
    if (loop !== null || state.get(schema) === 'done') return;
    if (state.get(schema) === 'open') {
      loop = at.get(schema) ?? '#';
      return;
    }
    state.set(schema, 'open');
    for (const next of sameValue(schema)) visit(next);
    state.set(schema, 'done');
  };
  for (const schema of at.keys()) visit(schema);
  if (loop !== null)
    return `the $ref chain through ${loop} leads back to ${loop} without descending into a property or item, so checking a value would never end: point the $ref at a definition, or put it under properties or items`;
  return null;
}

/** The schema with default caps added to every array and string it describes without its own. */
function withCaps(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (!('maxItems' in copy)) copy.maxItems = FORM_LIMITS.defaultMaxItems;
  if (!('maxLength' in copy)) copy.maxLength = FORM_LIMITS.defaultMaxLength;
  // caps only tighten where a tighter subschema tightens the whole: not under not, if or oneOf (a tighter
  // branch of a oneOf can make it pass), nor in definitions (a $ref may use one under not); a $ref's own
  // schema gets them
  for (const key of [
    'then',
    'else',
    'items',
    'additionalItems',
    'additionalProperties',
    'contains',
    'propertyNames',
  ])
    if (isSchemaObject(copy[key])) copy[key] = withCaps(copy[key] as Schema);
  if (Array.isArray(copy.items)) copy.items = copy.items.map((s) => (isSchemaObject(s) ? withCaps(s) : s));
  for (const key of ['allOf', 'anyOf'])
    if (Array.isArray(copy[key]))
      copy[key] = (copy[key] as unknown[]).map((s) => (isSchemaObject(s) ? withCaps(s) : s));
  for (const key of ['properties', 'patternProperties', 'dependencies'])
    if (isSchemaObject(copy[key]))
      copy[key] = Object.fromEntries(
        Object.entries(copy[key] as Schema).map(([k, s]) => [k, isSchemaObject(s) ? withCaps(s) : s]),
      );
  return copy;
}

/** ajv's and Reflow's own compile errors as one sentence with the fix. */
function explain(error: unknown): string {
  const message = (error as Error).message;
  if (error instanceof PatternRefused) return message;
  if (error instanceof RangeError) return `the schema nests too deeply to compile (${message})`;
  const unknownKeyword = /^strict mode: unknown keyword: "(.*)"/.exec(message);
  if (unknownKeyword)
    return `"${unknownKeyword[1]}" is not a JSON Schema keyword (draft-07), so it would be ignored: correct its spelling or remove it`;
  const missingType = /^strict mode: missing type "(.*)" for keyword "(.*)" at "(.*)"/.exec(message);
  if (missingType)
    return `"${missingType[2]}" at ${missingType[3]} applies to ${missingType[1]} values only, but that schema does not say "type": "${missingType[1]}": add it (or remove "${missingType[2]}")`;
  const required = /^strict mode: required property "(.*)" is not defined at "(.*)"/.exec(message);
  if (required)
    return `"${required[1]}" is required at ${required[2]} but not defined in its properties: add it to properties, or correct the name in required`;
  const format = /^unknown format "(.*)" ignored in schema at path "(.*)"/.exec(message);
  if (format)
    return `format "${format[1]}" at ${format[2]} is not checked by Reflow: describe the value with a pattern instead (e.g. "pattern": "^[^@\\\\s]+@[^@\\\\s]+$" for an e-mail address)`;
  const ref = /^can't resolve reference (.*) from id/.exec(message);
  if (ref)
    return `$ref ${ref[1]} points to nothing in the form: define it (e.g. under definitions) or correct the $ref`;
  if (message.startsWith('schema is invalid:'))
    return `it is not a valid JSON Schema (draft-07): ${message.replace(/^schema is invalid: /, '')}`;
  return message.replace(/^strict mode: /, '');
}

/**
 * Why a gov:form cannot be used, or null when it compiles in strict mode; the message says what to fix. The
 * schema is not kept (compiled validators are made by formValidator).
 */
export function formSchemaProblem(schema: unknown): string | null {
  if (!isSchemaObject(schema))
    return `it is ${Array.isArray(schema) ? 'an array' : schema === null ? 'null' : `a ${typeof schema}`}, not a JSON Schema object: write the form as {"type": "object", "properties": {…}}`;
  try {
    const structure = structureProblem(schema, true);
    if (structure) return structure;
    for (const ajv of [strictAjv, runtimeAjv]) {
      const copy = ajv === runtimeAjv ? withCaps(schema) : schema;
      try {
        ajv.compile(copy);
      } finally {
        ajv.removeSchema(copy);
      }
    }
    return null;
  } catch (error) {
    return explain(error);
  }
}

/**
 * A validator for variables: the schema with its caps, patterns on re2js, linear uniqueItems. Compiled without
 * strict mode, so a form deployed before the checks above still validates as before; throws (with the reason
 * worded like formSchemaProblem) when the schema cannot be compiled at all.
 */
export function formValidator(schema: unknown): ValidateFunction {
  if (!isSchemaObject(schema)) throw new Error(formSchemaProblem(schema) ?? 'it is not a JSON Schema object');
  let capped: Schema | null = null;
  try {
    const structure = structureProblem(schema, false);
    if (structure) throw new Error(structure);
    capped = withCaps(schema);
    return runtimeAjv.compile(capped as SchemaObject);
  } catch (error) {
    throw new Error(explain(error));
  } finally {
    if (capped) runtimeAjv.removeSchema(capped);
  }
}

/** Deploy findings for the forms of a graph: each one that cannot be used, naming its element. */
export function formFindings(graph: ProcessGraph): Finding[] {
  const findings: Finding[] = [];
  const check = (elementId: string, what: string, form: unknown): void => {
    if (form === null || form === undefined) return;
    const problem = formSchemaProblem(form);
    if (problem)
      findings.push({
        elementId,
        type: 'invalidForm',
        severity: 'error',
        message: `${what} cannot be used: ${problem}`,
      });
  };
  check(graph.key, `the application form (gov:form) of process '${graph.key}'`, graph.form);
  for (const node of Object.values(graph.nodes))
    check(node.id, `gov:form of ${node.type} '${node.id}'`, node.form);
  return findings;
}
