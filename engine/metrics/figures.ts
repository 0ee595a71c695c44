/**
 * The catalogue of figures: one entry per figure a version is measured by — its key, its Chinese and English
 * label, its unit, whether it is better higher or lower, and how its change is stated (a rate in percentage
 * points, 个百分点; a count or a duration in percent). The compare API, the dashboard, the printed report and
 * the simulation CLI all read it, so they cannot disagree on what a figure means or which way is better.
 */
import type { Change } from './dynamic-metrics.js';

/** `rate`: a share from 0 to 1; `days`: working days; the others are counts of things, trips, cases or ratings. */
export type FigureUnit = 'items' | 'pieces' | 'days' | 'times' | 'rate' | 'cases' | 'ratings';
/**
 * Which way is an improvement. `neither`: a count that follows the number of cases (fewer completed cases or
 * fewer rectified bad ratings is no improvement in itself): its change is shown, never coloured.
 */
export type Better = 'higher' | 'lower' | 'neither';
/** `pp`: the change of a rate, in percentage points; `percent`: the change of a count or duration, in percent. */
export type ChangeKind = 'pp' | 'percent';

export interface FigureDefinition {
  key: string;
  zh: string;
  en: string;
  unit: FigureUnit;
  better: Better;
  changeKind: ChangeKind;
  /** Read off the model (static) or from the cases (dynamic). */
  source: 'static' | 'dynamic';
  /** For a rate: the count it is the share of, shown beside it (e.g. rectified on time of bad ratings). */
  countKey?: string;
  /** For a rate with a count: the whole it is a share of (bad ratings; completed cases under supervision). */
  wholeKey?: string;
}

const figure = (
  key: string,
  zh: string,
  en: string,
  unit: FigureUnit,
  better: Better,
  source: 'static' | 'dynamic',
  countKey?: string,
  wholeKey?: string,
): FigureDefinition => ({
  key,
  zh,
  en,
  unit,
  better,
  changeKind: unit === 'rate' ? 'pp' : 'percent',
  source,
  ...(countKey ? { countKey } : {}),
  ...(wholeKey ? { wholeKey } : {}),
});

/** Every figure, in the order tables list them. */
export const FIGURES: readonly FigureDefinition[] = [
  figure('steps', '办理环节', 'Steps', 'items', 'lower', 'static'),
  figure('departments', '涉及部门', 'Departments', 'items', 'lower', 'static'),
  figure(
    'applicantMaterials',
    '申请人需提交材料',
    'Documents asked of the applicant',
    'pieces',
    'lower',
    'static',
  ),
  figure(
    'materials',
    '材料总数（含共享获取）',
    'Documents in all (incl. shared)',
    'pieces',
    'lower',
    'static',
  ),
  figure('timeLimitDays', '承诺时限', 'Committed time limit', 'days', 'lower', 'static'),
  figure('pathTimeLimitDays', '关键路径时限', 'Time limit along the longest path', 'days', 'lower', 'static'),
  figure('statutoryLimitDays', '法定时限', 'Statutory time limit', 'days', 'lower', 'static'),
  figure('trips', '最多跑动次数', 'In-person trips at most', 'times', 'lower', 'static'),
  figure('cases', '案件数', 'Cases', 'cases', 'neither', 'dynamic'),
  figure('completed', '已办结案件', 'Completed cases', 'cases', 'neither', 'dynamic'),
  figure('meanWorkingDays', '平均办理时间', 'Mean processing time', 'days', 'lower', 'dynamic'),
  figure('medianWorkingDays', '办理时间中位数', 'Median processing time', 'days', 'lower', 'dynamic'),
  figure('p90WorkingDays', '90% 案件办结时间', '90% of cases done within', 'days', 'lower', 'dynamic'),
  figure('meanTrips', '平均跑动次数', 'Mean in-person trips', 'times', 'lower', 'dynamic'),
  figure('firstTimeRate', '一次性办结率', 'Done first time (no correction)', 'rate', 'higher', 'dynamic'),
  figure('onTimeRate', '按时办结率', 'Done within the committed limit', 'rate', 'higher', 'dynamic'),
  figure('satisfaction', '满意度', 'Satisfaction (ratings 4–5)', 'rate', 'higher', 'dynamic'),
  figure('badRatings', '差评数', 'Bad ratings (1–2)', 'ratings', 'neither', 'dynamic'),
  figure(
    'rectifiedOnTimeRate',
    '差评按期整改率',
    'Bad ratings rectified within the deadline',
    'rate',
    'higher',
    'dynamic',
    'rectifiedOnTime',
    'badRatings',
  ),
  figure(
    'calledBackRate',
    '差评回访率',
    'Bad ratings called back',
    'rate',
    'higher',
    'dynamic',
    'calledBack',
    'badRatings',
  ),
  figure('rectified', '差评已整改', 'Bad ratings rectified', 'ratings', 'neither', 'dynamic'),
  figure('rectifiedOnTime', '按期整改', 'Rectified within the deadline', 'ratings', 'neither', 'dynamic'),
  figure('calledBack', '已回访', 'Called back', 'ratings', 'neither', 'dynamic'),
  figure('appealsUpheld', '申诉成立', 'Appeals upheld', 'ratings', 'neither', 'dynamic'),
  figure('defaultedRatings', '默认评价', 'Default ratings', 'ratings', 'neither', 'dynamic'),
  // 电子监察: of the completed cases that ran on the engine (imported cases were never watched), the share that got
  // a card — on the case or on one of its tasks (isWarned, isRedCarded in case-figures.ts)
  figure(
    'supervisedCases',
    '受监察的已办结案件',
    'Completed cases under supervision (run on the engine)',
    'cases',
    'neither',
    'dynamic',
  ),
  figure('warnedCases', '亮牌案件', 'Cases that got a yellow or red card', 'cases', 'neither', 'dynamic'),
  figure('redCardCases', '红牌案件', 'Cases that got a red card', 'cases', 'neither', 'dynamic'),
  figure(
    'warningRate',
    '预警率（亮黄牌或红牌）',
    'Warning rate (cases with a yellow or red card)',
    'rate',
    'lower',
    'dynamic',
    'warnedCases',
    'supervisedCases',
  ),
  figure(
    'redCardRate',
    '红牌率（超时）',
    'Red-card rate (cases past a time limit)',
    'rate',
    'lower',
    'dynamic',
    'redCardCases',
    'supervisedCases',
  ),
];

/**
 * The figures of a person (经办人) or a department's people, by the steps they handled: the same entries as the
 * version's where the definition is the same (satisfaction, bad ratings, rectified…), counted over their steps.
 */
export const PERSON_FIGURES: readonly FigureDefinition[] = [
  figure('openTasks', '在办待办', 'Open tasks held', 'items', 'neither', 'dynamic'),
  figure('completedTasks', '已办环节', 'Steps completed', 'items', 'neither', 'dynamic'),
  figure(
    'meanStepWorkingDays',
    '平均每环节办理时间',
    'Mean working days per step',
    'days',
    'lower',
    'dynamic',
  ),
  figure('p90StepWorkingDays', '90% 环节办结时间', '90% of steps done within', 'days', 'lower', 'dynamic'),
  figure(
    'stepOnTimeRate',
    '环节按时办结率',
    'Steps done within their time limit',
    'rate',
    'higher',
    'dynamic',
    'stepsWithLimit',
  ),
  figure('stepsWithLimit', '有时限的环节', 'Steps with a time limit', 'items', 'neither', 'dynamic'),
  figure('warnedSteps', '亮牌环节', 'Steps whose task got a card', 'items', 'neither', 'dynamic'),
  figure('redCardSteps', '红牌环节', 'Steps whose task got a red card', 'items', 'neither', 'dynamic'),
  // 电子监察 by the people (and so the departments) who handled the steps: of the steps with a time limit
  figure(
    'stepWarningRate',
    '环节预警率（亮黄牌或红牌）',
    'Steps with a time limit whose task got a card',
    'rate',
    'lower',
    'dynamic',
    'warnedSteps',
    'stepsWithLimit',
  ),
  figure(
    'stepRedCardRate',
    '环节红牌率（超时）',
    'Steps with a time limit whose task got a red card',
    'rate',
    'lower',
    'dynamic',
    'redCardSteps',
    'stepsWithLimit',
  ),
  ...['satisfaction', 'badRatings', 'rectified', 'rectifiedOnTime'].map(
    (key) => FIGURES.find((f) => f.key === key) as FigureDefinition,
  ),
  figure('transfers', '转出（转办）', 'Tasks transferred away', 'items', 'neither', 'dynamic'),
];

const BY_KEY = new Map([...FIGURES, ...PERSON_FIGURES].map((f) => [f.key, f]));

/** The catalogue's entry for a figure, or undefined for a name that is not a figure. */
export const figureDefinition = (key: string): FigureDefinition | undefined => BY_KEY.get(key);

/** A figure's label in a language, as the catalogue states it (the key itself for a name that is not a figure). */
export const figureLabel = (key: string, lang: 'zh' | 'en'): string => BY_KEY.get(key)?.[lang] ?? key;

/** A figure's change with what it means: its unit, which way is better and how the change is stated. */
export interface DescribedChange extends Change {
  unit: FigureUnit;
  better: Better;
  changeKind: ChangeKind;
}

export const describeChange = (definition: FigureDefinition, change: Change): DescribedChange => ({
  ...change,
  unit: definition.unit,
  better: definition.better,
  changeKind: definition.changeKind,
});

/** Whether a change is an improvement, a regression, or neither (no change, no data, or a volume count). */
export function changeTone(better: Better, delta: number | null | undefined): 'better' | 'worse' | 'neutral' {
  if (delta === null || delta === undefined || delta === 0 || better === 'neither') return 'neutral';
  return delta > 0 === (better === 'higher') ? 'better' : 'worse';
}

/** A rate's change in percentage points: after − before, × 100 (0.705 → 0.881 is +17.6 points). */
export const percentagePoints = (change: Change): number | null =>
  change.delta === null ? null : Math.round(change.delta * 100_000) / 1000;

/**
 * A change as a clerk reads it: a rate in percentage points ("+17.6 个百分点" / "+17.6 pp"), anything else as
 * the difference and the percentage ("−1.5（−20.0%）" / "−1.5 (−20.0%)"); null when there is nothing to compare.
 */
export function changeWords(
  definition: Pick<FigureDefinition, 'changeKind'>,
  change: Change,
  lang: 'zh' | 'en',
  style: { pp?: (points: string) => string; digits?: number } = {},
): string | null {
  if (change.delta === null) return null;
  const signed = (value: number, digits: number) =>
    `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Number(Math.abs(value).toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits })}`;
  if (definition.changeKind === 'pp') {
    const points = signed(change.delta * 100, 1);
    if (style.pp) return style.pp(points);
    return lang === 'zh' ? `${points} 个百分点` : `${points} pp`;
  }
  const percent =
    change.percent === null
      ? ''
      : lang === 'zh'
        ? `（${signed(change.percent, 1)}%）`
        : ` (${signed(change.percent, 1)}%)`;
  return `${signed(change.delta, style.digits ?? 2)}${percent}`;
}
