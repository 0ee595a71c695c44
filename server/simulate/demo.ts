/**
 * Demo history (`npm run demo`, and the first `npm start` on an empty database): each sample process version
 * that has a `<name>.sim.json` beside its `.bpmn` and no cases yet gets simulated history — a few hundred cases
 * arriving over a window of past working days (the file's `demo` section), run on the engine up to now and
 * written as if they had run. Their 好差评 ratings go through the server's RatingService at the instant they
 * were given; a bad rating's rectification case, which RatingService starts, is simulated too (with
 * rating-rectification.sim.json) and written the same way. Cases still open at `now` stay open, with their
 * tasks in the departments' inboxes and their timers due in the future. A 一件事 whose master starts the
 * department processes of its file by messages is written with those department cases, linked to their master
 * as the server links them (server/simulate/simulated-links.ts). The yellow and red cards of electronic
 * supervision (电子监察) the history would have raised are written with it, each at the instant the warning
 * scheduler's decision raises it (server/warnings/history-cards.ts): cleared where the step or case ended, open
 * on work still open.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDefaultCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type CompiledDefinition,
  calledGraphs,
  compileUnit,
  contentHash,
  type Variables,
} from '../../engine/index.js';
import {
  compileParams,
  type ExplicitArrival,
  Random,
  type Rating,
  type SimulationParams,
  type SimulationResult,
  simulate,
} from '../../engine/simulate/index.js';
import type { Db } from '../db/database.js';
import { RatingService, type RectificationStarter } from '../ratings/rating-service.js';
import { versionHasCases } from '../repositories/case-repository.js';
import { versionWithHash } from '../repositories/definition-repository.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { bulkWriteSimulatedCases } from './bulk-write.js';

const DAY_MS = 86_400_000;

export interface DemoOptions {
  processesDir: string;
  /** The instant the history ends at (default: now). */
  now?: number;
  calendar?: WorkingCalendar;
  /** Working days to rectify a bad rating (the server's RatingService setting). */
  rectificationDays?: number;
  rectificationKey?: string;
  /** The share of a limit at which a yellow card is raised when the model does not say (REFLOW_WARN_AT). */
  warnAt?: number;
  /**
   * The share of each file's demo cases to write (default 1), or a share per `.sim.json` file: tests that only
   * look at the screens, or at the figures of some versions, write fewer.
   */
  share?: number | ((file: string) => number);
  log?: (line: string) => void;
}

export interface DemoReport {
  versions: {
    key: string;
    version: number;
    file: string;
    cases: number;
    completed: number;
    open: number;
    /** Cases its cases' messages started (department cases of a 一件事), written with them. */
    linked: number;
    commands: number;
  }[];
  ratings: number;
  rectifications: number;
  ms: number;
}

/** The instant `days` working days before `now` (same clock time). */
export function workingDaysBefore(calendar: WorkingCalendar, now: number, days: number): number {
  let t = now;
  for (let counted = 0; counted < days; ) {
    t -= DAY_MS;
    if (calendar.isWorkingDay(t)) counted++;
  }
  return t;
}

interface Scenario {
  file: string;
  definition: CompiledDefinition;
  /** The file's other processes (a 一件事's department processes, which its messages may start). */
  collaboration: CompiledDefinition[];
  params: SimulationParams;
}

/** The sample versions with simulation parameters, deployed with exactly that BPMN content. */
async function scenarios(
  db: Db,
  definitions: DefinitionStore,
  dir: string,
  now: number,
): Promise<Scenario[]> {
  const found: Scenario[] = [];
  // a before ahead of its after, as they are deployed
  const order = (f: string) => f.replace('.before.', '.0.').replace('.after.', '.1.');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sim.json'));
  for (const file of files.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const bpmn = join(dir, file.replace(/\.sim\.json$/, '.bpmn'));
    let xml: string;
    try {
      xml = readFileSync(bpmn, 'utf8');
    } catch {
      continue;
    }
    // the file's first process (a 一件事's master, whose cases run the department processes it calls or start
    // them by messages), and its other processes as deployed
    const unit = await compileUnit(xml);
    const hash = contentHash(xml);
    const deployed: CompiledDefinition[] = [];
    for (const { key } of unit.ok ? unit.definitions : []) {
      const stored = await versionWithHash(db, key, hash);
      const definition = stored ? await definitions.load(stored.id) : undefined;
      if (definition) deployed.push(definition);
    }
    const [definition, ...collaboration] = deployed;
    if (!definition || !unit.ok || definition.key !== unit.definitions[0].key) continue;
    await definitions.prepareCallees(definition, new Date(now));
    found.push({
      file,
      definition,
      collaboration,
      params: JSON.parse(readFileSync(join(dir, file), 'utf8')) as SimulationParams,
    });
  }
  return found;
}

/** Seeds every sample version that has no cases yet; returns what it wrote. */
export async function seedDemoHistory(
  db: Db,
  definitions: DefinitionStore,
  options: DemoOptions,
): Promise<DemoReport> {
  const t0 = performance.now();
  const calendar = options.calendar ?? getDefaultCalendar();
  const now = options.now ?? Date.now();
  const log = options.log ?? (() => {});
  const rectificationKey = options.rectificationKey ?? 'rating_rectification';
  const report: DemoReport = { versions: [], ratings: 0, rectifications: 0, ms: 0 };
  const all = await scenarios(db, definitions, options.processesDir, now);
  const ratings: { rating: Rating; channel: string | null }[] = [];
  const hoursPerDay = calendar.msPerWorkingDay / 3_600_000;
  const shareOf = (file: string) =>
    typeof options.share === 'function' ? options.share(file) : (options.share ?? 1);

  const record = (
    s: Scenario,
    result: SimulationResult,
    commands: number,
    simMs: number,
    writeMs: number,
  ) => {
    const completed = result.cases.filter((c) => c.status === 'completed').length;
    const open = result.cases.filter((c) => c.status === 'active').length;
    report.versions.push({
      key: s.definition.key,
      version: s.definition.version,
      file: s.file,
      cases: result.cases.length,
      completed,
      open,
      linked: result.linked.length,
      commands,
    });
    const linked =
      result.linked.length > 0
        ? `, ${result.linked.length} 部门件 department cases started by its messages`
        : '';
    log(
      `  ${s.definition.key} v${s.definition.version} (${s.file}): ${result.cases.length} 件 cases, ${completed} 办结 completed, ${open} 在办 open${linked}; ${commands} commands, simulated in ${simMs.toFixed(0)} ms, written in ${writeMs.toFixed(0)} ms`,
    );
  };

  for (const s of all) {
    if (s.definition.key === rectificationKey) continue; // its cases come from the bad ratings below
    if (await versionHasCases(db, s.definition.key, s.definition.version)) continue;
    // the tasks of the processes it calls and of those its messages start run in the run too
    const called = [...calledGraphs(s.definition, definitions), ...s.collaboration.map((d) => d.graph)];
    const params = compileParams(s.params, s.definition, { hoursPerDay, called });
    const demo = s.params.demo ?? {};
    const simStart = performance.now();
    const result = simulate({
      definition: s.definition,
      collaboration: s.collaboration,
      definitions,
      params,
      seed: s.params.seed ?? 1,
      calendar,
      cases: Math.max(1, Math.round((demo.cases ?? 300) * shareOf(s.file))),
      start: workingDaysBefore(calendar, now, demo.fromWorkingDaysAgo ?? 80),
      arrivalsEnd: workingDaysBefore(calendar, now, demo.toWorkingDaysAgo ?? 20),
      until: now,
      record: true,
      namespace: `demo:${s.definition.id}`,
    });
    const writeStart = performance.now();
    const written = await bulkWriteSimulatedCases(db, result, {
      calendar,
      supervision: {
        definition: s.definition,
        collaboration: s.collaboration,
        until: now,
        warnAt: options.warnAt,
      },
    });
    record(s, result, written.commands, writeStart - simStart, performance.now() - writeStart);
    const channels = new Map(result.cases.map((c) => [c.id, c.channel]));
    for (const rating of result.ratings)
      if (rating.at <= now) ratings.push({ rating, channel: channels.get(rating.caseId) ?? null });
  }

  // 好差评: each rating through RatingService at its instant; the rectification cases it starts are simulated
  const rectification = all.find((s) => s.definition.key === rectificationKey);
  const latest = await definitions.loadInForce(rectificationKey, new Date(now));
  if (
    ratings.length > 0 &&
    rectification &&
    latest &&
    !(await versionHasCases(db, latest.key, latest.version))
  ) {
    ratings.sort((a, b) => a.rating.at - b.rating.at || (a.rating.caseId < b.rating.caseId ? -1 : 1));
    const ids = new Random(rectification.params.seed ?? 1, `demo:ratings:${latest.id}`);
    let at = 0;
    const requests: ExplicitArrival[] = [];
    // RatingService starts a rectification case through this: the case is simulated below, under this id
    const starter: RectificationStarter = {
      now: () => at,
      start: async (
        input: { variables?: Variables; businessKey?: string },
        _actor: string | null,
        idempotencyKey?: string,
      ) => {
        const id = ids.uuid();
        requests.push({
          at,
          id,
          variables: input.variables ?? {},
          businessKey: input.businessKey ?? null,
          idempotencyKey,
        });
        return { view: { id }, created: true };
      },
    };
    const ratingStart = performance.now();
    await db.transaction().execute(async (trx) => {
      const service = new RatingService(trx, starter, {
        rectificationKey,
        deadlineDays: options.rectificationDays,
        clock: () => at,
        newId: () => ids.uuid(),
      });
      for (const { rating, channel } of ratings) {
        at = rating.at;
        await service.rate(
          rating.caseId,
          {
            level: rating.level,
            channel: channel === 'window' ? 'window' : 'online',
            ...(rating.elementId === undefined ? {} : { elementId: rating.elementId }),
          },
          'simulation:applicant',
        );
      }
    });
    report.ratings = ratings.length;
    if (requests.length > 0) {
      const params = compileParams(rectification.params, latest, { hoursPerDay });
      const simStart = performance.now();
      const result = simulate({
        definition: latest,
        definitions,
        params,
        seed: rectification.params.seed ?? 1,
        calendar,
        arrivals: requests,
        until: now,
        record: true,
        namespace: `demo:${latest.id}`,
      });
      const writeStart = performance.now();
      const written = await bulkWriteSimulatedCases(db, result, {
        calendar,
        supervision: { definition: latest, until: now, warnAt: options.warnAt },
      });
      record(
        { ...rectification, definition: latest },
        result,
        written.commands,
        writeStart - simStart,
        performance.now() - writeStart,
      );
      report.rectifications = result.cases.length;
    }
    log(
      `  好差评 ratings: ${ratings.length}, of which ${requests.length} bad (差评) with a rectification case; rated through RatingService in ${(performance.now() - ratingStart).toFixed(0)} ms`,
    );
  }
  report.ms = performance.now() - t0;
  return report;
}
