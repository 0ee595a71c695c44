// The part of `node test/bench/pg-cost.mjs` that runs Reflow's code (bundled by it):
//   capture URL OUT MS — the service bench's persisted clients for MS ms on a fresh database at URL, writing
//                        each write batch as a JSON line { commands, parameters } and the statement to OUT.sql;
//   prepare URL        — migrations and the bench process on the (empty) database at URL.
import { readFileSync, writeFileSync } from 'node:fs';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';

const xml = readFileSync('test/bench/business-registration.bpmn', 'utf8');
const [mode, url, out, ms] = process.argv.slice(2);
const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
const definitions = new DefinitionStore(database.db);
const { key } = await definitions.deploy(xml, new Date());
if (mode === 'capture') {
  const service = new CaseService(database.db, definitions);
  const lines: string[] = [];
  let statement = '';
  let counted = 0;
  // every batch passes through the database's executeQuery, called as the batcher flushes it (after it counted it)
  const db = database.db as unknown as {
    executeQuery: (q: { sql: string; parameters: unknown[] }) => unknown;
  };
  const execute = db.executeQuery.bind(db);
  db.executeQuery = (query) => {
    if (query.sql.includes('INSERT INTO audit_events')) {
      statement = query.sql;
      lines.push(
        JSON.stringify({ commands: service.writer.stats.commands - counted, parameters: query.parameters }),
      );
      counted = service.writer.stats.commands;
    }
    return execute(query);
  };
  const deadline = performance.now() + Number(ms);
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { view } = await service.start({ process: key }, 'bench');
      const open = [...view.openTasks];
      for (let task = open.shift(); task; task = open.shift()) {
        const after = await service.completeTask(task.id, {}, 'bench');
        for (const next of after.openTasks) if (!open.some((t) => t.id === next.id)) open.push(next);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  writeFileSync(out, `${lines.join('\n')}\n`);
  writeFileSync(`${out}.sql`, statement);
}
await database.close();
