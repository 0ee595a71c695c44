/**
 * `npm run simulate -- <process.bpmn>… [options]` and `npm run demo`: the simulation's command line. The only
 * I/O of the simulation is here (files, the database, the terminal); engine/simulate does none.
 */
import {
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import {
  type CompiledDefinition,
  calledGraphs,
  calledInFile,
  compileUnit,
  type DefinitionSource,
  definitionSet,
  messageStarts,
} from '../../engine/index.js';
import {
  compileParams,
  csvHeader,
  csvRows,
  formatComparison,
  formatSummary,
  ParamsError,
  type SimulationParams,
  type SimulationResult,
  type SimulationSummary,
  simulate,
  summarise,
  xesFooter,
  xesHeader,
  xesTrace,
} from '../../engine/simulate/index.js';

const HELP = `用法 / usage:
  npm run simulate -- <process.bpmn> [more.bpmn …] [options]
  npm run demo                      演示数据：为示例流程写入模拟历史 / seed the samples' simulated history

options:
  --params FILE   参数文件 / parameters (default: <process>.sim.json beside the .bpmn; one file: all processes)
  --seed S        随机种子 / seed (default: the file's "seed", else 1)
  --cases N       案件数 / cases to start (default: arrivals.count, else 1000)
  --rate R        到达率 / arrivals per working hour (overrides the file)
  --start ISO     虚拟时钟起点 / virtual clock start (default: arrivals.start, else 2026-03-02T09:00:00+08:00)
  --until ISO     停止时刻 / stop the clock here; open cases stay open
  --csv FILE      事件日志 / event log as CSV (case_id, activity, element_id, department, lifecycle, timestamp)
  --xes FILE      事件日志 / event log as XES (IEEE 1849)
  --json FILE     汇总 / summary as JSON
  --ratings FILE  好差评 / the drawn ratings as CSV (case_id, level, rated_at)
  --db            写入数据库 / write the cases into the database (DATABASE_URL, else REFLOW_DATA_DIR) through CaseService
  --bulk          与 --db 同用 / with --db: the same rows written in bulk (much faster)
  --quiet         不显示进度条 / no progress bar
  --help`;

interface Run {
  file: string;
  definition: CompiledDefinition;
  result: SimulationResult;
  summary: SimulationSummary;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function progressBar(label: string, total: number, enabled: boolean) {
  if (!enabled) return { update: (_n: number) => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
}

const sorted = (files: string[]) => {
  const order = (f: string) => f.replace('.before.', '.0.').replace('.after.', '.1.');
  return files.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
};

async function openServer() {
  const [{ openDatabase }, { DefinitionStore }, { storedCalendar }] = await Promise.all([
    import('../db/database.js'),
    import('../store/definition-store.js'),
    import('../calendar/calendar-service.js'),
  ]);
  const dataDir = resolve(process.env.REFLOW_DATA_DIR ?? './data');
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir });
  return {
    database,
    definitions: new DefinitionStore(database.db),
    // the holiday years the nodes use: the built-in ones and those an administrator loaded
    calendar: await storedCalendar(database.db, getDefaultCalendar()),
    where: process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`,
  };
}

async function demo(): Promise<void> {
  const [{ seedDemoHistory }, { readConfig }] = await Promise.all([
    import('../simulate/demo.js'),
    import('../config.js'),
  ]);
  // the server's REFLOW_WARN_AT: the cards of the history are raised as the server would raise them
  const { warnAt } = readConfig(process.env);
  const dir = resolve(process.env.REFLOW_PROCESSES_DIR ?? 'processes');
  const t0 = performance.now();
  const { database, definitions, where, calendar } = await openServer();
  try {
    for (const file of sorted(readdirSync(dir).filter((f) => f.endsWith('.bpmn')))) {
      await definitions.deploy(readFileSync(join(dir, file), 'utf8'), new Date(), {
        actor: 'system:samples',
        publish: true,
      });
    }
    process.stdout.write(`演示数据 / demo history → ${where}\n`);
    const report = await seedDemoHistory(database.db, definitions, {
      processesDir: dir,
      calendar,
      warnAt,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (report.versions.length === 0)
      process.stdout.write(
        '  每个示例版本都已有案件，未写入 / every sample version already has cases: nothing written\n',
      );
    process.stdout.write(
      `完成 / done: seeded in ${(report.ms / 1000).toFixed(1)} s (total ${((performance.now() - t0) / 1000).toFixed(1)} s with opening and deploying)\n`,
    );
  } finally {
    await database.close();
  }
}

/** The command line's options, checked: numbers and instants parsed, `fail` on a bad one. */
function readOptions() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      params: { type: 'string' },
      seed: { type: 'string' },
      cases: { type: 'string' },
      rate: { type: 'string' },
      start: { type: 'string' },
      until: { type: 'string' },
      csv: { type: 'string' },
      xes: { type: 'string' },
      json: { type: 'string' },
      ratings: { type: 'string' },
      db: { type: 'boolean' },
      bulk: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const number = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) fail(`--${name} must be a number, got '${text}'`);
    return n;
  };
  const instant = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const t = Date.parse(text);
    if (Number.isNaN(t))
      fail(`--${name} must be an ISO 8601 date-time such as 2026-03-02T09:00:00+08:00, got '${text}'`);
    return t;
  };
  const help = values.help === true || positionals.length === 0;
  const demo = !help && positionals[0] === 'demo';
  const run = help || demo;
  return {
    values,
    positionals,
    help,
    demo,
    cases: run ? undefined : number('cases', values.cases),
    rate: run ? undefined : number('rate', values.rate),
    start: run ? undefined : instant('start', values.start),
    until: run ? undefined : instant('until', values.until),
    showProgress: !values.quiet && process.stderr.isTTY === true,
  };
}
type Options = ReturnType<typeof readOptions>;
type Server = Awaited<ReturnType<typeof openServer>>;

/**
 * The process version to simulate: deployed into the database with --db, else compiled in memory and numbered
 * after the earlier files of the same process (`runs`).
 */
async function loadDefinition(
  path: string,
  server: Server | null,
  memory: ReturnType<typeof definitionSet>,
  runs: Run[],
): Promise<{ definition: CompiledDefinition; collaboration: CompiledDefinition[] }> {
  const xml = readFileSync(resolve(path), 'utf8');
  // every process of the file (a 一件事's master and the department processes it calls); the first is simulated
  const compiled = await compileUnit(xml);
  if (server) {
    refuseMessageStarts(path, compiled);
    const deployed = await server.definitions.deploy(xml, new Date());
    const definition = (await server.definitions.load(deployed.id)) as CompiledDefinition;
    await server.definitions.prepareCallees(definition);
    return { definition, collaboration: [] };
  }
  if (!compiled.ok)
    fail(
      `${path} cannot run:\n${compiled.findings
        .filter((f) => f.severity === 'error')
        .map((f) => `  ${f.elementId ?? '-'}: ${f.message}`)
        .join('\n')}`,
    );
  const numbered = compiled.definitions.map((d) => {
    const earlier = runs.filter((r) => r.definition.key === d.key).length;
    const version = Math.max(earlier, memory.latest(d.key)?.version ?? 0) + 1;
    return { ...d, version, id: `${d.key}:${version}` };
  });
  const graphs = numbered.map((d) => d.graph);
  for (const d of numbered) {
    const callees = calledInFile(d.graph, graphs);
    const unit = Object.fromEntries(
      callees.map((c) => [c.key, numbered.find((n) => n.key === c.key)?.id ?? `${c.key}:0`]),
    );
    memory.add(callees.length > 0 ? { ...d, unit } : d);
  }
  return {
    definition: memory.byId(numbered[0].id) as CompiledDefinition,
    // the file's other processes: a message of a simulated case starts one at its message start event
    collaboration: numbered.slice(1).map((n) => memory.byId(n.id) as CompiledDefinition),
  };
}

/**
 * Written into a database (--db), a run holds the simulated process's cases only: a master that starts other
 * processes of its file by messages would be written without the department cases its messages started.
 * Refused by name, with the way out (without --db the simulator runs the department cases too).
 */
function refuseMessageStarts(path: string, compiled: Awaited<ReturnType<typeof compileUnit>>): void {
  if (!compiled.ok) return;
  const graphs = compiled.definitions.map((d) => d.graph);
  const starts = messageStarts(graphs);
  const master = graphs[0];
  const senders = Object.values(master.nodes).flatMap((n) => {
    const sends = ['intermediateThrowEvent', 'endEvent', 'sendTask'].includes(n.type);
    const started = sends && n.event?.kind === 'message' ? starts(n.event.name) : undefined;
    return started ? [`${n.id} → ${started.key}`] : [];
  });
  if (senders.length > 0)
    fail(
      `${path}：主流程 '${master.key}' 以消息启动本文件中的其他流程（${senders.join('，')}），写入数据库（--db）时目前不能写入由消息启动的部门案件；请不带 --db 模拟，或写入用调用活动的版本（如 processes/business-startup-one-thing.after.bpmn）。\n` +
        `${path}: the master '${master.key}' starts other processes of its file by messages (${senders.join(', ')}); with --db the simulator cannot yet write the department cases started by messages: simulate it without --db, or write the call-activity version (such as processes/business-startup-one-thing.after.bpmn).`,
    );
}

/** The parameter file (--params, else `<process>.sim.json` beside the .bpmn), --rate applied, compiled. */
function loadParams(
  path: string,
  options: Options,
  definition: CompiledDefinition,
  hoursPerDay: number,
  definitions: DefinitionSource,
  collaboration: CompiledDefinition[],
) {
  const file = resolve(path);
  const paramsFile = options.values.params
    ? resolve(options.values.params)
    : join(dirname(file), basename(file).replace(/\.bpmn$/, '.sim.json'));
  if (!existsSync(paramsFile))
    fail(
      `no parameters for ${path}: write ${paramsFile} (schema: engine/simulate/README.md) or give --params`,
    );
  const raw = JSON.parse(readFileSync(paramsFile, 'utf8')) as SimulationParams;
  if (options.rate !== undefined)
    raw.arrivals = { ...raw.arrivals, ratePerWorkingHour: options.rate, interArrival: undefined };
  try {
    // the tasks of the processes it calls and of those its messages start run in the run too
    const called = [...calledGraphs(definition, definitions), ...collaboration.map((d) => d.graph)];
    return { raw, params: compileParams(raw, definition, { hoursPerDay, called }) };
  } catch (error) {
    if (error instanceof ParamsError)
      fail(`${paramsFile}:\n${error.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    throw error;
  }
}

/** Writes a run's cases into the database, through CaseService or in bulk (--bulk); refuses a seed written before. */
async function writeToDatabase(
  server: Server,
  result: SimulationResult,
  definition: CompiledDefinition,
  seed: number | string,
  options: Options,
): Promise<void> {
  const { caseExists } = await import('../repositories/case-repository.js');
  const first = result.cases[0];
  if (first && (await caseExists(server.database.db, first.id))) {
    fail(
      `the database already holds the cases of seed ${seed} for ${definition.key} v${definition.version}: give another --seed`,
    );
  }
  const writer = progressBar('写入 writing', result.cases.length, options.showProgress);
  const t0 = performance.now();
  const { calendar } = server;
  const written = options.values.bulk
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
  process.stdout.write(
    `已写入 / written: ${written.cases} cases, ${written.commands} commands → ${server.where}, ${definition.key} v${definition.version} (${options.values.bulk ? 'bulk' : 'CaseService'}, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`,
  );
}

/** Each run after an earlier one of the same process: the two compared. */
function printComparisons(runs: Run[]): void {
  for (let i = 1; i < runs.length; i++) {
    const before = runs
      .slice(0, i)
      .reverse()
      .find((r) => r.definition.key === runs[i].definition.key);
    if (before) process.stdout.write(`${formatComparison(before.summary, runs[i].summary)}\n`);
  }
}

/** The summary as JSON (--json) and the drawn ratings as CSV (--ratings). */
async function writeSummaryFiles(runs: Run[], options: Options): Promise<void> {
  const { values } = options;
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify(runs.length === 1 ? runs[0].summary : runs.map((r) => r.summary), null, 2)}\n`,
    );
  }
  if (values.ratings) {
    const { stringify } = await import('csv-stringify/sync');
    const rows = runs.flatMap((r) =>
      r.result.ratings.map((x) => [x.caseId, x.level, new Date(x.at).toISOString()]),
    );
    writeFileSync(values.ratings, stringify([['case_id', 'level', 'rated_at'], ...rows]));
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  const { values, positionals } = options;
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (options.demo) return demo();
  const server = values.db ? await openServer() : null;
  const calendar = server?.calendar ?? getDefaultCalendar();
  const hoursPerDay = calendar.msPerWorkingDay / 3_600_000;
  const memory = definitionSet([]);
  const csv = values.csv ? createWriteStream(values.csv) : null;
  const xes = values.xes ? createWriteStream(values.xes) : null;
  csv?.write(csvHeader());
  xes?.write(xesHeader(positionals.map((p) => basename(p).replace(/\.bpmn$/, '')).join(' / ')));
  const runs: Run[] = [];
  try {
    for (const path of positionals) {
      if (!existsSync(resolve(path))) fail(`no such file: ${path}`);
      const { definition, collaboration } = await loadDefinition(path, server, memory, runs);
      const { raw, params } = loadParams(
        path,
        options,
        definition,
        hoursPerDay,
        server ? server.definitions : memory,
        collaboration,
      );
      const seed = values.seed ?? raw.seed ?? 1;
      const total = options.cases ?? params.count ?? 1000;
      const bar = progressBar(
        `${definition.key} v${definition.version}`,
        total,
        options.showProgress && (total >= 5000 || server !== null),
      );
      const result = simulate({
        definition,
        collaboration,
        definitions: server ? server.definitions : memory,
        params,
        seed,
        calendar,
        cases: options.cases,
        start: options.start,
        until: options.until,
        record: server !== null,
        onProgress: (n) => bar.update(n),
        onCaseLog:
          csv || xes
            ? (entries) => {
                if (entries.length === 0) return;
                csv?.write(csvRows(entries));
                xes?.write(xesTrace(entries[0].caseId, entries));
              }
            : undefined,
      });
      bar.stop();
      const summary = summarise(result, definition, calendar);
      runs.push({ file: path, definition, result, summary });
      process.stdout.write(`${formatSummary(summary)}\n`);
      if (calendar.beyondHorizon(result.end))
        process.stdout.write(
          `注意 / note: 模拟时段超出工作日历数据截止日 ${calendar.horizon}，之后的工作日按普通周一至周五估算 / the run passes the holiday calendar's horizon ${calendar.horizon}: working days after it are estimated as plain Monday to Friday (load the year: npm run calendar -- load FILE)\n`,
        );
      if (server) await writeToDatabase(server, result, definition, seed, options);
    }
    printComparisons(runs);
    await writeSummaryFiles(runs, options);
  } finally {
    await server?.database.close();
  }
  xes?.write(xesFooter());
  await close(csv);
  await close(xes);
}

const close = (stream: WriteStream | null): Promise<void> =>
  new Promise((done) => (stream ? stream.end(done) : done()));

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
