/**
 * The simulation's command line with a database (`--db`, `--bulk`, `npm run demo`): the server's database
 * opened as the nodes open it, the files deployed, the runs written through CaseService or in bulk, the demo
 * history seeded. simulate.ts runs the rest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import type { CompiledDefinition } from '../../engine/index.js';
import type { SimulationResult } from '../../engine/simulate/index.js';
import { type CliIo, fail, progressBar } from './cli-output.js';

/** A before ahead of its after, as the samples are deployed. */
const sorted = (files: string[]) => {
  const order = (f: string) => f.replace('.before.', '.0.').replace('.after.', '.1.');
  return files.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
};

export type Server = Awaited<ReturnType<typeof openServer>>;

/** The database (DATABASE_URL, else the embedded one in REFLOW_DATA_DIR), its definitions and its calendar. */
export async function openServer(env: NodeJS.ProcessEnv) {
  const [{ openDatabase }, { DefinitionStore }, { storedCalendar }] = await Promise.all([
    import('../db/database.js'),
    import('../store/definition-store.js'),
    import('../calendar/calendar-service.js'),
  ]);
  const dataDir = resolve(env.REFLOW_DATA_DIR ?? './data');
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL || undefined, dataDir });
  return {
    database,
    definitions: new DefinitionStore(database.db),
    // the holiday years the nodes use: the built-in ones and those an administrator loaded
    calendar: await storedCalendar(database.db, getDefaultCalendar()),
    where: env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`,
  };
}

/** `npm run demo`: the samples deployed (published) and their demo history seeded. */
export async function demo(io: CliIo): Promise<void> {
  const [{ seedDemoHistory }, { readConfig }] = await Promise.all([
    import('../simulate/demo.js'),
    import('../config.js'),
  ]);
  // the server's REFLOW_WARN_AT: the cards of the history are raised as the server would raise them
  const { warnAt } = readConfig(io.env);
  const dir = resolve(io.env.REFLOW_PROCESSES_DIR ?? 'processes');
  const t0 = performance.now();
  const { database, definitions, where, calendar } = await openServer(io.env);
  try {
    for (const file of sorted(readdirSync(dir).filter((f) => f.endsWith('.bpmn')))) {
      await definitions.deploy(readFileSync(join(dir, file), 'utf8'), new Date(), {
        actor: 'system:samples',
        publish: true,
      });
    }
    io.stdout(`演示数据 / demo history → ${where}\n`);
    const report = await seedDemoHistory(database.db, definitions, {
      processesDir: dir,
      calendar,
      warnAt,
      log: (line) => io.stdout(`${line}\n`),
    });
    if (report.versions.length === 0)
      io.stdout(
        '  每个示例版本都已有案件，未写入 / every sample version already has cases: nothing written\n',
      );
    io.stdout(
      `完成 / done: seeded in ${(report.ms / 1000).toFixed(1)} s (total ${((performance.now() - t0) / 1000).toFixed(1)} s with opening and deploying)\n`,
    );
  } finally {
    await database.close();
  }
}

/**
 * A file deployed for a run (--db): its first process, simulated, and its other processes as deployed — a master's
 * message starts a case of one (a department case of its 一件事).
 */
export async function deployForRun(
  server: Server,
  xml: string,
): Promise<{ definition: CompiledDefinition; collaboration: CompiledDefinition[] }> {
  const deployed = await server.definitions.deploy(xml, new Date());
  const definition = (await server.definitions.load(deployed.id)) as CompiledDefinition;
  await server.definitions.prepareCallees(definition);
  const collaboration: CompiledDefinition[] = [];
  for (const p of deployed.processes.slice(1)) {
    const other = await server.definitions.load(p.id);
    if (other) collaboration.push(other);
  }
  return { definition, collaboration };
}

export /** Writes a run's cases into the database, through CaseService or in bulk (--bulk); refuses a seed written before. */
async function writeToDatabase(
  server: Server,
  result: SimulationResult,
  definition: CompiledDefinition,
  seed: number | string,
  options: { bulk: boolean; showProgress: boolean; io: CliIo },
): Promise<void> {
  const { caseExists } = await import('../repositories/case-repository.js');
  const first = result.cases[0];
  if (first && (await caseExists(server.database.db, first.id))) {
    fail(
      `the database already holds the cases of seed ${seed} for ${definition.key} v${definition.version}: give another --seed`,
    );
  }
  const writer = progressBar(
    '写入 writing',
    result.cases.length + result.linked.length,
    options.showProgress,
  );
  const t0 = performance.now();
  const { calendar } = server;
  const written = options.bulk
    ? await (await import('../simulate/bulk-write.js')).bulkWriteSimulatedCases(server.database.db, result, {
        calendar,
        onProgress: (n) => writer.update(n),
      })
    : await (await import('../simulate/write-cases.js')).writeSimulatedCases(
        server.database.db,
        server.definitions,
        result,
        { calendar, onProgress: (n) => writer.update(n) },
      );
  writer.stop();
  options.io.stdout(
    `已写入 / written: ${written.cases} cases, ${written.commands} commands → ${server.where}, ${definition.key} v${definition.version} (${options.bulk ? 'bulk' : 'CaseService'}, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`,
  );
}
