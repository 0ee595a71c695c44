/**
 * The simulation parameter file (`<process>.sim.json`, schema in README.md): checked against the schema and
 * against the process it drives, then compiled into samplers.
 */

import { formValidator } from '../model/form-schema.js';
import type { ProcessGraph } from '../model/types.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import {
  compileDuration,
  compileValue,
  compileVariables,
  type NumberSampler,
  type NumericSpec,
  Problems,
  type ValueSampler,
} from './distributions.js';
import { Random } from './random.js';

/** The JSON as written (README.md documents every field). */
export interface SimulationParams {
  $schema?: string;
  description?: string;
  /** Default seed of the PRNG. */
  seed?: number | string;
  arrivals?: {
    /** Poisson arrivals: mean arrivals per working hour (inter-arrival times exponential in working time). */
    ratePerWorkingHour?: number;
    /** Or any distribution of the time between arrivals (working hours). */
    interArrival?: NumericSpec | number;
    /** Stop after this many cases. */
    count?: number;
    /** Virtual clock start (ISO 8601 with offset); default 2026-03-02T09:00:00+08:00. */
    start?: string;
  };
  /** How cases start: channel (online/window) and start variables (the application form). */
  case?: { channel?: unknown; variables?: Record<string, unknown>; businessKey?: string };
  /** Staff per department (a department not listed has unlimited staff: no queueing). */
  departments?: Record<string, { staff: number }>;
  /** Per task (element id): working duration and the variables set on completion. */
  tasks?: Record<string, { duration?: NumericSpec | number; variables?: Record<string, unknown> }>;
  defaults?: { duration?: NumericSpec | number };
  /** Per message name: the delay before the applicant (or another party) sends it, working hours. */
  messages?: Record<
    string,
    { delay: NumericSpec | number; channel?: unknown; variables?: Record<string, unknown> }
  >;
  /** 好差评: share of completed cases rated and the probability of each level (5 very satisfied … 1 very dissatisfied). */
  ratings?: {
    share?: number;
    levels: Record<string, number>;
    delay?: NumericSpec | number;
    /** Share of ratings given on one step (一次一评, e.g. at a window) rather than on the whole case; default 0. */
    stepShare?: number;
  };
  /** History seeded by `npm run demo` and by the first start on an empty database. */
  demo?: { cases?: number; fromWorkingDaysAgo?: number; toWorkingDaysAgo?: number };
}

export interface CompiledTask {
  duration: NumberSampler;
  variables:
    | ((random: Random, context: { caseNumber: number; visit: number }) => Record<string, unknown>)
    | null;
}

export interface CompiledParams {
  source: SimulationParams;
  interArrival: NumberSampler;
  count: number | null;
  start: number | null;
  channel: ValueSampler | null;
  startVariables:
    | ((random: Random, context: { caseNumber: number; visit: number }) => Record<string, unknown>)
    | null;
  businessKey: string | null;
  staff: Map<string, number>;
  tasks: Map<string, CompiledTask>;
  messages: Map<
    string,
    { delay: NumberSampler; channel: ValueSampler | null; variables: CompiledTask['variables'] }
  >;
  ratings: {
    share: number;
    levels: number[];
    cumulative: number[];
    delay: NumberSampler;
    stepShare: number;
  } | null;
  /** Notes that do not stop the run (e.g. a message nobody will send: cases waiting for it stay open). */
  warnings: string[];
}

const TOP_LEVEL = [
  '$schema',
  'description',
  'seed',
  'arrivals',
  'case',
  'departments',
  'tasks',
  'defaults',
  'messages',
  'ratings',
  'demo',
];
const WORK_TYPES = new Set(['userTask', 'manualTask']);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(
  problems: Problems,
  path: string,
  value: Record<string, unknown>,
  allowed: string[],
): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key))
      problems.add(`${path}.${key}`, `is not a known field (${allowed.join(', ')})`);
}

const FORM_CHECK_DRAWS = 30;

/** Draws the variables a few times (first three visits) and checks each draw against the JSON Schema form. */
function checkForm(
  problems: Problems,
  path: string,
  formName: string,
  form: unknown,
  sampler: CompiledTask['variables'],
): void {
  if (!isObject(form)) return;
  let validate: ReturnType<typeof formValidator>;
  try {
    validate = formValidator(form); // as the server validates: caps, patterns on re2js
  } catch (error) {
    problems.add(path, `${formName} cannot be used: ${(error as Error).message}`);
    return;
  }
  const random = new Random('form-check');
  for (let draw = 1; draw <= FORM_CHECK_DRAWS; draw++) {
    const variables = sampler?.(random, { caseNumber: draw, visit: 1 + (draw % 3) }) ?? {};
    if (validate(variables)) continue;
    const errors = (validate.errors ?? []).map((e) => {
      const missing =
        e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : '';
      const field = `${e.instancePath.replace(/^\//, '').replace(/\//g, '.')}${missing}`;
      return `${field || '(root)'} ${e.message ?? 'is invalid'}`;
    });
    problems.add(path, `a draw does not fit ${formName}, which the server checks: ${errors.join('; ')}`);
    return;
  }
}

/**
 * Checks `params` against the schema and the process (tasks, messages, forms) and compiles it. Throws
 * ParamsError listing every problem.
 */
export function compileParams(
  params: unknown,
  definition: CompiledDefinition,
  options: {
    hoursPerDay: number;
    /** The processes the definition calls (calledGraphs): their tasks run in its cases and are timed here too. */
    called?: ProcessGraph[];
  },
): CompiledParams {
  const problems = new Problems();
  const warnings: string[] = [];
  if (!isObject(params)) {
    problems.add('$', 'must be a JSON object');
    problems.throwIfAny();
  }
  const p = params as SimulationParams & Record<string, unknown>;
  unknownKeys(problems, '$', p, TOP_LEVEL);
  const graph = definition.graph;
  // a case runs the tasks of the processes it calls too (a 一件事's department processes)
  const nodes = [graph, ...(options.called ?? [])].flatMap((g) => Object.values(g.nodes));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const hours = options.hoursPerDay;

  // arrivals
  const arrivals = p.arrivals ?? {};
  if (!isObject(arrivals)) problems.add('$.arrivals', 'must be an object');
  else
    unknownKeys(problems, '$.arrivals', arrivals, ['ratePerWorkingHour', 'interArrival', 'count', 'start']);
  let interArrival: NumberSampler = () => 1;
  if (arrivals.ratePerWorkingHour !== undefined && arrivals.interArrival !== undefined) {
    problems.add('$.arrivals', 'give ratePerWorkingHour or interArrival, not both');
  } else if (arrivals.interArrival !== undefined) {
    interArrival = compileDuration(problems, '$.arrivals.interArrival', arrivals.interArrival, hours);
  } else {
    const rate = arrivals.ratePerWorkingHour ?? 1;
    if (!(typeof rate === 'number' && rate > 0 && Number.isFinite(rate)))
      problems.add('$.arrivals.ratePerWorkingHour', 'must be a number > 0');
    interArrival = compileDuration(problems, '$.arrivals', { exponential: { mean: 1 / rate } }, hours);
  }
  const count = arrivals.count ?? null;
  if (count !== null && !(Number.isInteger(count) && count >= 0))
    problems.add('$.arrivals.count', 'must be a whole number ≥ 0');
  let start: number | null = null;
  if (arrivals.start !== undefined) {
    start = typeof arrivals.start === 'string' ? Date.parse(arrivals.start) : Number.NaN;
    if (Number.isNaN(start))
      problems.add('$.arrivals.start', 'must be an ISO 8601 date-time, e.g. 2026-03-02T09:00:00+08:00');
  }

  // case start
  const kase = p.case ?? {};
  if (!isObject(kase)) problems.add('$.case', 'must be an object');
  else unknownKeys(problems, '$.case', kase, ['channel', 'variables', 'businessKey']);
  const channel = kase.channel === undefined ? null : compileValue(problems, '$.case.channel', kase.channel);
  const startVariables = compileVariables(problems, '$.case.variables', kase.variables);
  if (kase.businessKey !== undefined && typeof kase.businessKey !== 'string')
    problems.add('$.case.businessKey', 'must be text; {n} is the case number');

  // departments
  const staff = new Map<string, number>();
  if (p.departments !== undefined) {
    if (!isObject(p.departments))
      problems.add('$.departments', 'must be an object of { department: { staff } }');
    else {
      const known = new Set(nodes.map((n) => n.department).filter((d): d is string => d !== null));
      for (const [name, entry] of Object.entries(p.departments)) {
        const at = `$.departments.${name}`;
        if (!isObject(entry)) {
          problems.add(at, 'must be { "staff": n }');
          continue;
        }
        unknownKeys(problems, at, entry, ['staff']);
        if (!(Number.isInteger(entry.staff) && (entry.staff as number) >= 1))
          problems.add(`${at}.staff`, 'must be a whole number ≥ 1');
        else staff.set(name, entry.staff as number);
        if (!known.has(name) && ![...known].some((d) => d.startsWith('=')))
          warnings.push(`department '${name}' has no step in ${graph.key}`);
      }
    }
  }

  // tasks
  const defaults = p.defaults ?? {};
  if (!isObject(defaults)) problems.add('$.defaults', 'must be an object');
  else unknownKeys(problems, '$.defaults', defaults, ['duration']);
  const defaultDuration =
    defaults.duration === undefined
      ? null
      : compileDuration(problems, '$.defaults.duration', defaults.duration, hours);
  const tasks = new Map<string, CompiledTask>();
  const taskParams = p.tasks ?? {};
  if (!isObject(taskParams))
    problems.add('$.tasks', 'must be an object of { elementId: { duration, variables } }');
  for (const [id, entry] of Object.entries(isObject(taskParams) ? taskParams : {})) {
    const at = `$.tasks.${id}`;
    const node = nodeById.get(id);
    if (!node) problems.add(at, `'${id}' is not an element of process '${graph.key}' or a process it calls`);
    else if (!WORK_TYPES.has(node.type))
      problems.add(at, `'${id}' is a ${node.type}: only user and manual tasks are worked by staff`);
    if (!isObject(entry)) {
      problems.add(at, 'must be { "duration": …, "variables": … }');
      continue;
    }
    unknownKeys(problems, at, entry, ['duration', 'variables']);
    const duration =
      entry.duration === undefined
        ? defaultDuration
        : compileDuration(problems, `${at}.duration`, entry.duration, hours);
    if (!duration) problems.add(`${at}.duration`, 'is missing (and there is no defaults.duration)');
    tasks.set(id, {
      duration: duration ?? (() => 0),
      variables: compileVariables(problems, `${at}.variables`, entry.variables),
    });
  }
  for (const node of nodes) {
    if (!WORK_TYPES.has(node.type) || tasks.has(node.id)) continue;
    if (!defaultDuration)
      problems.add(
        `$.tasks.${node.id}`,
        `task '${node.id}' (${node.name ?? ''}) has no duration and there is no defaults.duration`,
      );
    else tasks.set(node.id, { duration: defaultDuration, variables: null });
  }

  // messages
  const messages = new Map<
    string,
    { delay: NumberSampler; channel: ValueSampler | null; variables: CompiledTask['variables'] }
  >();
  // messages the cases send (a 一件事's master and its department processes) reach their waits without parameters
  const sends = (n: (typeof nodes)[number]) =>
    n.type === 'intermediateThrowEvent' || n.type === 'endEvent' || n.type === 'sendTask';
  const sent = new Set(nodes.flatMap((n) => (n.event?.kind === 'message' && sends(n) ? [n.event.name] : [])));
  const waited = new Set(
    nodes.flatMap((n) =>
      n.event?.kind === 'message' && n.type !== 'startEvent' && !sends(n) ? [n.event.name] : [],
    ),
  );
  for (const n of nodes)
    if (n.type === 'receiveTask' && n.event?.kind === 'message') waited.add(n.event.name);
  const messageParams = p.messages ?? {};
  if (!isObject(messageParams)) problems.add('$.messages', 'must be an object of { messageName: { delay } }');
  for (const [name, entry] of Object.entries(isObject(messageParams) ? messageParams : {})) {
    const at = `$.messages.${name}`;
    if (!waited.has(name)) warnings.push(`message '${name}' is not awaited by any event of ${graph.key}`);
    if (!isObject(entry)) {
      problems.add(at, 'must be { "delay": … }');
      continue;
    }
    unknownKeys(problems, at, entry, ['delay', 'channel', 'variables']);
    if (entry.delay === undefined) problems.add(`${at}.delay`, 'is missing');
    messages.set(name, {
      delay: compileDuration(problems, `${at}.delay`, entry.delay ?? 0, hours),
      channel: entry.channel === undefined ? null : compileValue(problems, `${at}.channel`, entry.channel),
      variables: compileVariables(problems, `${at}.variables`, entry.variables),
    });
  }
  for (const name of waited)
    if (!messages.has(name) && !sent.has(name))
      warnings.push(`message '${name}' has no parameters: cases waiting for it stay open`);

  // ratings
  let ratings: CompiledParams['ratings'] = null;
  if (p.ratings !== undefined) {
    const r = p.ratings;
    if (!isObject(r) || !isObject(r.levels))
      problems.add('$.ratings', 'must be { "share": p, "levels": { "1": p, …, "5": p } }');
    else {
      unknownKeys(problems, '$.ratings', r, ['share', 'levels', 'delay', 'stepShare']);
      const share = r.share ?? 1;
      if (!(typeof share === 'number' && share >= 0 && share <= 1))
        problems.add('$.ratings.share', 'must be a probability from 0 to 1');
      const stepShare = r.stepShare ?? 0;
      if (!(typeof stepShare === 'number' && stepShare >= 0 && stepShare <= 1))
        problems.add('$.ratings.stepShare', 'must be a probability from 0 to 1');
      const levels = [1, 2, 3, 4, 5];
      for (const key of Object.keys(r.levels))
        if (!['1', '2', '3', '4', '5'].includes(key))
          problems.add(`$.ratings.levels.${key}`, 'levels are 1 to 5');
      const weights = levels.map((l) => Number(r.levels[String(l)] ?? 0));
      if (weights.some((w) => !(w >= 0)))
        problems.add('$.ratings.levels', 'probabilities must be numbers ≥ 0');
      const total = weights.reduce((s, w) => s + w, 0);
      if (Math.abs(total - 1) > 1e-6)
        problems.add('$.ratings.levels', `probabilities must add up to 1 (they add up to ${total})`);
      let cumulative = 0;
      ratings = {
        share,
        levels,
        cumulative: weights.map((w) => (cumulative += w)),
        delay: compileDuration(problems, '$.ratings.delay', r.delay ?? 0, hours),
        stepShare,
      };
    }
  }

  // demo
  if (p.demo !== undefined) {
    const d = p.demo;
    if (!isObject(d)) problems.add('$.demo', 'must be an object');
    else {
      unknownKeys(problems, '$.demo', d, ['cases', 'fromWorkingDaysAgo', 'toWorkingDaysAgo']);
      const from = d.fromWorkingDaysAgo ?? 80;
      const to = d.toWorkingDaysAgo ?? 20;
      if (d.cases !== undefined && !(Number.isInteger(d.cases) && d.cases >= 0))
        problems.add('$.demo.cases', 'must be a whole number ≥ 0');
      if (!(typeof from === 'number' && typeof to === 'number' && from > to && to >= 0))
        problems.add('$.demo', 'needs fromWorkingDaysAgo > toWorkingDaysAgo ≥ 0');
    }
  }
  if (p.seed !== undefined && typeof p.seed !== 'number' && typeof p.seed !== 'string')
    problems.add('$.seed', 'must be a number or text');

  // the server checks start variables against the application form and task variables against the task's form
  // (CaseService, ajv): so draws that the server would refuse are caught here, before anything runs
  if (problems.list.length === 0) {
    checkForm(problems, '$.case.variables', 'the application form', graph.form, startVariables);
    for (const [id, task] of tasks)
      checkForm(
        problems,
        `$.tasks.${id}.variables`,
        `the form of '${id}'`,
        nodeById.get(id)?.form,
        task.variables,
      );
  }
  problems.throwIfAny();
  return {
    source: p,
    interArrival,
    count,
    start,
    channel,
    startVariables,
    businessKey: typeof kase.businessKey === 'string' ? kase.businessKey : null,
    staff,
    tasks,
    messages,
    ratings,
    warnings,
  };
}
