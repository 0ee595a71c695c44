/**
 * The summary of a simulation run: the dynamic metrics exactly as the metrics API defines them (README:
 * 各项指标如何计算 / Figures, computed by `dynamicMetricsOf`, so a run written into the database shows the same
 * figures there), the ratings drawn, per-step waiting and processing (Prosimos' definitions: waiting = start −
 * enabled, processing = complete − start, both in working time), and per-department utilisation.
 * `formatSummary` prints it as tables, the figures labelled by the catalogue (engine/metrics/figures.ts): fixed
 * decimals, no wall-clock time, so one seed gives byte-identical text.
 */
import type { WorkingCalendar } from '../calendar/index.js';
import { change, type DynamicMetrics, dynamicMetricsOf } from '../metrics/dynamic-metrics.js';
import { changeTone, changeWords, type FigureDefinition, figureDefinition } from '../metrics/figures.js';
import { staticMetrics } from '../metrics/static-metrics.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import type { SimulationResult } from './types.js';

const MS_PER_HOUR = 3_600_000;

/** The catalogue's figures a run's summary prints, in this order, and those two runs are compared by. */
const SUMMARY_FIGURES = [
  'meanWorkingDays',
  'medianWorkingDays',
  'p90WorkingDays',
  'meanTrips',
  'firstTimeRate',
  'onTimeRate',
  'satisfaction',
  'badRatings',
] as const;
const COMPARED_FIGURES = SUMMARY_FIGURES.filter((key) => key !== 'badRatings');

/** A figure's entry in the catalogue (every key above has one: test/simulate/summary.test.ts). */
const catalogued = (key: string): FigureDefinition => figureDefinition(key) as FigureDefinition;
/** Its label as the tables print it: Chinese, then English. */
const label = (definition: FigureDefinition): string => `${definition.zh} ${definition.en}`;

export interface StepSummary {
  elementId: string;
  name: string | null;
  departments: string[];
  /** Completed steps of completed cases (as the metrics count them). */
  count: number;
  meanWorkingDays: number | null;
  p90WorkingDays: number | null;
  breaches: number;
  /** Work items done by staff (all cases), their mean waiting and processing in working hours. */
  worked: number;
  meanWaitingHours: number | null;
  meanProcessingHours: number | null;
}

export interface DepartmentSummary {
  name: string;
  staff: number | null;
  tasks: number;
  busyHours: number;
  /** Busy time over staff × working time of the period; null for unlimited staff. */
  utilisation: number | null;
  meanWaitingHours: number | null;
  maxQueue: number;
}

export interface SimulationSummary {
  process: { key: string; version: number; name: string | null };
  seed: number | string;
  period: { start: string; end: string; workingDays: number };
  timeLimitDays: number | null;
  cases: { arrived: number; completed: number; active: number; failed: number; cancelled: number };
  /** Cases its cases' messages started (department cases of a 一件事): how many, how many completed. */
  linked: { started: number; completed: number };
  /** The metrics API's `dynamic` figures for these cases, satisfaction and bad ratings from the drawn ratings. */
  dynamic: Omit<DynamicMetrics, 'method' | 'steps'>;
  ratings: { rated: number; levels: Record<'1' | '2' | '3' | '4' | '5', number> };
  steps: StepSummary[];
  departments: DepartmentSummary[];
  commands: number;
  waiting: { elementId: string; cases: number }[];
  incidents: { elementId: string; message: string; cases: number }[];
  warnings: string[];
}

/** Summarises a run; `definition` supplies the committed limit (static `timeLimitDays`) and the step order. */
export function summarise(
  result: SimulationResult,
  definition: CompiledDefinition,
  calendar: WorkingCalendar,
): SimulationSummary {
  const perDay = calendar.msPerWorkingDay;
  const timeLimitDays = staticMetrics(definition.graph).timeLimitDays;
  const metrics = dynamicMetricsOf(
    result.cases.map((c) => c.outcome),
    { timeLimitDays, msPerWorkingDay: perDay },
  );
  const levels = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as Record<'1' | '2' | '3' | '4' | '5', number>;
  for (const r of result.ratings) levels[String(r.level) as keyof typeof levels]++;
  const rated = result.ratings.length;
  const { method: _method, steps: ownSteps, ...figures } = metrics;
  // the steps of the department cases its messages started are the 一件事's steps too (their own cases' figures)
  const metricSteps =
    result.linked.length === 0
      ? ownSteps
      : dynamicMetricsOf(
          [...result.cases, ...result.linked].map((c) => c.outcome),
          {
            timeLimitDays,
            msPerWorkingDay: perDay,
          },
        ).steps;
  const dynamic = {
    ...figures,
    satisfaction: rated === 0 ? null : (levels['4'] + levels['5']) / rated,
    badRatings: levels['1'] + levels['2'],
  };
  const order = new Map(Object.keys(definition.graph.nodes).map((id, i) => [id, i]));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const worked = new Map(result.steps.map((s) => [s.elementId, s]));
  const ids = [
    ...new Set([...metricSteps.map((s) => s.elementId), ...result.steps.map((s) => s.elementId)]),
  ].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const steps: StepSummary[] = ids.map((id) => {
    const m = metricSteps.find((s) => s.elementId === id);
    const w = worked.get(id);
    const node = definition.graph.nodes[id];
    return {
      elementId: id,
      name: m?.name ?? w?.name ?? node?.name ?? null,
      departments: w?.departments ?? (node?.department ? [node.department] : []),
      count: m?.count ?? 0,
      meanWorkingDays: m?.meanWorkingDays ?? null,
      p90WorkingDays: m?.p90WorkingDays ?? null,
      breaches: m?.breaches ?? 0,
      worked: w?.worked ?? 0,
      meanWaitingHours: w && w.worked > 0 ? w.waitingMs / w.worked / MS_PER_HOUR : null,
      meanProcessingHours: w && w.worked > 0 ? w.processingMs / w.worked / MS_PER_HOUR : null,
    };
  });
  const available = calendar.workingMsBetween(result.start, result.end);
  const departments = result.departments
    .map((d) => ({
      name: d.name,
      staff: d.staff,
      tasks: d.tasks,
      busyHours: d.busyMs / MS_PER_HOUR,
      utilisation: d.staff === null || available === 0 ? null : d.busyMs / (d.staff * available),
      meanWaitingHours: d.tasks === 0 ? null : d.waitingMs / d.tasks / MS_PER_HOUR,
      maxQueue: d.maxQueue,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const count = (status: string) => result.cases.filter((c) => c.status === status).length;
  const incidents = new Map<string, { elementId: string; message: string; cases: number }>();
  for (const c of result.cases) {
    for (const i of c.incidents) {
      const key = `${i.elementId}\u0000${i.message}`;
      const entry = incidents.get(key) ?? { elementId: i.elementId, message: i.message, cases: 0 };
      entry.cases++;
      incidents.set(key, entry);
    }
  }
  return {
    process: { key: result.process.key, version: result.process.version, name: result.process.name },
    seed: result.seed,
    period: {
      start: new Date(result.start).toISOString(),
      end: new Date(result.end).toISOString(),
      workingDays: available / perDay,
    },
    timeLimitDays,
    cases: {
      arrived: result.cases.length,
      completed: count('completed'),
      active: count('active'),
      failed: count('failed'),
      cancelled: count('cancelled'),
    },
    linked: {
      started: result.linked.length,
      completed: result.linked.filter((c) => c.status === 'completed').length,
    },
    dynamic,
    ratings: { rated, levels },
    steps,
    departments,
    commands: result.commands,
    waiting: result.waiting,
    incidents: [...incidents.values()],
    warnings: result.warnings,
  };
}

// ── text ──────────────────────────────────────────────────────────────────

/** Display width: CJK and full-width characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    w +=
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6)
        ? 2
        : 1;
  }
  return w;
}

const pad = (text: string, n: number, right = false): string => {
  const fill = ' '.repeat(Math.max(0, n - width(text)));
  return right ? fill + text : text + fill;
};

function table(header: string[], rows: string[][], rightFrom: number): string[] {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i], i >= rightFrom))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const fixed = (value: number | null | undefined, digits: number): string =>
  value === null || value === undefined ? '—' : value.toFixed(digits);
const percent = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
const stamp = (iso: string): string => {
  // the period in Beijing time, minutes precision
  const d = new Date(Date.parse(iso) + 8 * MS_PER_HOUR);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} +08:00`;
};

/** A figure's value as the tables print it: a rate in percent, a count whole, the others to two decimals. */
const figureValue = (definition: FigureDefinition, value: number | null): string =>
  definition.unit === 'rate'
    ? percent(value)
    : definition.unit === 'ratings' || definition.unit === 'cases'
      ? fixed(value, 0)
      : fixed(value, 2);

/** The summary as a printable table, Chinese labels with English beside them. */
export function formatSummary(s: SimulationSummary): string {
  const d = s.dynamic;
  const out: string[] = [];
  out.push(
    `${s.process.name ?? s.process.key} — ${s.process.key} v${s.process.version} · 模拟 simulation · 种子 seed ${s.seed}`,
  );
  out.push(
    `期间 period: ${stamp(s.period.start)} → ${stamp(s.period.end)} (${s.period.workingDays.toFixed(1)} 工作日 working days)`,
  );
  out.push(
    `案件 cases: ${s.cases.arrived} 受理 arrived · ${s.cases.completed} 办结 completed · ${s.cases.active} 在办 open · ${s.cases.failed} 失败 failed · ${s.commands} 引擎命令 engine commands`,
    ...(s.linked.started > 0
      ? [
          `由消息发起的部门案件 cases started by messages: ${s.linked.started} (${s.linked.completed} 办结 completed) · 跑动次数与一次性办结计入其主件 their trips and corrections count in their master's`,
        ]
      : []),
  );
  const r = s.ratings;
  out.push(
    `好差评 ratings: ${r.rated} 条 rated · 各级 levels 5/4/3/2/1 = ${r.levels['5']}/${r.levels['4']}/${r.levels['3']}/${r.levels['2']}/${r.levels['1']}`,
  );
  out.push('');
  out.push(
    `承诺时限 committed limit ${s.timeLimitDays ?? '—'} 工作日 working days · 时间均以工作日计 times in working days`,
  );
  out.push(
    ...table(
      ['指标 figure', '模拟 simulated'],
      SUMMARY_FIGURES.map((key) => {
        const definition = catalogued(key);
        return [label(definition), figureValue(definition, d[key])];
      }),
      1,
    ),
  );
  out.push('');
  out.push(
    ...table(
      [
        '环节 step',
        '部门 department',
        '次数 count',
        '等待 wait h',
        '办理 work h',
        '平均 mean wd',
        'P90 wd',
        '超时 breaches',
      ],
      s.steps.map((st) => [
        st.name ?? st.elementId,
        st.departments.length > 2
          ? `${st.departments.length} 个部门 depts`
          : st.departments.join('、') || '—',
        String(st.count),
        fixed(st.meanWaitingHours, 2),
        fixed(st.meanProcessingHours, 2),
        fixed(st.meanWorkingDays, 3),
        fixed(st.p90WorkingDays, 3),
        String(st.breaches),
      ]),
      2,
    ),
  );
  out.push('');
  out.push(
    ...table(
      [
        '部门 department',
        '人员 staff',
        '任务 tasks',
        '忙时 busy h',
        '利用率 utilisation',
        '平均等待 wait h',
        '最长队列 max queue',
      ],
      s.departments.map((dep) => [
        dep.name || '—',
        dep.staff === null ? '不限 unlimited' : String(dep.staff),
        String(dep.tasks),
        fixed(dep.busyHours, 1),
        percent(dep.utilisation),
        fixed(dep.meanWaitingHours, 2),
        String(dep.maxQueue),
      ]),
      1,
    ),
  );
  if (s.waiting.length > 0) {
    out.push('');
    out.push(
      `在办案件停在 open cases wait at: ${s.waiting.map((w) => `${w.elementId} × ${w.cases}`).join(', ')}`,
    );
  }
  for (const i of s.incidents) out.push(`故障 incident ${i.elementId} × ${i.cases}: ${i.message}`);
  for (const w of s.warnings) out.push(`注意 note: ${w}`);
  return `${out.join('\n')}\n`;
}

/** Two runs side by side (before → after): the figures the comparison dashboard shows, with their change. */
export function formatComparison(before: SimulationSummary, after: SimulationSummary): string {
  // rates change in percentage points, the others in percent (the catalogue's changeKind)
  const rows = COMPARED_FIGURES.map((key) => {
    const definition = catalogued(key);
    const b = before.dynamic[key];
    const a = after.dynamic[key];
    const c = change(b, a);
    const words = changeWords(definition, c, 'en', { pp: (points) => `${points} 个百分点 pp` });
    const tone = changeTone(definition.better, c.delta);
    return [
      label(definition),
      figureValue(definition, b),
      figureValue(definition, a),
      words === null
        ? '—'
        : tone === 'neutral'
          ? words
          : `${words} ${tone === 'better' ? '改善 better' : '变差 worse'}`,
    ];
  });
  const head = `${before.process.key}: v${before.process.version} → v${after.process.version} (模拟 simulated, seed ${after.seed})`;
  return `${[head, ...table(['指标 figure', `改革前 before v${before.process.version}`, `改革后 after v${after.process.version}`, '变化 change'], rows, 1)].join('\n')}\n`;
}
