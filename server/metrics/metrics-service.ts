/** A version's metrics (static from deployment, dynamic from its cases) and the before/after comparison of two versions. */
import { sql } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type Change,
  change,
  compareFigures,
  type DescribedChange,
  type DynamicMetrics,
  describeChange,
  diffVersions,
  figureDefinition,
  type VersionDiff,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import { sayNotDeployed, sayNoVersion } from '../problem-text.js';
import { Problem } from '../problems.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { dynamicMetrics, metricSettings } from './dynamic-query.js';

export type StaticFigures = Record<string, unknown> & { timeLimitDays?: number | null };

export interface VersionMetrics {
  key: string;
  version: number;
  name: string | null;
  static: StaticFigures;
  dynamic: DynamicMetrics;
  /**
   * Some completed case of the version ended past the holiday calendar's horizon: its working days (and so the
   * means, percentiles, on-time rate and breaches) count that year's holidays as working days, estimates.
   */
  calendarEstimated: boolean;
  /** The calendar's horizon (last date with official holiday data) the figures were read with. */
  calendarHorizon: string | null;
}

export interface StepChange {
  elementId: string;
  name: string | null;
  count: Change;
  meanWorkingDays: Change;
  p90WorkingDays: Change;
  breaches: Change;
}

export interface Comparison {
  key: string;
  from: number;
  to: number;
  before: VersionMetrics;
  after: VersionMetrics;
  /** Every catalogued figure's change, with its unit, better direction and change kind (engine/metrics/figures.ts). */
  change: Record<string, DescribedChange>;
  stepChanges: StepChange[];
  /** Either version's figures are estimates past the calendar's horizon (see VersionMetrics). */
  calendarEstimated: boolean;
}

export class MetricsService {
  constructor(
    private readonly db: Db,
    private readonly definitions: DefinitionStore,
    /** The node's calendar, for its horizon (without one, no figure is flagged). */
    private readonly calendar?: WorkingCalendar,
  ) {}

  /** Whether a completed case of the version ended past the calendar's horizon (an index range on ended_at). */
  private async pastHorizon(key: string, version: number): Promise<boolean> {
    const end = this.calendar?.horizonEnd ?? null;
    if (end === null) return false;
    const { rows } = await sql<{ one: number }>`
      SELECT 1 AS one FROM cases
       WHERE ended_at >= ${new Date(end)} AND process_key = ${key} AND version = ${version}
         AND status = 'completed' AND working_ms IS NOT NULL
       LIMIT 1`.execute(this.db);
    return rows.length > 0;
  }

  private async versionRow(key: string, version: number) {
    const row = await this.db
      .selectFrom('definition_versions')
      .select(['id', 'name', 'static_metrics'])
      .where('key', '=', key)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, version));
    return row;
  }

  /** Static and dynamic metrics of one version. */
  async version(key: string, version: number): Promise<VersionMetrics> {
    const row = await this.versionRow(key, version);
    const definition = await this.definitions.load(row.id);
    const figures = row.static_metrics as StaticFigures;
    const dynamic = await dynamicMetrics(this.db, {
      key,
      version,
      timeLimitDays: typeof figures.timeLimitDays === 'number' ? figures.timeLimitDays : null,
      elementOrder: definition ? Object.keys(definition.graph.nodes) : [],
    });
    return {
      key,
      version,
      name: row.name,
      static: figures,
      dynamic,
      calendarEstimated: await this.pastHorizon(key, version),
      calendarHorizon: this.calendar?.horizon ?? null,
    };
  }

  /** The versions to compare: `to` defaults to the latest, `from` to the version before `to`. */
  async resolvePair(key: string, from?: number, to?: number): Promise<{ from: number; to: number }> {
    const versions = (
      await this.db
        .selectFrom('definition_versions')
        .select('version')
        .where('key', '=', key)
        .orderBy('version')
        .execute()
    ).map((r) => r.version);
    if (versions.length === 0) throw new Problem(404, 'not-found', 'Not found', sayNotDeployed(key));
    const after = to ?? versions[versions.length - 1];
    if (!versions.includes(after)) throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, after));
    const before = from ?? [...versions].reverse().find((v) => v < after);
    if (before === undefined) {
      throw new Problem(400, 'no-previous-version', 'Nothing to compare with', {
        zh: `流程“${key}”在版本 ${after} 之前没有版本：请用 ?from= 指定`,
        en: `process '${key}' has no version before ${after}: give ?from=`,
      });
    }
    if (!versions.includes(before))
      throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, before));
    return { from: before, to: after };
  }

  /**
   * What `version` changes against `against` (default: the newest version before it; there is no published state
   * yet): per element and attribute, layout-only changes apart, and the change of the static figures.
   */
  async versionDiff(
    key: string,
    version: number,
    against?: number,
  ): Promise<
    VersionDiff & { key: string; version: number; against: number; metrics: Record<string, DescribedChange> }
  > {
    if (against === version)
      throw new Problem(400, 'same-version', 'Nothing to compare', {
        zh: `版本 ${version} 不能与自身比较，请给出另一个版本 ?against=`,
        en: `version ${version} cannot be compared with itself: give another version as ?against=`,
      });
    const { from, to } = await this.resolvePair(key, against, version);
    const [before, after] = await Promise.all([
      this.definitions.stored(key, from),
      this.definitions.stored(key, to),
    ]);
    if (!before || !after)
      throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, before ? to : from));
    const changes = await diffVersions(before.xml, after.xml, key);
    return {
      key,
      version: to,
      against: from,
      ...changes,
      metrics: describedChanges(
        before.static_metrics as StaticFigures,
        after.static_metrics as StaticFigures,
      ),
    };
  }

  /** Before and after, and the change of every numeric figure, static and dynamic, paired by name. */
  async compare(key: string, fromVersion?: number, toVersion?: number): Promise<Comparison> {
    const { from, to } = await this.resolvePair(key, fromVersion, toVersion);
    const [before, after] = await Promise.all([this.version(key, from), this.version(key, to)]);
    const { steps: _b, method: _bm, ...beforeDynamic } = before.dynamic;
    const { steps: _a, method: _am, ...afterDynamic } = after.dynamic;
    const changes = {
      ...describedChanges(before.static, after.static),
      ...describedChanges(beforeDynamic, afterDynamic),
    };
    return {
      key,
      from,
      to,
      before,
      after,
      change: changes,
      stepChanges: stepChanges(before.dynamic, after.dynamic),
      calendarEstimated: before.calendarEstimated || after.calendarEstimated,
    };
  }
}

/** The change of every catalogued figure present in both (engine/metrics/figures.ts); others have no meaning. */
export function describedChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, DescribedChange> {
  const changes: Record<string, DescribedChange> = {};
  for (const [name, c] of Object.entries(compareFigures(before, after))) {
    const definition = figureDefinition(name);
    if (definition) changes[name] = describeChange(definition, c);
  }
  return changes;
}

/** Per-step changes by element id: the after version's steps in its order, then steps only the before version had. */
export function stepChanges(before: DynamicMetrics, after: DynamicMetrics): StepChange[] {
  const old = new Map(before.steps.map((s) => [s.elementId, s]));
  const ids = [
    ...after.steps.map((s) => s.elementId),
    ...before.steps.map((s) => s.elementId).filter((id) => !after.steps.some((s) => s.elementId === id)),
  ];
  return ids.map((id) => {
    const b = old.get(id);
    const a = after.steps.find((s) => s.elementId === id);
    return {
      elementId: id,
      name: a?.name ?? b?.name ?? null,
      count: change(b?.count ?? 0, a?.count ?? 0),
      meanWorkingDays: change(b?.meanWorkingDays ?? null, a?.meanWorkingDays ?? null),
      p90WorkingDays: change(b?.p90WorkingDays ?? null, a?.p90WorkingDays ?? null),
      breaches: change(b?.breaches ?? 0, a?.breaches ?? 0),
    };
  });
}

/**
 * Makes the rollups use the server calendar's working-day length: when it differs from the one they were built
 * with, stores it and rebuilds every version's rollups (on-time counts and breaches depend on it).
 */
export async function syncMetricCalendar(db: Db, calendar: WorkingCalendar): Promise<boolean> {
  const current = await metricSettings(db);
  if (current.msPerWorkingDay === calendar.msPerWorkingDay) return false;
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE metric_settings SET ms_per_working_day = ${calendar.msPerWorkingDay} WHERE id = 1`.execute(
      trx,
    );
    await sql`SELECT reflow_roll_up_version(v.key, v.version) FROM definition_versions v`.execute(trx);
  });
  return true;
}
