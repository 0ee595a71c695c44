/** The report's words in Chinese and English: labels, number formats and the sentences a rectification summary uses. */
import type { Change, FigureSource } from '../../engine/metrics/dynamic-metrics.js';
import {
  changeWords,
  type FigureDefinition,
  type FigureUnit,
  figureDefinition,
} from '../../engine/metrics/figures.js';

export type Lang = 'zh' | 'en';

/** Escapes text for HTML element content and attribute values. */
export const esc = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** A number with at most `digits` decimals, trailing zeros dropped, thousands separated. */
export const fmt = (value: number, digits = 2): string =>
  Number(value.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });
export const pct = (rate: number): string => `${fmt(rate * 100, 1)}%`;
const signed = (value: number, digits = 1): string =>
  `${value > 0 ? '+' : value < 0 ? '−' : '±'}${fmt(Math.abs(value), digits)}`;

const LABELS = {
  zh: {
    title: (name: string) => `《${name}》流程再造前后对比报告`,
    versions: (key: string, from: number, to: number) =>
      `流程编码 ${key}：改革前为第 ${from} 版，改革后为第 ${to} 版`,
    summary: '一、改革成效摘要',
    table: '二、改革前后主要指标对比',
    chart: '三、办理时长分布（工作日）',
    slowest: '四、耗时最长的环节（改革后）',
    breaches: '五、超时最多的环节',
    ratingsSection: '六、好差评与整改闭环',
    method: '七、各项指标的计算方法与样本量',
    applicantTime: '申请人用时（暂停计时环节，不计入办理时长）',
    applicantNote:
      '以下环节为等待申请人（如补正材料）的时间，按规定暂停计时，不计入部门办理时长，也不列入上表。',
    figure: '指标',
    version: '版本',
    before: '改革前',
    after: '改革后',
    change: '变化',
    step: '环节',
    count: '办理次数',
    mean: '平均用时',
    p90: '90% 在此时间内',
    limit: '环节时限',
    breachCount: '超时次数',
    breachRate: '超时比例',
    none: '无',
    noData: '暂无数据',
    noCases: '无已办结案件',
    noRatings: '暂无评价数据（好差评接入后显示）',
    days: (d: string) => `${d} 个工作日`,
    times: (n: string) => `${n} 次`,
    pieces: (n: string) => `${n} 份`,
    items: (n: string) => `${n} 个`,
    cases: (n: string) => `${n} 件`,
    ratings: (n: string) => `${n} 条`,
    pp: (d: string) => `${d} 个百分点`,
    axisDays: '工作日',
    axisShare: '占已办结案件比例',
    limitLine: '承诺时限',
    casesIn: (v: string, n: string) => `${v}（${n} 件）`,
    calendar:
      '工作日按周一至周五计，扣除国家法定节假日、加上调休工作日；每个工作日为 09:00–12:00、13:00–17:00（北京时间）共 7 小时，办理时长为工作时间之和除以 7 小时。补正材料、听证、专家评审等暂停计时环节的时间不计入案件办理时长。',
    printed: '本报告由 Reflow 根据流程模型与办件记录自动生成，可直接打印或另存为 PDF。',
    estimated: (horizon: string | null) =>
      `注意：工作日历的节假日数据只到 ${horizon ?? '（无）'}，部分案件在此之后办结，其办理时长、按时办结率与超时次数把之后的法定节假日按工作日计算，为估算值。加载下一年度的节假日安排后（PUT /api/calendar/years/{年份}）将自动重新计算。`,
  },
  en: {
    title: (name: string) => `Process reengineering report: ${name}, before and after`,
    versions: (key: string, from: number, to: number) =>
      `Process key ${key}: version ${from} before the reform, version ${to} after`,
    summary: '1. What the reform achieved',
    table: '2. The main figures before and after',
    chart: '3. Case durations (working days)',
    slowest: '4. The slowest steps (after the reform)',
    breaches: '5. The steps that most often exceed their time limits',
    ratingsSection: '6. Ratings and the rectification loop',
    method: '7. How each figure was computed, and from how many cases',
    applicantTime: 'The applicant’s time (steps that pause the clock, not counted in durations)',
    applicantNote:
      'These steps wait for the applicant (e.g. corrected materials): the clock is paused, so they are not counted in the office’s processing time, nor listed above.',
    figure: 'Figure',
    version: 'Version',
    before: 'Before',
    after: 'After',
    change: 'Change',
    step: 'Step',
    count: 'Times done',
    mean: 'Mean time',
    p90: '90% done within',
    limit: 'Step limit',
    breachCount: 'Over limit',
    breachRate: 'Share over limit',
    none: 'none',
    noData: 'no data',
    noCases: 'no completed cases',
    noRatings: 'no ratings yet (shown once ratings are recorded)',
    days: (d: string) => `${d} working day${d === '1' ? '' : 's'}`,
    times: (n: string) => `${n} time${n === '1' ? '' : 's'}`,
    pieces: (n: string) => `${n} document${n === '1' ? '' : 's'}`,
    items: (n: string) => n,
    cases: (n: string) => `${n} case${n === '1' ? '' : 's'}`,
    ratings: (n: string) => n,
    pp: (d: string) => `${d} percentage points`,
    axisDays: 'working days',
    axisShare: 'share of completed cases',
    limitLine: 'committed limit',
    casesIn: (v: string, n: string) => `${v} (${n} cases)`,
    calendar:
      'Working days are Monday to Friday, minus China’s statutory holidays, plus the adjusted working days (调休); a working day is 09:00–12:00 and 13:00–17:00 Beijing time, 7 hours, and a duration is its working time divided by 7 hours. Time in steps that pause the clock (requests for corrected materials, hearings, expert review) is not counted in a case’s duration.',
    printed: 'Generated by Reflow from the process models and the case records; print it or save it as PDF.',
    estimated: (horizon: string | null) =>
      `Note: the holiday calendar’s data ends on ${horizon ?? '(none)'} and some cases ended after it: their durations, the on-time rate and the breaches count that time’s statutory holidays as working days, so they are estimates. They are recomputed once the next year’s official schedule is loaded (PUT /api/calendar/years/{year}).`,
  },
} as const;

export const labels = (lang: Lang) => LABELS[lang];

/** The figures of the report's table, in order, as the catalogue (engine/metrics/figures.ts) defines them. */
export const FIGURE_ROWS: readonly FigureDefinition[] = [
  'steps',
  'departments',
  'applicantMaterials',
  'materials',
  'timeLimitDays',
  'statutoryLimitDays',
  'trips',
  'completed',
  'meanWorkingDays',
  'medianWorkingDays',
  'p90WorkingDays',
  'meanTrips',
  'firstTimeRate',
  'onTimeRate',
  'satisfaction',
  'badRatings',
  'rectifiedOnTimeRate',
  'calledBackRate',
  'rectified',
  'appealsUpheld',
].map((key) => {
  const definition = figureDefinition(key);
  if (!definition) throw new Error(`report figure '${key}' is not in the catalogue`);
  return definition;
});

/** A figure's value with its unit; `of` gives, for a rate of a count, the count and its whole ("26 / 28"). */
export function valueText(
  lang: Lang,
  unit: FigureUnit,
  value: number | null,
  of?: { count: number; whole: number },
): string {
  const l = labels(lang);
  if (value === null) return of ? `${l.noData}（0 / ${fmt(of.whole, 0)}）` : l.noData;
  if (unit === 'rate')
    return of
      ? lang === 'zh'
        ? `${pct(value)}（${fmt(of.count, 0)} / ${fmt(of.whole, 0)} 条）`
        : `${pct(value)} (${fmt(of.count, 0)} of ${fmt(of.whole, 0)})`
      : pct(value);
  if (unit === 'days') return l.days(fmt(value));
  if (unit === 'times') return l.times(fmt(value));
  if (unit === 'pieces') return l.pieces(fmt(value));
  if (unit === 'items') return l.items(fmt(value));
  if (unit === 'cases') return l.cases(fmt(value, 0));
  if (unit === 'ratings') return l.ratings(fmt(value, 0));
  return fmt(value);
}

/** The change column, as the catalogue states it: rates in percentage points, other figures as a difference and a percentage. */
export function changeText(lang: Lang, definition: FigureDefinition, c: Change): string {
  return changeWords(definition, c, lang, { pp: labels(lang).pp }) ?? '—';
}

/** The summary sentences: the four reductions and the outcome figures, as a rectification summary words them. */
export function summarySentences(lang: Lang, change: Record<string, Change>): string[] {
  const zh = lang === 'zh';
  const out: string[] = [];
  const reduce = (name: string, zhNoun: string, zhUnit: string, zhWhat: string, enNoun: string) => {
    const c = change[name];
    if (!c || c.before === null || c.after === null) return;
    const [b, a] = [fmt(c.before), fmt(c.after)];
    const p = c.percent === null ? '' : zh ? `（${signed(c.percent)}%）` : ` (${signed(c.percent)}%)`;
    if (c.after < c.before)
      out.push(
        zh
          ? `${zhNoun}由 ${b} ${zhUnit}减至 ${a} ${zhUnit}，减少 ${fmt(c.before - c.after)} ${zhUnit}${zhWhat}${p}。`
          : `${enNoun}: from ${b} to ${a}, ${fmt(c.before - c.after)} fewer${p}.`,
      );
    else if (c.after > c.before)
      out.push(
        zh
          ? `${zhNoun}由 ${b} ${zhUnit}增至 ${a} ${zhUnit}${p}。`
          : `${enNoun}: from ${b} to ${a}, ${fmt(c.after - c.before)} more${p}.`,
      );
    else out.push(zh ? `${zhNoun}保持 ${a} ${zhUnit}不变。` : `${enNoun}: unchanged at ${a}.`);
  };
  reduce('steps', '办理环节', '个', '环节', 'Steps');
  reduce('applicantMaterials', '申请人需提交材料', '份', '材料', 'Documents asked of the applicant');
  const limit = change.timeLimitDays;
  if (limit && limit.before !== null && limit.after !== null) {
    const p =
      limit.percent === null
        ? ''
        : zh
          ? `，承诺时限压缩 ${fmt(Math.abs(limit.percent), 1)}%`
          : `, ${fmt(Math.abs(limit.percent), 1)}% shorter`;
    out.push(
      zh
        ? `原需 ${fmt(limit.before)} 个工作日，现 ${fmt(limit.after)} 个工作日内办结${limit.after < limit.before ? p : ''}。`
        : `Committed time limit: ${fmt(limit.before)} working days before, now done within ${fmt(limit.after)}${limit.after < limit.before ? p : ''}.`,
    );
  }
  const trips = change.trips;
  if (trips && trips.before !== null && trips.after !== null) {
    const now =
      trips.after === 0
        ? zh
          ? '现零跑动'
          : 'now no trip at all (零跑动)'
        : trips.after === 1
          ? zh
            ? '现最多跑一次'
            : 'now one trip at most (最多跑一次)'
          : zh
            ? `现最多跑动 ${fmt(trips.after)} 次`
            : `now ${fmt(trips.after)} trips at most`;
    out.push(
      zh
        ? `原需跑动 ${fmt(trips.before)} 次，${now}。`
        : `In-person trips: ${fmt(trips.before)} at most before, ${now}.`,
    );
  }
  const mean = change.meanWorkingDays;
  if (mean && mean.before !== null && mean.after !== null) {
    const p =
      mean.percent === null ? '' : zh ? `（${signed(mean.percent)}%）` : ` (${signed(mean.percent)}%)`;
    out.push(
      zh
        ? `实际平均办理时间由 ${fmt(mean.before)} 个工作日变为 ${fmt(mean.after)} 个工作日${p}。`
        : `Mean processing time: ${fmt(mean.before)} working days before, ${fmt(mean.after)} after${p}.`,
    );
  }
  // the outcome rates, named and stated (in percentage points) as the catalogue says
  for (const name of ['firstTimeRate', 'onTimeRate', 'satisfaction']) {
    const c = change[name];
    const definition = figureDefinition(name);
    if (!c || !definition || c.before === null || c.after === null) continue;
    const words = changeWords(definition, c, lang, { pp: labels(lang).pp });
    out.push(
      zh
        ? `${definition.zh}由 ${pct(c.before)} 变为 ${pct(c.after)}（${words}）。`
        : `${definition.en}: ${pct(c.before)} before, ${pct(c.after)} after (${words}).`,
    );
  }
  return out;
}

/** How one figure was computed, in words. */
export function methodText(lang: Lang, source: FigureSource | undefined, maxErrorDays: number): string {
  const zh = lang === 'zh';
  const n = fmt(source?.from ?? 0, 0);
  switch (source?.method) {
    case 'count':
      return zh ? `计数（办结时累计），共 ${n} 件` : `counted (kept as cases complete): ${n} cases`;
    case 'rollup':
      return zh
        ? `由办结时累计的汇总数计算（总和 ÷ 件数），基于 ${n} 件已办结案件`
        : `from running totals kept as each case completed (sum ÷ count), over ${n} completed cases`;
    case 'percentile_cont':
      return zh
        ? `按全部 ${n} 件已办结案件的办理时长精确计算（线性插值，同 PostgreSQL percentile_cont）`
        : `exactly, over all ${n} completed cases (linear interpolation, as PostgreSQL’s percentile_cont)`;
    case 'histogram':
      return zh
        ? `由 ${n} 件已办结案件的时长分布（${fmt(maxErrorDays)} 个工作日一档）估算，误差小于 ${fmt(maxErrorDays)} 个工作日`
        : `estimated from the duration histogram of ${n} completed cases (buckets of ${fmt(maxErrorDays)} working days), error below ${fmt(maxErrorDays)} working days`;
    case 'ratings':
      return zh ? `基于 ${n} 条评价` : `from ${n} ratings`;
    case 'no-time-limit':
      return zh ? '流程未设承诺时限，不计算' : 'the process has no committed limit: not computed';
    case 'memory':
      return zh ? `精确计算，基于 ${n} 件` : `exactly, over ${n} cases`;
    default:
      return zh ? '读自流程模型' : 'read off the process model';
  }
}
