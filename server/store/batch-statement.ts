/**
 * The write batch's one SQL statement (server/store/case-writer.ts writes with it): the row sets a batch carries,
 * their columns listed once (each checked against its row type), and the statement made from that list — data-
 * modifying CTEs gated per case — prepared the first time a batch is written, not when this module is imported.
 */
import type {
  SentRow,
  StepChange,
  StepRow,
  SubscriptionRow,
  TaskChange,
  TaskRow,
  TimerRow,
} from '../../engine/index.js';
import { prepareStatement } from '../db/database.js';
import type { CaseColumns, WritePlan } from './case-writer.js';

/** The revision of a case as its start leaves it. */
export const STARTED_REVISION = 1;

/** A PostgreSQL type a batch passes a column as. */
type SqlType = 'text' | 'int' | 'bigint' | 'boolean' | 'timestamptz' | 'double precision' | 'json' | 'jsonb';
type Columns = readonly (readonly [name: string, type: SqlType])[];
/** The columns of a row set: each a column of the row type `R` (checked), with the type it travels as. */
/**
 * Who handled and holds a task, set by the completion of a task (server/cases/case-service.ts) and kept as they
 * are by every other change of it (a null leaves the column as stored: claims are written apart, by
 * server/people/work-items.ts).
 */
export interface PeopleOfTask {
  handler_id?: string | null;
  handler_name?: string | null;
  claimed_by?: string | null;
  claimed_name?: string | null;
  claimed_at?: string | null;
}
const KEPT_UNLESS_GIVEN = new Set(['handler_id', 'handler_name', 'claimed_by', 'claimed_name', 'claimed_at']);

type ColumnsOf<R> = readonly (readonly [name: keyof R & string, type: SqlType])[];

type StartColumns = CaseColumns & {
  id: string;
  definition_id: string;
  process_key: string;
  version: number;
  business_key: string | null;
  channel: string | null;
  materials: string[];
  started_at: string | null;
  root_case_id: string | null;
  keyed: boolean;
};

/**
 * The row sets a batch carries, each passed column by column (in this order). The one list of the columns a
 * batch writes: the statement's INSERT column lists and UPDATE assignments are made from it.
 */
const INPUTS = {
  cmd: [
    ['id', 'text'],
    ['revision', 'int'],
    ['snapshot', 'json'],
    ['status', 'text'],
    ['trips', 'int'],
    ['corrected', 'boolean'],
    ['ended_at', 'timestamptz'],
    ['working_ms', 'bigint'],
    ['paused_ms', 'bigint'],
    ['audit_seq', 'int'],
    ['audit_hash', 'text'],
  ] satisfies ColumnsOf<CaseColumns & { id: string; revision: number }>,
  keys: [
    ['key', 'text'],
    ['case_id', 'text'],
    ['created_at', 'timestamptz'],
  ],
  starts: [
    ['id', 'text'],
    ['definition_id', 'text'],
    ['process_key', 'text'],
    ['version', 'int'],
    ['business_key', 'text'],
    ['status', 'text'],
    ['channel', 'text'],
    ['materials', 'jsonb'],
    ['snapshot', 'json'],
    ['trips', 'int'],
    ['corrected', 'boolean'],
    ['started_at', 'timestamptz'],
    ['ended_at', 'timestamptz'],
    ['working_ms', 'bigint'],
    ['paused_ms', 'bigint'],
    ['audit_seq', 'int'],
    ['audit_hash', 'text'],
    ['root_case_id', 'text'],
    ['keyed', 'boolean'],
  ] satisfies ColumnsOf<StartColumns>,
  newSteps: [
    ['id', 'text'],
    ['case_id', 'text'],
    ['process_key', 'text'],
    ['version', 'int'],
    ['element_id', 'text'],
    ['name', 'text'],
    ['type', 'text'],
    ['department', 'text'],
    ['status', 'text'],
    ['entered_at', 'timestamptz'],
    ['completed_at', 'timestamptz'],
    ['due_at', 'timestamptz'],
    ['time_limit', 'double precision'],
    ['in_person', 'boolean'],
    ['correction', 'boolean'],
    ['pauses_clock', 'boolean'],
    ['working_ms', 'bigint'],
    ['variables_changed', 'jsonb'],
    ['parent_step_id', 'text'],
    ['seq', 'int'],
  ] satisfies ColumnsOf<StepRow>,
  changedSteps: [
    ['id', 'text'],
    ['case_id', 'text'],
    ['status', 'text'],
    ['completed_at', 'timestamptz'],
    ['working_ms', 'bigint'],
    ['variables_changed', 'jsonb'],
    ['department', 'text'],
  ] satisfies ColumnsOf<StepChange>,
  newTasks: [
    ['id', 'text'],
    ['case_id', 'text'],
    ['element_id', 'text'],
    ['name', 'text'],
    ['department', 'text'],
    ['status', 'text'],
    ['created_at', 'timestamptz'],
    ['due_at', 'timestamptz'],
    ['completed_at', 'timestamptz'],
  ] satisfies ColumnsOf<TaskRow>,
  changedTasks: [
    ['id', 'text'],
    ['case_id', 'text'],
    ['status', 'text'],
    ['completed_at', 'timestamptz'],
    ['handler_id', 'text'],
    ['handler_name', 'text'],
    ['claimed_by', 'text'],
    ['claimed_name', 'text'],
    ['claimed_at', 'timestamptz'],
  ] satisfies ColumnsOf<TaskChange & PeopleOfTask>,
  goneTimers: [['id', 'text']],
  newTimers: [
    ['id', 'text'],
    ['case_id', 'text'],
    ['element_id', 'text'],
    ['due_at', 'timestamptz'],
  ] satisfies ColumnsOf<TimerRow>,
  newSubscriptions: [
    ['case_id', 'text'],
    ['id', 'text'],
    ['kind', 'text'],
    ['name', 'text'],
    ['correlation_key', 'text'],
    ['element_id', 'text'],
    ['created_at', 'timestamptz'],
  ] satisfies ColumnsOf<SubscriptionRow>,
  goneSubscriptions: [
    ['case_id', 'text'],
    ['id', 'text'],
  ],
  sent: [
    ['id', 'text'],
    ['kind', 'text'],
    ['name', 'text'],
    ['correlation_key', 'text'],
    ['variables', 'json'],
    ['source_case_id', 'text'],
    ['source_element_id', 'text'],
    ['status', 'text'],
    ['created_at', 'timestamptz'],
  ] satisfies ColumnsOf<SentRow>,
  audit: [
    ['case_id', 'text'],
    ['seq', 'int'],
    ['type', 'text'],
    ['at', 'timestamptz'],
    ['actor', 'text'],
    ['payload', 'json'],
    ['prev_hash', 'text'],
    ['hash', 'text'],
  ] satisfies ColumnsOf<WritePlan['audit'][number]>,
} as const satisfies Record<string, Columns>;

export type Inputs = keyof typeof INPUTS;
export const INPUT_ORDER = Object.keys(INPUTS) as Inputs[];

/** Where each row set's first parameter is: one parameter per column, the sets one after another. */
const FIRST_PARAM = (() => {
  const first = {} as Record<Inputs, number>;
  let next = 1;
  for (const name of INPUT_ORDER) {
    first[name] = next;
    next += INPUTS[name].length;
  }
  return first;
})();

/** The placeholder (`$n`) of a row set's column. */
const placeholder = (set: Inputs, column: number): string => `$${FIRST_PARAM[set] + column}`;

/** json and jsonb columns travel as one JSON array; every other column as an array literal of its type. */
const isDocument = (type: SqlType): type is 'json' | 'jsonb' => type === 'json' || type === 'jsonb';

/** The parameter holding a row set's (non-document) column, typed as its array. */
function param(set: Inputs, column: string): string {
  const columns: Columns = INPUTS[set];
  const at = columns.findIndex(([name]) => name === column);
  return `${placeholder(set, at)}::${columns[at][1]}[]`;
}

/** A row set's column names but `except`, each prefixed with `from.` if given, separated by commas. */
function columnList(set: Inputs, options: { except?: readonly string[]; from?: string } = {}): string {
  const columns: Columns = INPUTS[set];
  return columns
    .map(([name]) => name)
    .filter((name) => !options.except?.includes(name))
    .map((name) => (options.from ? `${options.from}.${name}` : name))
    .join(', ');
}

/** What an UPDATE sets: `column = from.column` for a row set's columns but its keys and gate (`revision`). */
function assignments(set: Inputs, from: string): string {
  const columns: Columns = INPUTS[set];
  return columns
    .map(([name]) => name)
    .filter((name) => name !== 'id' && name !== 'case_id' && name !== 'revision')
    .map((name) =>
      KEPT_UNLESS_GIVEN.has(name)
        ? `${name} = coalesce(${from}.${name}, tasks.${name})`
        : `${name} = ${from}.${name}`,
    )
    .join(', ');
}

/**
 * A row set as a FROM item: the columns' arrays zipped by position. A json or jsonb column is one JSON array
 * (PostgreSQL parses just the values), every other column an array literal of its type, which PostgreSQL reads
 * far faster than it parses the same values as JSON records (keys, quotes, key sorting).
 */
function rowsFrom(set: Inputs): string {
  const columns: Columns = INPUTS[set];
  const functions = columns.map(([, type], i) =>
    isDocument(type)
      ? `${type}_array_elements(${placeholder(set, i)}::${type})`
      : `unnest(${placeholder(set, i)}::${type}[])`,
  );
  return `ROWS FROM (${functions.join(', ')}) AS x(${columnList(set)})`;
}

/** An element of an array literal: strings always quoted (so '', 'NULL' and commas stay strings). */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value !== 'string') return String(value);
  return /["\\]/.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
}

/** A row set's parameters, one per column. */
export function columnValues(set: Inputs, rows: readonly Record<string, unknown>[]): string[] {
  const columns: Columns = INPUTS[set];
  return columns.map(([name, type]) => {
    if (isDocument(type)) return JSON.stringify(rows.map((row) => row[name]));
    let literal = '{';
    for (let i = 0; i < rows.length; i++) literal += (i === 0 ? '' : ',') + arrayElement(rows[i][name]);
    return `${literal}}`;
  });
}

/**
 * The batch statement. Its text never changes (every value travels as a parameter), so PostgreSQL plans it
 * once per connection. Updates of existing rows name their ids in an `= ANY` list, so they use the primary
 * key whatever the planner guesses of a row set's size. Rows of a case whose gate did not pass are left out.
 * The batch's cases are locked first, all of them, in id order (`lk`, counted before `upd` scans), as the
 * warning scheduler and the work-item commands lock theirs: two batches on several nodes sharing cases would
 * otherwise lock them in whatever order their plans visit them, and deadlock.
 * One text for every batch on purpose (issue 23): statements without the parts a batch lacks cost PostgreSQL 15%
 * less to execute, but a smaller statement gets planned anew for each call's values (its generic plan no longer
 * looks cheaper), which costs more than it saves; `plan_cache_mode` cannot be set for one statement only.
 */
const batchStatementText = (): string => `
WITH
cmd AS (SELECT * FROM ${rowsFrom('cmd')}),
lk AS (
  SELECT id FROM cases WHERE id = ANY (${param('cmd', 'id')}) ORDER BY id FOR NO KEY UPDATE),
upd AS (
  UPDATE cases SET ${assignments('cmd', 'cmd')}, revision = cases.revision + 1
  FROM cmd
  WHERE (SELECT count(*) FROM lk) >= 0
    AND cases.id = ANY (${param('cmd', 'id')}) AND cases.id = cmd.id AND cases.revision = cmd.revision
  RETURNING cases.id),
k AS (
  INSERT INTO idempotency_keys (${columnList('keys')})
  SELECT ${columnList('keys', { from: 'x' })} FROM ${rowsFrom('keys')}
  ON CONFLICT (key) DO NOTHING
  RETURNING case_id),
ins AS (
  INSERT INTO cases (${columnList('starts', { except: ['keyed'] })}, revision)
  SELECT ${columnList('starts', { except: ['keyed'], from: 'x' })}, ${STARTED_REVISION}
  FROM ${rowsFrom('starts')}
  WHERE NOT x.keyed OR x.id IN (SELECT case_id FROM k)
  RETURNING id),
gate AS (SELECT id FROM upd UNION ALL SELECT id FROM ins),
s_new AS (
  INSERT INTO steps (${columnList('newSteps')})
  SELECT x.* FROM ${rowsFrom('newSteps')}
  WHERE x.case_id IN (SELECT id FROM gate)),
s_in AS (SELECT * FROM ${rowsFrom('changedSteps')}),
s_upd AS (
  UPDATE steps SET ${assignments('changedSteps', 's_in')}
  FROM s_in
  WHERE steps.id = ANY (${param('changedSteps', 'id')}) AND steps.id = s_in.id AND s_in.case_id IN (SELECT id FROM gate)),
t_new AS (
  INSERT INTO tasks (${columnList('newTasks')})
  SELECT x.* FROM ${rowsFrom('newTasks')}
  WHERE x.case_id IN (SELECT id FROM gate)),
t_in AS (SELECT * FROM ${rowsFrom('changedTasks')}),
t_upd AS (
  UPDATE tasks SET ${assignments('changedTasks', 't_in')}
  FROM t_in
  WHERE tasks.id = ANY (${param('changedTasks', 'id')}) AND tasks.id = t_in.id AND t_in.case_id IN (SELECT id FROM gate)),
tm_gone AS (
  DELETE FROM timers
  WHERE timers.id = ANY (${param('goneTimers', 'id')}) AND timers.case_id IN (SELECT id FROM gate)),
tm_new AS (
  INSERT INTO timers (${columnList('newTimers')})
  SELECT x.* FROM ${rowsFrom('newTimers')}
  WHERE x.case_id IN (SELECT id FROM gate)
  RETURNING case_id),
wake AS (
  SELECT pg_notify('reflow_timers', min(case_id)) FROM tm_new HAVING count(*) > 0),
sub_gone AS (
  DELETE FROM case_subscriptions s
  USING ${rowsFrom('goneSubscriptions')}
  WHERE s.id = ANY (${param('goneSubscriptions', 'id')}) AND s.case_id = x.case_id AND s.id = x.id
    AND x.case_id IN (SELECT id FROM gate)),
sub_new AS (
  INSERT INTO case_subscriptions (${columnList('newSubscriptions')})
  SELECT x.* FROM ${rowsFrom('newSubscriptions')}
  WHERE x.case_id IN (SELECT id FROM gate)
  ON CONFLICT DO NOTHING),
sent AS (
  INSERT INTO messages (${columnList('sent')})
  SELECT x.* FROM ${rowsFrom('sent')}
  WHERE x.source_case_id IN (SELECT id FROM gate)),
audit AS (
  INSERT INTO audit_events (${columnList('audit')})
  SELECT x.* FROM ${rowsFrom('audit')}
  WHERE x.case_id IN (SELECT id FROM gate))
SELECT (SELECT coalesce(json_agg(id), '[]'::json) FROM gate) AS applied, (SELECT count(*) FROM wake)::int AS woken`;

let batchStatement: string | undefined;

/** The batch statement's text, made and marked as prepared (server/db/database.ts) the first time a batch is written. */
export function preparedBatchStatement(): string {
  if (batchStatement === undefined) {
    batchStatement = batchStatementText();
    prepareStatement('reflow_write_batch', batchStatement);
  }
  return batchStatement;
}
