/**
 * `npm run simulate -- <process.bpmn>… [options]` and `npm run demo`: the simulation's command line. The only
 * I/O of the simulation is here (files, the terminal), in simulate-database.ts (the database: --db, --bulk, the
 * demo) and cli-output.ts (stops and progress bars); engine/simulate does none.
 */
import { createWriteStream, existsSync, readFileSync, type WriteStream, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import {
  type CompiledDefinition,
  calledGraphs,
  calledInFile,
  compileUnit,
  type DefinitionSource,
  definitionSet,
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
import { type CliIo, CliStop, fail, processIo, progressBar } from './cli-output.js';
import { demo, deployForRun, openServer, type Server, writeToDatabase } from './simulate-database.js';

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

/** The command line parsed; an unknown option, or one without its value, stops the run naming it. */
function parsedArgs(args: string[]) {
  try {
    return parseArgs({
      args,
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
  } catch (error) {
    return fail(
      `${(error as Error).message.split('. ')[0]} — npm run simulate -- --help 列出可用选项 / lists the options`,
    );
  }
}

/** The command line's options, checked: numbers and instants parsed, `fail` on a bad one. */
function readOptions(args: string[]) {
  const { values, positionals } = parsedArgs(args);
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
  if (server) return deployForRun(server, xml);
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

/** Each run after an earlier one of the same process: the two compared. */
function printComparisons(runs: Run[], io: CliIo): void {
  for (let i = 1; i < runs.length; i++) {
    const before = runs
      .slice(0, i)
      .reverse()
      .find((r) => r.definition.key === runs[i].definition.key);
    if (before) io.stdout(`${formatComparison(before.summary, runs[i].summary)}\n`);
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

/**
 * Runs the command line `args` (without node and the script); answers the exit code: 0 done, 2 it could not run
 * as given (the reason on stderr), 1 it failed.
 */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  try {
    await run(args, io);
    return 0;
  } catch (error) {
    if (error instanceof CliStop) {
      io.stderr(`${error.message}\n`);
      return error.code;
    }
    io.stderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

async function run(args: string[], io: CliIo): Promise<void> {
  const options = readOptions(args);
  const { values, positionals } = options;
  if (options.help) {
    io.stdout(`${HELP}\n`);
    return;
  }
  if (options.demo) return demo(io);
  const server = values.db ? await openServer(io.env) : null;
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
      io.stdout(`${formatSummary(summary)}\n`);
      if (calendar.beyondHorizon(result.end))
        io.stdout(
          `注意 / note: 模拟时段超出工作日历数据截止日 ${calendar.horizon}，之后的工作日按普通周一至周五估算 / the run passes the holiday calendar's horizon ${calendar.horizon}: working days after it are estimated as plain Monday to Friday (load the year: npm run calendar -- load FILE)\n`,
        );
      if (server)
        await writeToDatabase(server, result, definition, seed, {
          bulk: options.values.bulk === true,
          showProgress: options.showProgress,
          io,
        });
    }
    printComparisons(runs, io);
    await writeSummaryFiles(runs, options);
    xes?.write(xesFooter());
  } finally {
    // on a stop too: a test running the command in its own process keeps no database or file open
    await server?.database.close();
    await close(csv);
    await close(xes);
  }
}

const close = (stream: WriteStream | null): Promise<void> =>
  new Promise((done) => (stream ? stream.end(done) : done()));
