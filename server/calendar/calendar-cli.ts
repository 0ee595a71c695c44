/**
 * `npm run calendar`: the holiday calendar from the command line, on the database the nodes use — PostgreSQL
 * from DATABASE_URL, else the embedded database in REFLOW_DATA_DIR (which only one process may open: stop the
 * server first, or load through the API). Loading goes through the same code as PUT /api/calendar/years/{year}:
 * the same checks, the audit entry (actor: the OS user), and the due dates moved; running nodes pick the year
 * up on their own (at once on PostgreSQL, or at their next poll).
 *
 *   npm run calendar -- show
 *   npm run calendar -- load 2027.json            # { "holidays": [...], "workdays": [...] }; the year from its dates
 *   npm run calendar -- load notice.txt --year 2027   # the State Council notice's text
 *   npm run calendar -- load 2027.json --dry-run  # check and print only
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CaseService } from '../cases/case-service.js';
import { openDatabase } from '../db/database.js';
import { Problem } from '../problems.js';

/** A refused schedule, as the rest of the tool speaks: Chinese, then English. */
function printProblem(problem: Problem): void {
  console.error(`calendar: ${problem.detail.zh}\n  ${problem.detail.en}`);
  for (const e of problem.errors ?? []) console.error(`  ${e.field}: ${e.message.zh} / ${e.message.en}`);
}

import { DefinitionStore } from '../store/definition-store.js';
import { CalendarService, checkScheduleInput } from './calendar-service.js';

const USAGE = `usage: npm run calendar -- show
       npm run calendar -- load FILE [--year YYYY] [--dry-run]
  FILE: JSON { "holidays": ["YYYY-MM-DD", …], "workdays": [ … ] } (a chinese-days per-year file too),
        or the text of the State Council notice (国务院办公厅关于某年部分节假日安排的通知)
  --year: the year loaded (default: the year of the JSON's dates, or the one the notice's title names)
  database: DATABASE_URL (PostgreSQL), else the embedded database in REFLOW_DATA_DIR (default ./data)
  exit code: 0 done, 1 the schedule is not valid, 2 it could not run`;

class UsageError extends Error {}

/** The file as a schedule: JSON (objects keyed by date, as chinese-days ships them, become lists) or notice text. */
export function readSchedule(text: string, year: number | undefined): { year: number; input: unknown } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(trimmed) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`the file is not valid JSON: ${(error as Error).message}`);
    }
    const input: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(json)) {
      if (key === 'inLieuDays') continue; // chinese-days: the holidays that are 调休, listed among holidays already
      input[key] =
        value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : value;
    }
    const dates = [input.holidays, input.workdays].flatMap((v) => (Array.isArray(v) ? v : []));
    const years = [...new Set(dates.map((d) => (typeof d === 'string' ? d.slice(0, 4) : '')))];
    if (year !== undefined) return { year, input };
    if (years.length !== 1 || !/^\d{4}$/.test(years[0]))
      throw new UsageError(
        `the file's dates ${years.length === 0 ? 'are missing' : `fall in ${years.join(', ')}`}: give the year with --year`,
      );
    return { year: Number(years[0]), input };
  }
  const titled = /关于\s*(\d{4})\s*年\s*部分节假日安排/.exec(trimmed);
  const noticeYear = year ?? (titled ? Number(titled[1]) : undefined);
  if (noticeYear === undefined)
    throw new UsageError(`the notice's text names no year (关于YYYY年部分节假日安排): give it with --year`);
  return { year: noticeYear, input: text };
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      year: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, file, ...rest] = positionals;
  if (values.help) return { help: true as const };
  if (command === 'show' && file === undefined) return { command: 'show' as const };
  if (command !== 'load' || file === undefined || rest.length > 0)
    throw new UsageError(command === 'load' ? 'load needs one FILE' : `unknown command '${command ?? ''}'`);
  let year: number | undefined;
  if (values.year !== undefined) {
    year = Number(values.year);
    if (!Number.isInteger(year)) throw new UsageError(`--year must be a year, got '${values.year}'`);
  }
  return { command: 'load' as const, file, year, dryRun: values['dry-run'] ?? false };
}

async function open() {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = resolve(process.env.REFLOW_DATA_DIR ?? './data');
  try {
    const opened = await openDatabase({ databaseUrl, dataDir });
    return {
      ...opened,
      where: databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${dataDir}`,
    };
  } catch (error) {
    const message = (error as Error).message;
    if (/in use by process/.test(message))
      throw new Error(
        `${message}.\nThe embedded database can be opened by one process only: load the year through the running server instead (PUT /api/calendar/years/{year} with an admin token), or stop it first.`,
      );
    throw error;
  }
}

export async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parse>;
  let schedule: { year: number; input: unknown } | undefined;
  try {
    options = parse(argv);
    if ('command' in options && options.command === 'load')
      schedule = readSchedule(readFileSync(options.file, 'utf8'), options.year);
  } catch (error) {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    console.error(`calendar: ${(error as Error).message}${usage ? `\n${USAGE}` : ''}`);
    return 2;
  }
  if ('help' in options) {
    console.log(USAGE);
    return 0;
  }
  if (schedule) {
    // checked before the database is opened: a wrong file is named at once, and --dry-run needs no database
    try {
      const checked = checkScheduleInput(schedule.year, schedule.input);
      if (options.command === 'load' && options.dryRun) {
        console.log(
          `${checked.year}: ${checked.holidays.length} holidays, ${checked.workdays.length} workdays (not loaded: --dry-run)`,
        );
        console.log(`  holidays: ${checked.holidays.join(' ')}`);
        console.log(`  workdays: ${checked.workdays.join(' ') || '(none)'}`);
        return 0;
      }
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      printProblem(error);
      return 1;
    }
  }
  let database: Awaited<ReturnType<typeof open>>;
  try {
    database = await open();
  } catch (error) {
    console.error(`calendar: cannot open the database: ${(error as Error).message}`);
    return 2;
  }
  const service = new CaseService(database.db, new DefinitionStore(database.db));
  const calendars = new CalendarService(database.db, service);
  try {
    await calendars.load();
    if (options.command === 'show') {
      const status = calendars.status();
      console.log(`工作日历 / holiday calendar in ${database.where}`);
      console.log(`  数据截止 / horizon: ${status.horizon ?? '(none)'}`);
      console.log(`  有数据的年份 / years with data: ${status.years.join(', ') || '(none)'}`);
      for (const y of status.stored)
        console.log(
          `  已加载 / loaded ${y.year}: ${y.holidays} holidays, ${y.workdays} workdays, ${y.loadedAt} by ${y.loadedBy ?? '?'}`,
        );
      for (const w of status.warnings) console.log(`  警告 / warning: ${w.message}`);
      return 0;
    }
    const { year, input } = schedule!;
    const actor = `cli:${userInfo().username}`;
    const result = await calendars.loadYear(year, input, actor);
    console.log(
      `已加载 ${year} 年节假日安排 / loaded ${year}'s holiday schedule (${result.replaced === 'none' ? 'new' : `replacing the ${result.replaced} one`}) as ${actor}, audit entry ${result.systemSeq}`,
    );
    console.log(`  数据截止 / horizon: ${result.horizon}`);
    console.log(
      `  期限调整 / due dates moved: ${result.moved.length}; working times recomputed: ${result.workingTimes.steps} steps, ${result.workingTimes.cases} cases`,
    );
    for (const m of result.moved.slice(0, 50))
      console.log(
        `    ${m.kind} ${m.id} (${m.elementId}) of case ${m.caseId}: ${m.previousDueAt} → ${m.dueAt}`,
      );
    if (result.moved.length > 50)
      console.log(`    … and ${result.moved.length - 50} more (GET /api/calendar/events)`);
    for (const w of result.warnings) console.log(`  警告 / warning: ${w.message}`);
    return 0;
  } catch (error) {
    if (error instanceof Problem && error.status === 422) {
      printProblem(error);
      return 1;
    }
    console.error(`calendar: ${(error as Error).message}`);
    return 2;
  } finally {
    await calendars.stop();
    await database.close().catch(() => {});
  }
}
