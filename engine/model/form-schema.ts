/**
 * gov:form JSON Schemas, checked at deploy and compiled for validation (ajv), bounded whatever the schema and
 * whatever the variables:
 * - at deploy the designer's schema is compiled in ajv's strict mode (an unknown keyword, a keyword the type
 *   ignores, a `required` property not defined, an unknown format are errors, not silently ignored), its `$ref`s
 *   must resolve and must not loop without descending into the data, and its explicit caps stay under a ceiling;
 * - regular expressions (`pattern`, `patternProperties`) run on re2js, a linear-time engine, after translation
 *   from ECMAScript syntax keeping its meaning (`\s`, `.`); what only a backtracking engine can do
 *   (backreferences, lookaround) is refused at deploy (form-patterns.ts);
 * - arrays and strings get default caps (FORM_LIMITS) unless the schema sets its own `maxItems`/`maxLength`;
 * - `uniqueItems` is checked in linear time (a set of canonical JSON texts) instead of ajv's pairwise comparison,
 *   and only on arrays within their `maxItems`.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { enumNamesProblem } from './form-options.js';
import { MAX_PATTERN_LENGTH, PatternRefused, re2RegExp } from './form-patterns.js';
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
  patternLength: MAX_PATTERN_LENGTH,
} as const;

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
  // the labels of an enum's values (form-options.ts): read by the form and the messages, not by validation
  ajv.addKeyword({ keyword: 'enumNames', schemaType: 'array' });
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
    const names = enumNamesProblem(schema, path);
    if (names) return names;
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
