// The write batch's statement leaves out the parts for row sets a batch lacks: for every combination of them, the
// statement numbers exactly the parameters of the row sets it carries (PostgreSQL types each $n from its use, so
// a parameter no part uses would fail the statement), and a batch of the same combination gets the same text.
import t from 'tap';
import {
  batchStatement,
  columnValues,
  INPUT_ORDER,
  type Inputs,
} from '../../server/store/batch-statement.js';

const OPTIONAL: Inputs[][] = [
  ['cmd'],
  ['keys', 'starts'],
  ['goneTimers', 'newTimers'],
  ['newSubscriptions', 'goneSubscriptions'],
  ['sent'],
];

/** A batch's row sets with one row in each set of the `present` groups (and the sets every batch may hold). */
function rowsOf(present: Inputs[][]): Record<Inputs, Record<string, unknown>[]> {
  const rows = Object.fromEntries(INPUT_ORDER.map((set) => [set, []])) as unknown as Record<
    Inputs,
    Record<string, unknown>[]
  >;
  for (const set of [...present.flat(), 'audit' as const]) rows[set].push({});
  return rows;
}

t.test('each combination of row sets gets a statement using exactly its parameters', async (t) => {
  for (let mask = 0; mask < 2 ** OPTIONAL.length; mask++) {
    const present = OPTIONAL.filter((_, i) => mask & (1 << i));
    const rows = rowsOf(present);
    const statement = batchStatement(rows);
    const parameters = statement.sets.flatMap((set) => columnValues(set, rows[set]));
    const used = new Set([...statement.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const label = present.map((g) => g.join('+')).join(', ') || 'none';
    t.same(
      [...used].sort((a, b) => a - b),
      parameters.map((_, i) => i + 1),
      `${label}: $1..$${parameters.length}`,
    );
    // a batch always has commands or starts: one with neither still carries (empty) commands
    const carriesCommands = present.includes(OPTIONAL[0]) || !present.includes(OPTIONAL[1]);
    t.equal(statement.text.includes('UPDATE cases'), carriesCommands, `${label}: case updates`);
    t.equal(statement.text.includes('INSERT INTO cases'), present.includes(OPTIONAL[1]), `${label}: starts`);
    t.equal(statement.text.includes('pg_notify'), present.includes(OPTIONAL[2]), `${label}: timers`);
    t.equal(statement.text.includes('case_subscriptions'), present.includes(OPTIONAL[3]), `${label}: waits`);
    t.equal(statement.text.includes('INSERT INTO messages'), present.includes(OPTIONAL[4]), `${label}: sent`);
    t.equal(batchStatement(rowsOf(present)).text, statement.text, `${label}: the same text again`);
  }
});
