/**
 * Distributions of the simulation parameters: durations and delays (numbers, in working hours unless `unit`
 * says days), and the values of variables (booleans, categories, constants, numbers, text, by visit).
 * Each spec is checked once and compiled into a sampler over a seeded Random.
 */
import type { Random } from './random.js';

/** Thrown for a parameter file that does not fit the schema; `path` names the offending field. */
export class ParamsError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}

/** Collects problems while checking, so one run reports all of them. */
export class Problems {
  readonly list: { path: string; message: string }[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ParamsError(this.list);
  }
}

export const NUMERIC_KINDS = [
  'fixed',
  'exponential',
  'lognormal',
  'uniform',
  'normal',
  'triangular',
] as const;
export type NumericKind = (typeof NUMERIC_KINDS)[number];

/** A numeric distribution as written in the JSON (see README.md). */
export type NumericSpec =
  | { fixed: number; unit?: Unit }
  | { exponential: { mean: number }; unit?: Unit }
  | { lognormal: { mean: number; sd: number }; unit?: Unit }
  | { uniform: { min: number; max: number }; unit?: Unit }
  | { normal: { mean: number; sd: number; min?: number; max?: number }; unit?: Unit }
  | { triangular: { min: number; mode: number; max: number }; unit?: Unit };

export type Unit = 'hours' | 'days';

/** Returns a number drawn from the distribution (in the spec's own unit). */
export type NumberSampler = (random: Random) => number;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numberField(
  problems: Problems,
  path: string,
  body: Record<string, unknown>,
  name: string,
  check: (v: number) => string | null,
  optional = false,
): number {
  const value = body[name];
  if (value === undefined && optional) return Number.NaN;
  if (!isNumber(value)) {
    problems.add(`${path}.${name}`, 'must be a finite number');
    return Number.NaN;
  }
  const wrong = check(value);
  if (wrong) problems.add(`${path}.${name}`, wrong);
  return value;
}

const nonNegative = (v: number) => (v < 0 ? 'must be ≥ 0' : null);
const positive = (v: number) => (v <= 0 ? 'must be > 0' : null);
const any = () => null;

/** The single distribution key of a spec object, or null with a problem recorded. */
function kindOf(
  problems: Problems,
  path: string,
  spec: Record<string, unknown>,
  kinds: readonly string[],
  extra: readonly string[],
): string | null {
  const keys = Object.keys(spec).filter((k) => !extra.includes(k));
  const known = keys.filter((k) => kinds.includes(k));
  if (known.length !== 1 || keys.length !== 1) {
    problems.add(path, `must have exactly one of ${kinds.join(', ')} (found: ${keys.join(', ') || 'none'})`);
    return null;
  }
  return known[0];
}

/**
 * Checks a numeric spec and compiles it to a sampler returning values ≥ 0 (durations cannot be negative) in
 * working hours: `unit: "days"` multiplies by `hoursPerDay`.
 */
export function compileDuration(
  problems: Problems,
  path: string,
  spec: unknown,
  hoursPerDay: number,
): NumberSampler {
  const sampler = compileNumber(problems, path, spec, true);
  const unit = isObject(spec) ? spec.unit : undefined;
  if (unit !== undefined && unit !== 'hours' && unit !== 'days')
    problems.add(`${path}.unit`, "must be 'hours' or 'days'");
  const factor = unit === 'days' ? hoursPerDay : 1;
  return factor === 1 ? sampler : (random) => sampler(random) * factor;
}

/** Checks a numeric spec; `durations` forbids distributions that give negative values. */
export function compileNumber(
  problems: Problems,
  path: string,
  spec: unknown,
  durations: boolean,
  extra: readonly string[] = ['unit'],
): NumberSampler {
  const fail: NumberSampler = () => 0;
  if (isNumber(spec)) {
    if (durations && spec < 0) problems.add(path, 'must be ≥ 0');
    return () => spec;
  }
  if (!isObject(spec)) {
    problems.add(path, `must be a number or an object with one of ${NUMERIC_KINDS.join(', ')}`);
    return fail;
  }
  const kind = kindOf(problems, path, spec, NUMERIC_KINDS, extra) as NumericKind | null;
  if (!kind) return fail;
  const at = `${path}.${kind}`;
  const raw = spec[kind];
  if (kind === 'fixed') {
    if (!isNumber(raw)) {
      problems.add(at, 'must be a finite number');
      return fail;
    }
    if (durations && raw < 0) problems.add(at, 'must be ≥ 0');
    return () => raw;
  }
  if (!isObject(raw)) {
    problems.add(at, 'must be an object');
    return fail;
  }
  const allowed: Record<Exclude<NumericKind, 'fixed'>, string[]> = {
    exponential: ['mean'],
    lognormal: ['mean', 'sd'],
    uniform: ['min', 'max'],
    normal: ['mean', 'sd', 'min', 'max'],
    triangular: ['min', 'mode', 'max'],
  };
  for (const key of Object.keys(raw))
    if (!allowed[kind].includes(key))
      problems.add(`${at}.${key}`, `is not a parameter of ${kind} (${allowed[kind].join(', ')})`);
  const low = durations ? nonNegative : any;
  switch (kind) {
    case 'exponential': {
      const mean = numberField(problems, at, raw, 'mean', positive);
      return (random) => -mean * Math.log(random.next());
    }
    case 'lognormal': {
      const mean = numberField(problems, at, raw, 'mean', positive);
      const sd = numberField(problems, at, raw, 'sd', nonNegative);
      // mean and sd of the value itself (as BIMP and Prosimos give them), not of its logarithm
      const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
      const mu = Math.log(mean) - sigma2 / 2;
      const sigma = Math.sqrt(sigma2);
      return (random) => Math.exp(mu + sigma * random.normal());
    }
    case 'uniform': {
      const min = numberField(problems, at, raw, 'min', low);
      const max = numberField(problems, at, raw, 'max', any);
      if (max < min) problems.add(`${at}.max`, 'must be ≥ min');
      return (random) => min + (max - min) * random.next();
    }
    case 'normal': {
      const mean = numberField(problems, at, raw, 'mean', any);
      const sd = numberField(problems, at, raw, 'sd', nonNegative);
      const given = numberField(problems, at, raw, 'min', low, true);
      const min = Number.isNaN(given) ? (durations ? 0 : Number.NEGATIVE_INFINITY) : given;
      const rawMax = numberField(problems, at, raw, 'max', any, true);
      const max = Number.isNaN(rawMax) ? Number.POSITIVE_INFINITY : rawMax;
      if (max < min) problems.add(`${at}.max`, 'must be ≥ min');
      // truncated to [min, max] by redrawing; after 1000 misses (a window far in the tail) the bound is taken
      return (random) => {
        for (let i = 0; i < 1000; i++) {
          const value = mean + sd * random.normal();
          if (value >= min && value <= max) return value;
        }
        return Math.min(Math.max(mean, min), max);
      };
    }
    case 'triangular': {
      const min = numberField(problems, at, raw, 'min', low);
      const mode = numberField(problems, at, raw, 'mode', any);
      const max = numberField(problems, at, raw, 'max', any);
      if (!(min <= mode && mode <= max)) problems.add(at, 'needs min ≤ mode ≤ max');
      const split = max === min ? 0 : (mode - min) / (max - min);
      return (random) => {
        const u = random.next();
        return u < split
          ? min + Math.sqrt(u * (max - min) * (mode - min))
          : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
      };
    }
  }
}

/** The mean of a numeric spec, in its unit (for reports and tests); null when it has none in closed form. */
export function meanOf(spec: NumericSpec | number): number {
  if (typeof spec === 'number') return spec;
  if ('fixed' in spec) return spec.fixed;
  if ('exponential' in spec) return spec.exponential.mean;
  if ('lognormal' in spec) return spec.lognormal.mean;
  if ('uniform' in spec) return (spec.uniform.min + spec.uniform.max) / 2;
  if ('triangular' in spec) return (spec.triangular.min + spec.triangular.mode + spec.triangular.max) / 3;
  return spec.normal.mean; // untruncated mean
}

// ── variable values ───────────────────────────────────────────────────────

/** Draws a variable's value: `visit` counts completions of the same element in the case (1 = first). */
export type ValueSampler = (random: Random, context: { caseNumber: number; visit: number }) => unknown;

const VALUE_KINDS = [
  'value',
  'bernoulli',
  'categorical',
  'choice',
  'template',
  'byVisit',
  ...NUMERIC_KINDS,
] as const;

/** A text template: `{n}` → the case number; `{n:6}` → the case number padded with zeros to 6 digits. */
export function compileTemplate(text: string): (n: number) => string {
  const parts = text.split(/\{n(?::(\d+))?\}/);
  if (parts.length === 1) return () => text;
  // split with a capture group: literal, width, literal, width, …, literal
  return (n) => {
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2)
      out += (parts[i] ? String(n).padStart(Number(parts[i]), '0') : String(n)) + parts[i + 1];
    return out;
  };
}

const copyOf = (value: unknown): unknown =>
  value !== null && typeof value === 'object' ? structuredClone(value) : value;

function probabilities(problems: Problems, path: string, weights: number[]): number[] {
  if (weights.some((w) => !isNumber(w) || w < 0)) problems.add(path, 'probabilities must be numbers ≥ 0');
  const total = weights.reduce((s, w) => s + (isNumber(w) ? w : 0), 0);
  if (Math.abs(total - 1) > 1e-6)
    problems.add(path, `probabilities must add up to 1 (they add up to ${total})`);
  let cumulative = 0;
  return weights.map((w) => (cumulative += isNumber(w) ? w : 0));
}

function pick(random: Random, cumulative: number[]): number {
  const u = random.next() * cumulative[cumulative.length - 1];
  for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]) return i;
  return cumulative.length - 1;
}

/**
 * Checks and compiles a variable spec: a JSON value that is not an object is a constant; an object names one
 * kind — `value` (constant), `bernoulli` (true with probability p), `categorical` ({ text: p }), `choice`
 * ([{ value, p }]), `template` (text with {n} = case number), `byVisit` ([spec, …], the last repeating) or a
 * numeric distribution (with optional `round`: decimals).
 */
export function compileValue(problems: Problems, path: string, spec: unknown): ValueSampler {
  if (!isObject(spec)) return () => copyOf(spec);
  const kind = kindOf(problems, path, spec, VALUE_KINDS, ['round']);
  if (!kind) return () => null;
  const at = `${path}.${kind}`;
  const raw = spec[kind];
  switch (kind) {
    case 'value':
      return () => copyOf(raw);
    case 'bernoulli': {
      if (!isNumber(raw) || raw < 0 || raw > 1) problems.add(at, 'must be a probability from 0 to 1');
      const p = raw as number;
      return (random) => random.next() < p;
    }
    case 'categorical': {
      if (!isObject(raw) || Object.keys(raw).length === 0) {
        problems.add(at, 'must be an object of { value: probability }');
        return () => null;
      }
      const values = Object.keys(raw);
      const cumulative = probabilities(
        problems,
        at,
        values.map((v) => raw[v] as number),
      );
      return (random) => values[pick(random, cumulative)];
    }
    case 'choice': {
      if (
        !Array.isArray(raw) ||
        raw.length === 0 ||
        !raw.every((c) => isObject(c) && 'value' in c && 'p' in c)
      ) {
        problems.add(at, 'must be a list of { "value": …, "p": probability }');
        return () => null;
      }
      const cumulative = probabilities(
        problems,
        at,
        raw.map((c) => c.p as number),
      );
      return (random) => copyOf(raw[pick(random, cumulative)].value);
    }
    case 'template': {
      if (typeof raw !== 'string')
        problems.add(
          at,
          'must be text; {n} is replaced by the case number, {n:6} by it padded with zeros to 6 digits',
        );
      const fill = compileTemplate(String(raw));
      return (_random, context) => fill(context.caseNumber);
    }
    case 'byVisit': {
      if (!Array.isArray(raw) || raw.length === 0) {
        problems.add(
          at,
          'must be a non-empty list of specs: the first for the first visit, the last for every later one',
        );
        return () => null;
      }
      const samplers = raw.map((s, i) => compileValue(problems, `${at}[${i}]`, s));
      return (random, context) => samplers[Math.min(context.visit, samplers.length) - 1](random, context);
    }
    default: {
      const sampler = compileNumber(problems, path, spec, false, ['round']);
      const round = spec.round;
      if (round !== undefined && !(Number.isInteger(round) && (round as number) >= 0))
        problems.add(`${path}.round`, 'must be a whole number of decimals ≥ 0');
      if (round === undefined) return (random) => sampler(random);
      const factor = 10 ** (round as number);
      return (random) => Math.round(sampler(random) * factor) / factor;
    }
  }
}

/** Compiles `{ name: spec }` into one sampler of a variables object. */
export function compileVariables(
  problems: Problems,
  path: string,
  spec: unknown,
): ((random: Random, context: { caseNumber: number; visit: number }) => Record<string, unknown>) | null {
  if (spec === undefined) return null;
  if (!isObject(spec)) {
    problems.add(path, 'must be an object of { variable: spec }');
    return null;
  }
  const entries = Object.entries(spec).map(
    ([name, s]) => [name, compileValue(problems, `${path}.${name}`, s)] as const,
  );
  return (random, context) => {
    const out: Record<string, unknown> = {};
    for (const [name, sampler] of entries) out[name] = sampler(random, context);
    return out;
  };
}
