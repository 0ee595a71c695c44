/** The before/after report as one self-contained, printable HTML page (inline CSS and SVG, no external resources). */
import {
  type Bucket,
  changeTone,
  type DynamicMetrics,
  figureDefinition,
  type StepFigures,
} from '../../engine/index.js';
import type { Comparison } from './metrics-service.js';
import { comparisonHistogram, durationChart, histogramLimits } from './report-chart.js';
import {
  changeText,
  esc,
  FIGURE_ROWS,
  fmt,
  type Lang,
  labels,
  methodText,
  pct,
  summarySentences,
  valueText,
} from './report-text.js';
import type { DepartmentWarnings } from './warning-figures.js';

/** What the model says of an element: its name, department and step time limit. */
export interface ElementInfo {
  name: string | null;
  department: string | null;
  timeLimit: number | null;
  /** A `gov:pausesClock` node: the time in it is the applicant's (e.g. sending corrected materials), not the office's. */
  pausesClock?: boolean;
}

export interface ReportInput {
  comparison: Comparison;
  histograms: { before: Bucket[]; after: Bucket[] };
  /** 电子监察 by department, each version (absent: the table is left out). */
  departmentWarnings?: { before: DepartmentWarnings[]; after: DepartmentWarnings[] };
  elements: { before: Record<string, ElementInfo>; after: Record<string, ElementInfo> };
  generatedAt: Date;
  lang: Lang;
}

const CSS = `
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:#212121;max-width:820px;margin:24px auto;padding:0 16px;line-height:1.6}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #2e7d32;padding-bottom:2px}
.meta{color:#555;font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef3ee}td.n{text-align:right;white-space:nowrap}.better{color:#2e7d32}.worse{color:#c62828}ul{padding-left:20px}
.note{font-size:12px;color:#555}h3{font-size:14px;margin:16px 0 6px}@page{size:A4;margin:18mm 16mm}@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}`;

function figureTable(input: ReportInput): string {
  const { lang, comparison: c } = input;
  const l = labels(lang);
  const rows = FIGURE_ROWS.map((definition) => {
    const { key, zh, en, unit } = definition;
    const change = c.change[key] ?? { before: null, after: null, delta: null, percent: null };
    const tone = changeTone(definition.better, change.delta);
    // a rate of a count (rectified on time ÷ bad ratings, red-carded ÷ supervised cases) shows both beside it
    const of = (d: DynamicMetrics) =>
      definition.countKey && definition.wholeKey
        ? {
            count: Number(d[definition.countKey as keyof DynamicMetrics] ?? 0),
            whole: Number(d[definition.wholeKey as keyof DynamicMetrics] ?? 0),
            wholeUnit: figureDefinition(definition.wholeKey)?.unit,
          }
        : undefined;
    const after =
      key === 'satisfaction' && change.after === null
        ? l.noRatings
        : valueText(lang, unit, change.after, of(c.after.dynamic));
    return `<tr><th scope="row">${esc(lang === 'zh' ? zh : en)}</th><td class="n">${esc(valueText(lang, unit, change.before, of(c.before.dynamic)))}</td><td class="n">${esc(after)}</td><td class="n ${tone === 'neutral' ? '' : tone}">${esc(changeText(lang, definition, change))}</td></tr>`;
  });
  return `<table><thead><tr><th>${l.figure}</th><th>${tag(lang, l.before, c.from)}</th><th>${tag(lang, l.after, c.to)}</th><th>${l.change}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The warning and red-card rates of each department's steps with a time limit, both versions (电子监察). */
function departmentWarningTable(input: ReportInput): string {
  const { lang, comparison: c, departmentWarnings: cards } = input;
  if (!cards) return '';
  const zh = lang === 'zh';
  const l = labels(lang);
  const label = (key: string) => {
    const d = figureDefinition(key);
    return esc((zh ? d?.zh : d?.en) ?? key);
  };
  const rate = (count: number, whole: number, value: number | null) =>
    esc(valueText(lang, 'rate', value, { count, whole, wholeUnit: 'items' }));
  const rows = (['before', 'after'] as const).flatMap((side) =>
    cards[side].map(
      (d) =>
        `<tr><td>${esc(d.department ?? l.none)}</td><td>${side === 'before' ? tag(lang, l.before, c.from) : tag(lang, l.after, c.to)}</td><td class="n">${fmt(d.stepsWithLimit, 0)}</td><td class="n">${rate(d.warnedSteps, d.stepsWithLimit, d.stepWarningRate)}</td><td class="n">${rate(d.redCardSteps, d.stepsWithLimit, d.stepRedCardRate)}</td></tr>`,
    ),
  );
  const title = zh
    ? '各部门的预警率与红牌率（电子监察）'
    : 'Warning and red-card rates by department (electronic supervision)';
  if (rows.length === 0)
    return `<h3>${title}</h3><p>${zh ? '两个版本均尚无已办结的有时限环节。' : 'Neither version has completed steps with a time limit yet.'}</p>`;
  const note = zh
    ? '按部门计：引擎办理的已办结案件中、该部门已完成的有时限环节里，其待办亮过牌（黄牌或红牌）、亮过红牌的比例。'
    : "By department: of the department's completed steps with a time limit in the completed cases run on the engine, the share whose task got a yellow or red card, and a red card.";
  return `<h3>${title}</h3><table><thead><tr><th>${zh ? '部门' : 'Department'}</th><th>${zh ? '版本' : 'Version'}</th><th>${label('stepsWithLimit')}</th><th>${label('stepWarningRate')}</th><th>${label('stepRedCardRate')}</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">${note}</p>`;
}

/** "改革前（v1）" / "Before (v1)". */
const tag = (lang: Lang, label: string, version: number) =>
  lang === 'zh' ? `${label}（v${version}）` : `${label} (v${version})`;

const stepName = (s: StepFigures, info?: ElementInfo) => s.name ?? info?.name ?? s.elementId;
const daysText = (lang: Lang, v: number | null) => (v === null ? '—' : labels(lang).days(fmt(v)));

function slowestSteps(input: ReportInput): string {
  const { lang, comparison: c, elements } = input;
  const l = labels(lang);
  const before = new Map(c.before.dynamic.steps.map((s) => [s.elementId, s]));
  const paused = (s: StepFigures) => elements.after[s.elementId]?.pausesClock === true;
  const timed = [...c.after.dynamic.steps]
    .filter((s) => s.meanWorkingDays !== null)
    .sort((a, b) => (b.meanWorkingDays ?? 0) - (a.meanWorkingDays ?? 0));
  // the office's steps; the paused-clock waits (the applicant's time) are listed apart, below
  const slow = timed.filter((s) => !paused(s)).slice(0, 5);
  const applicant = timed.filter(paused);
  const head = `<tr><th>${l.step}</th><th>${l.count}</th><th>${l.mean}</th><th>${l.p90}</th><th>${l.limit}</th><th>${tag(lang, l.before, c.from)}: ${l.mean}</th></tr>`;
  const applicantTable =
    applicant.length === 0
      ? ''
      : `<h3>${esc(l.applicantTime)}</h3><p class="note">${esc(l.applicantNote)}</p><table><thead><tr><th>${l.step}</th><th>${l.count}</th><th>${l.mean}</th><th>${l.p90}</th><th>${tag(lang, l.before, c.from)}: ${l.mean}</th></tr></thead><tbody>${applicant
          .map(
            (s) =>
              `<tr><td>${esc(stepName(s, elements.after[s.elementId]))}</td><td class="n">${fmt(s.count, 0)}</td><td class="n">${esc(daysText(lang, s.meanWorkingDays))}</td><td class="n">${esc(daysText(lang, s.p90WorkingDays))}</td><td class="n">${esc(daysText(lang, before.get(s.elementId)?.meanWorkingDays ?? null))}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  if (slow.length === 0) return `<p>${l.noCases}</p>${applicantTable}`;
  const rows = slow.map((s) => {
    const info = elements.after[s.elementId];
    const dept =
      info?.department && !info.department.startsWith('=')
        ? `<br><span class="note">${esc(info.department)}</span>`
        : '';
    return `<tr><td>${esc(stepName(s, info))}${dept}</td><td class="n">${fmt(s.count, 0)}</td><td class="n">${esc(daysText(lang, s.meanWorkingDays))}</td><td class="n">${esc(daysText(lang, s.p90WorkingDays))}</td><td class="n">${esc(info?.timeLimit == null ? l.none : l.days(fmt(info.timeLimit)))}</td><td class="n">${esc(daysText(lang, before.get(s.elementId)?.meanWorkingDays ?? null))}</td></tr>`;
  });
  return `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>${applicantTable}`;
}

function breachingSteps(input: ReportInput): string {
  const { lang, comparison: c, elements } = input;
  const l = labels(lang);
  const list = (side: 'before' | 'after', d: DynamicMetrics) =>
    d.steps.filter((s) => s.breaches > 0).map((s) => ({ side, s, info: elements[side][s.elementId] }));
  const all = [...list('after', c.after.dynamic), ...list('before', c.before.dynamic)]
    .sort((a, b) => b.s.breaches / b.s.count - a.s.breaches / a.s.count || b.s.breaches - a.s.breaches)
    .slice(0, 8);
  if (all.length === 0)
    return `<p>${lang === 'zh' ? '两个版本均无超过环节时限的办理记录。' : 'No step exceeded its time limit in either version.'}</p>`;
  const head = `<tr><th>${l.step}</th><th>${l.version}</th><th>${l.limit}</th><th>${l.breachCount}</th><th>${l.breachRate}</th><th>${l.mean}</th></tr>`;
  const rows = all.map(
    ({ side, s, info }) =>
      `<tr><td>${esc(stepName(s, info))}</td><td>${side === 'after' ? tag(lang, l.after, c.to) : tag(lang, l.before, c.from)}</td><td class="n">${esc(info?.timeLimit == null ? l.none : l.days(fmt(info.timeLimit)))}</td><td class="n">${fmt(s.breaches, 0)} / ${fmt(s.count, 0)}</td><td class="n">${pct(s.breaches / s.count)}</td><td class="n">${esc(daysText(lang, s.meanWorkingDays))}</td></tr>`,
  );
  return `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function methodSection(input: ReportInput): string {
  const { lang, comparison: c } = input;
  const l = labels(lang);
  const zh = lang === 'zh';
  const rows = FIGURE_ROWS.map(({ key: name, zh: zhName, en }) => {
    const staticFigure = !(name in c.before.dynamic.method.figures);
    const cell = (d: DynamicMetrics) =>
      esc(
        staticFigure
          ? methodText(lang, undefined, 0)
          : methodText(lang, d.method.figures[name], d.method.maxErrorDays || d.method.histogramBucketDays),
      );
    return `<tr><th scope="row">${esc(zh ? zhName : en)}</th><td>${cell(c.before.dynamic)}</td><td>${cell(c.after.dynamic)}</td></tr>`;
  });
  const source = (d: DynamicMetrics, v: number) => {
    const imported = d.method.importedCases;
    return zh
      ? `第 ${v} 版：共 ${fmt(d.cases, 0)} 件，已办结 ${fmt(d.completed, 0)} 件${imported > 0 ? `（其中 ${fmt(imported, 0)} 件导入自历史办件日志）` : ''}。`
      : `Version ${v}: ${fmt(d.cases, 0)} cases, ${fmt(d.completed, 0)} completed${imported > 0 ? ` (${fmt(imported, 0)} imported from a historical event log)` : ''}.`;
  };
  const steps = zh
    ? '环节指标基于已办结案件中已完成的环节记录；平均用时为工作时间之和 ÷ 次数；“超时”指该次办理的工作时间超过模型中该环节的时限（gov:timeLimit）。一次性办结率为未经过补正环节（gov:correction）的已办结案件占比；按时办结率为办理时长不超过承诺时限的已办结案件占比；跑动次数为窗口受理、现场办理环节与窗口补交材料次数之和。一件事的主件，跑动次数与一次性办结计入其消息开始的部门案件（每件计一次），办理时长为主件自己的全程时间。'
    : 'Step figures are over the completed steps of completed cases; a mean is the sum of working time ÷ the count; a step is over its limit when its working time exceeds the step’s gov:timeLimit in the model. Done first time: completed cases that never reached a correction request (gov:correction); on time: completed cases whose duration is within the committed limit; trips: a window start, in-person steps and documents handed in at a window. For the master of a 一件事, trips and first-time completion include the department cases its messages started (each once); its duration is the master’s own, start to end.';
  return `<p>${esc(source(c.before.dynamic, c.from))} ${esc(source(c.after.dynamic, c.to))}</p><p class="note">${esc(l.calendar)}</p><p class="note">${esc(steps)}</p>
<table><thead><tr><th>${l.figure}</th><th>${tag(lang, l.before, c.from)}</th><th>${tag(lang, l.after, c.to)}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The 好差评 loop per department of the rated step, before and after. */
function ratingLoopSection(input: ReportInput): string {
  const { lang, comparison: c } = input;
  const zh = lang === 'zh';
  const l = labels(lang);
  const heads = zh
    ? ['部门', '版本', '评价数', '满意度', '差评', '已整改', '按期整改', '已回访', '申诉成立', '默认评价']
    : [
        'Department',
        'Version',
        'Ratings',
        'Satisfaction',
        'Bad',
        'Rectified',
        'On time',
        'Called back',
        'Appeals upheld',
        'Defaulted',
      ];
  const rows = (['before', 'after'] as const).flatMap((side) => {
    const d = c[side].dynamic;
    const version = side === 'before' ? tag(lang, l.before, c.from) : tag(lang, l.after, c.to);
    return d.ratingsByDepartment.map(
      (r) =>
        `<tr><td>${esc(r.department ?? l.none)}</td><td>${version}</td><td class="n">${fmt(r.ratings, 0)}</td><td class="n">${r.satisfaction === null ? esc(l.noData) : pct(r.satisfaction)}</td><td class="n">${fmt(r.badRatings, 0)}</td><td class="n">${fmt(r.rectified, 0)}</td><td class="n">${fmt(r.rectifiedOnTime, 0)}</td><td class="n">${fmt(r.calledBack, 0)}</td><td class="n">${fmt(r.appealsUpheld, 0)}</td><td class="n">${fmt(r.defaulted, 0)}</td></tr>`,
    );
  });
  if (rows.length === 0) return `<p>${zh ? '两个版本均尚无评价。' : 'Neither version has ratings yet.'}</p>`;
  const note = zh
    ? '满意度为 4–5 级（满意、非常满意）评价占比，只计真实评价；默认评价（逾期未评按“基本满意”记）单列。按期整改指整改环节在期限（工作日）内完成。'
    : 'Satisfaction is the share of ratings at 4–5, real ratings only; default ratings (no rating within the set days) are counted apart. On time: the rectification step was done within its deadline in working days.';
  return `<table><thead><tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">${note}</p>`;
}

/** Renders the report. Every text that comes from users (names, departments, keys) is escaped. */
export function renderReport(input: ReportInput): string {
  const { lang, comparison: c } = input;
  const l = labels(lang);
  const name = c.after.name ?? c.before.name ?? c.key;
  const sentences = summarySentences(lang, c.change);
  const chart = durationChart(
    lang,
    comparisonHistogram(c, input.histograms.before, input.histograms.after),
    { before: tag(lang, l.before, c.from), after: tag(lang, l.after, c.to) },
    histogramLimits(c),
  );
  const stamp = new Date(input.generatedAt.getTime() + 8 * 3_600_000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
  return `<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(l.title(name))}</title><style>${CSS}</style></head><body>
<h1>${esc(l.title(name))}</h1>
<p class="meta">${esc(l.versions(c.key, c.from, c.to))}<br>${lang === 'zh' ? `生成时间：${stamp}（北京时间）` : `Generated ${stamp} (Beijing time)`}</p>
${c.calendarEstimated ? `<p class="note estimated">${esc(l.estimated(c.after.calendarHorizon))}</p>\n` : ''}<h2>${l.summary}</h2><ul>${sentences.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
<h2>${l.table}</h2>${figureTable(input)}${departmentWarningTable(input)}
<h2>${l.chart}</h2>${chart}
<h2>${l.slowest}</h2>${slowestSteps(input)}
<h2>${l.breaches}</h2>${breachingSteps(input)}
<h2>${l.ratingsSection}</h2>${ratingLoopSection(input)}
<h2>${l.method}</h2>${methodSection(input)}
<p class="note">${esc(l.printed)}</p>
</body></html>
`;
}
