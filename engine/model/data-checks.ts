/**
 * Data checks on expressions: every variable a FEEL expression reads must be one something in the process can
 * produce — the process form (`gov:form`), a task form, a script's `gov:resultVariable`, a multi-instance
 * element variable, the loop counters the engine provides, or a name declared in `gov:variables` on the process
 * (for what messages, service handlers and called processes hand in, which the model does not describe).
 *
 * A process that declares its data (a process `gov:form`, or `gov:variables`) gets an error for an unknown
 * name, naming the expression, the variable and the nearest known name; a process that declares nothing gets a
 * warning, since its variables may come from anywhere. Expressions that do not parse are left to the syntax
 * check. Names bound inside the expression (`for x in …`, `some x in …`, function parameters, context keys,
 * `item` in a filter) and property names after a dot are not variables and are not checked.
 *
 * Where forms give a field a type (JSON Schema `type` boolean, string, number or integer), a comparison of that
 * field with a literal or another typed field of another kind (`approved = "yes"` for a boolean, `amount >
 * date("2026-01-01")` for a number) is a warning: FEEL answers null, and the flow takes another branch.
 *
 * A variable that only steps of the process set (a task form, a script's result, a called process's gov:out) and
 * that a path from the process start reaches its reader without passing any of them (set on one branch only) is
 * a warning naming that path. Declaring the name (process form, gov:variables) says it is there from the start.
 */
import { parseExpression } from 'feelin';
import { feelSize, feelSizeProblem, feelSource } from './feel-limits.js';
import { closest } from './parse-findings.js';
import type { Finding, FlowNode, ProcessGraph } from './types.js';

/** Variables the engine sets itself while an activity loops or runs as multi-instance. */
const LOOP_VARIABLES = ['loopCounter', 'nrOfInstances', 'nrOfCompletedInstances', 'nrOfActiveInstances'];

/** The variables an expression reads from the case (its free names), or null when it does not parse or is too large to. */
export function variablesRead(expression: string): string[] | null {
  const source = feelSource(expression);
  if (source === '') return [];
  // measured before parsing, as the syntax check does: feelin's parse of a huge literal takes minutes and GBs
  if (feelSizeProblem(feelSize(source))) return null;
  const free: string[] = [];
  const bound = new Set<string>();
  let broken = false;
  let filters = false;
  parseExpression(source, {}, undefined).iterate({
    enter(ref) {
      if (broken) return false;
      const type = ref.type.name;
      if (ref.type.isError) {
        broken = true;
        return false;
      }
      if (type === 'FilterExpression') filters = true;
      if (type === 'Name') bound.add(source.slice(ref.from, ref.to).trim()); // for/some/every, parameters, context keys
      if (type === 'VariableName') {
        const parent = ref.node.parent;
        // the function called, not a variable: count(x), string length(x)
        if (parent?.name === 'FunctionInvocation' && parent.firstChild?.from === ref.from) return false;
        const name = source.slice(ref.from, ref.to).trim();
        if (!free.includes(name)) free.push(name);
        return false;
      }
      return undefined;
    },
  });
  if (broken) return null;
  return free.filter((name) => !bound.has(name) && !(filters && name === 'item'));
}

/** Top-level property names of a JSON Schema form, through allOf/anyOf/oneOf/if-then-else. */
function formFields(schema: unknown, into: Set<string>, depth = 0): void {
  if (depth > 8 || schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const record = schema as Record<string, unknown>;
  const properties = record.properties;
  if (properties && typeof properties === 'object' && !Array.isArray(properties))
    for (const name of Object.keys(properties)) into.add(name);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = record[key];
    if (Array.isArray(list)) for (const item of list) formFields(item, into, depth + 1);
  }
  for (const key of ['if', 'then', 'else']) formFields(record[key], into, depth + 1);
}

/** Every name something in the process produces, and those `given` it (by its callers' gov:in mappings). */
function knownVariables(graph: ProcessGraph, given: readonly string[]): Set<string> {
  // businessKey: the case's business key, which FEEL reads as a variable
  const known = new Set<string>([...LOOP_VARIABLES, 'businessKey', ...given]);
  formFields(graph.form, known);
  for (const name of graph.variables ?? []) known.add(name);
  for (const node of Object.values(graph.nodes)) {
    formFields(node.form, known);
    if (node.resultVariable) known.add(node.resultVariable);
    if (node.loop?.kind === 'multi' && node.loop.elementVariable) known.add(node.loop.elementVariable);
    for (const { target } of node.outputs ?? []) known.add(target); // what a called process hands back
  }
  return known;
}

/** A FEEL expression of the process: where it is, how to name it, its text. */
interface Expression {
  elementId: string;
  what: string;
  text: string;
  /** A known name not yet set when this expression runs (a multi-instance element's own element variable). */
  unset: string | null;
}

/** Every FEEL expression of the process. */
function expressions(graph: ProcessGraph): Expression[] {
  const list: Expression[] = [];
  const add = (elementId: string, what: string, text: string | null, unset?: string | null): void => {
    if (text !== null && text.trim() !== '') list.push({ elementId, what, text, unset: unset ?? null });
  };
  const label = (node: FlowNode): string =>
    node.name ? `${node.type} '${node.id}' (${node.name})` : `${node.type} '${node.id}'`;
  for (const flow of Object.values(graph.flows))
    add(flow.id, `the condition of sequence flow '${flow.id}'`, flow.condition);
  for (const node of Object.values(graph.nodes)) {
    if (node.department?.startsWith('=')) add(node.id, `gov:department of ${label(node)}`, node.department);
    if (node.type === 'scriptTask' && node.scriptFormat?.trim().toLowerCase() === 'feel')
      add(node.id, `the script of ${label(node)}`, node.script);
    const event = node.event;
    if (event?.kind === 'timer' && event.expression.trim().startsWith('='))
      add(node.id, `the timer expression of ${label(node)}`, event.expression);
    if (event?.kind === 'conditional') add(node.id, `the condition of ${label(node)}`, event.condition);
    if (event?.kind === 'message' && event.correlationKey !== undefined)
      add(node.id, `gov:correlationKey of ${label(node)}`, event.correlationKey);
    // a call activity's gov:in sources read the caller's variables (its gov:out sources read the called process's)
    for (const { source, target } of node.inputs ?? [])
      if (source.startsWith('=')) add(node.id, `the gov:in source of ${label(node)} for '${target}'`, source);
    for (const { source, target } of node.payload ?? [])
      if (source.startsWith('='))
        add(node.id, `the gov:payload source of ${label(node)} for '${target}'`, source);
    const loop = node.loop;
    if (loop?.kind === 'standard') add(node.id, `the loop condition of ${label(node)}`, loop.condition);
    else if (loop?.kind === 'multi') {
      add(node.id, `the loopCardinality of ${label(node)}`, loop.cardinality, loop.elementVariable);
      add(node.id, `gov:collection of ${label(node)}`, loop.collection, loop.elementVariable);
      add(node.id, `the completionCondition of ${label(node)}`, loop.completionCondition);
    }
  }
  return list;
}

/**
 * Findings for variables read that nothing produces: errors when the process declares its data, else warnings;
 * and warnings for comparisons of values of different kinds (typeFindings).
 * `given`: the names the call activities of its file hand it by gov:in mappings (givenByCallers).
 */
export function dataFindings(graph: ProcessGraph, given: readonly string[] = []): Finding[] {
  const known = knownVariables(graph, given);
  const declares = graph.form !== null || graph.variables !== undefined;
  const findings: Finding[] = [];
  for (const { elementId, what, text, unset } of expressions(graph)) {
    const candidates = unset ? [...known].filter((name) => name !== unset) : known;
    let names: string[] | null;
    try {
      names = variablesRead(text);
    } catch {
      names = null; // the syntax check reports it
    }
    for (const name of names ?? []) {
      if (known.has(name)) continue;
      const nearest =
        closest(name, candidates) ??
        [...candidates].find((k) => k.toLowerCase() === name.toLowerCase()) ??
        null;
      const hint = nearest
        ? `${name}: did you mean ${nearest}?`
        : `${name}: no variable of the process is like it`;
      const fix = nearest
        ? `correct the name to ${nearest}`
        : 'correct the name, or add the field to the process form or a task form';
      findings.push({
        elementId,
        type: 'unknownVariable',
        severity: declares ? 'error' : 'warning',
        message: `${what} (${text.trim()}) reads variable '${name}', which nothing in the process produces (${hint}): ${fix}; if a message, a service handler or a called process sets it, declare it in gov:variables on the process (e.g. gov:variables="${name}")`,
      });
    }
  }
  return [...findings, ...typeFindings(graph), ...unsetOnPathFindings(graph, given)];
}

/**
 * The names a process is handed by the call activities of the same file that call it with gov:in mappings (a
 * call without mappings hands every variable of its caller, which the model does not list).
 */
export function givenByCallers(graph: ProcessGraph, sameFile: readonly ProcessGraph[]): string[] {
  const names = new Set<string>();
  for (const caller of sameFile)
    for (const node of Object.values(caller.nodes))
      if (node.type === 'callActivity' && node.calledElement === graph.key)
        for (const { target } of node.inputs ?? []) names.add(target);
  return [...names];
}

type ValueKind = 'boolean' | 'string' | 'number' | 'date';

/** The kinds the forms give each top-level field (a field given different kinds by two forms is left out). */
function formKinds(graph: ProcessGraph): Map<string, ValueKind> {
  const kinds = new Map<string, ValueKind | null>();
  const read = (schema: unknown) => {
    if (schema === null || typeof schema !== 'object') return;
    const properties = (schema as Record<string, unknown>).properties;
    if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return;
    for (const [name, field] of Object.entries(properties as Record<string, unknown>)) {
      const type = field && typeof field === 'object' ? (field as Record<string, unknown>).type : undefined;
      const kind: ValueKind | null =
        type === 'boolean'
          ? 'boolean'
          : type === 'string'
            ? 'string'
            : type === 'number' || type === 'integer'
              ? 'number'
              : null;
      if (kind === null) continue;
      const before = kinds.get(name);
      kinds.set(name, before === undefined || before === kind ? kind : null);
    }
  };
  read(graph.form);
  for (const node of Object.values(graph.nodes)) read(node.form);
  const out = new Map<string, ValueKind>();
  for (const [name, kind] of kinds) if (kind) out.set(name, kind);
  return out;
}

const LITERAL_KINDS: Record<string, ValueKind> = {
  BooleanLiteral: 'boolean',
  StringLiteral: 'string',
  NumericLiteral: 'number',
  DateTimeLiteral: 'date',
};

const KIND_TEXT: Record<ValueKind, string> = {
  boolean: 'a boolean',
  string: 'a string',
  number: 'a number',
  date: 'a date',
};

/** The comparisons of an expression whose two sides are of different known kinds. */
export function mismatchedComparisons(
  expression: string,
  kinds: ReadonlyMap<string, ValueKind>,
): { text: string; left: string; right: string }[] {
  const source = feelSource(expression);
  if (source === '' || feelSizeProblem(feelSize(source))) return [];
  const found: { text: string; left: string; right: string }[] = [];
  const side = (node: { name: string; from: number; to: number } | null) => {
    if (!node) return null;
    if (node.name === 'VariableName') {
      const name = source.slice(node.from, node.to).trim();
      const kind = kinds.get(name);
      return kind ? { kind, text: `${name} (${KIND_TEXT[kind]} by its form)` } : null;
    }
    const kind = LITERAL_KINDS[node.name];
    return kind ? { kind, text: `${source.slice(node.from, node.to)} (${KIND_TEXT[kind]})` } : null;
  };
  try {
    parseExpression(source, {}, undefined).iterate({
      enter(ref) {
        if (ref.type.isError) return false;
        if (ref.type.name !== 'Comparison') return undefined;
        const left = ref.node.firstChild;
        const op = left?.nextSibling;
        if (op?.name !== 'CompareOp') return undefined;
        const a = side(left);
        const b = side(op.nextSibling);
        if (a && b && a.kind !== b.kind)
          found.push({ text: source.slice(ref.from, ref.to), left: a.text, right: b.text });
        return undefined;
      },
    });
  } catch {
    return []; // the syntax check reports it
  }
  return found;
}

/** Warnings for comparisons of values of different kinds, where forms give the variables their types. */
export function typeFindings(graph: ProcessGraph): Finding[] {
  const kinds = formKinds(graph);
  if (kinds.size === 0) return [];
  const findings: Finding[] = [];
  for (const { elementId, what, text } of expressions(graph)) {
    for (const m of mismatchedComparisons(text, kinds)) {
      findings.push({
        elementId,
        type: 'incompatibleComparison',
        severity: 'warning',
        message: `${what} compares ${m.left} with ${m.right} in '${m.text}': FEEL answers null for values of different kinds, so the comparison is never true; compare with a value of the field's kind, or change the form's type`,
      });
    }
  }
  return findings;
}

/** The steps that set each variable (task forms, script results, multi-instance elements, gov:out targets). */
function setters(graph: ProcessGraph): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  const add = (name: string, node: string) => by.set(name, (by.get(name) ?? new Set()).add(node));
  for (const node of Object.values(graph.nodes)) {
    const fields = new Set<string>();
    formFields(node.form, fields);
    for (const name of fields) add(name, node.id);
    if (node.resultVariable) add(node.resultVariable, node.id);
    for (const { target } of node.outputs ?? []) add(target, node.id);
  }
  return by;
}

/**
 * A path of the top-level flow from a start event to `reader` that passes no node of `set` (ids, start first);
 * `readerSets`: whether the reader itself may set it first (a flow's condition runs after its source completes).
 */
function pathAvoiding(
  graph: ProcessGraph,
  set: Set<string>,
  reader: string,
  readerSets: boolean,
): string[] | null {
  const scope = graph.scopes[graph.key];
  if (!scope || graph.nodes[reader]?.scope !== graph.key) return null;
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const start of scope.startEvents)
    if (!set.has(start)) {
      parent.set(start, null);
      queue.push(start);
    }
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (id === reader) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = parent.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const flowId of graph.nodes[id]?.outgoing ?? []) {
      const next = graph.flows[flowId]?.target;
      if (!next || parent.has(next)) continue;
      if (set.has(next) && !(next === reader && !readerSets)) continue;
      parent.set(next, id);
      queue.push(next);
    }
  }
  return null;
}

/** Warnings for variables read where a path from the start has not set them (set on one branch only). */
export function unsetOnPathFindings(graph: ProcessGraph, given: readonly string[] = []): Finding[] {
  const fromStart = new Set<string>([...LOOP_VARIABLES, 'businessKey', ...given, ...(graph.variables ?? [])]);
  formFields(graph.form, fromStart);
  const byName = setters(graph);
  const findings: Finding[] = [];
  const label = (id: string) => {
    const node = graph.nodes[id];
    return node?.name ? `${node.name} (${id})` : id;
  };
  for (const { elementId, what, text } of expressions(graph)) {
    const flow = graph.flows[elementId];
    const reader = flow ? flow.source : elementId;
    let names: string[] | null;
    try {
      names = variablesRead(text);
    } catch {
      names = null;
    }
    for (const name of names ?? []) {
      const set = byName.get(name);
      if (fromStart.has(name) || !set) continue;
      const path = pathAvoiding(graph, set, reader, Boolean(flow));
      if (!path) continue;
      findings.push({
        elementId,
        type: 'variableMaybeUnset',
        severity: 'warning',
        message: `${what} (${text.trim()}) reads '${name}', which only ${[...set].map(label).join(', ')} set${set.size === 1 ? 's' : ''}; on the path ${path.map(label).join(' → ')} it is not set, and the expression reads null: set it on every path, or declare it in the process form or gov:variables="${name}" with a value every case has`,
      });
    }
  }
  return findings;
}
