/**
 * Part of the problem catalogue (./problem-text.ts): the sentences of the files an operator imports — event logs
 * (XES, CSV) and a year's holiday schedule (JSON or the State Council notice's text) — and of the requests fastify
 * refuses before a route runs (a body that is not JSON, too large, of a type no route reads; a URL that cannot be
 * decoded). Each is a `Text`: Chinese and English, naming what is wrong and how to put it right.
 */
import type { ScheduleError, ScheduleProblem, ScheduleReason } from '../engine/calendar/index.js';
import type { Text } from './problem-text.js';

// ── event logs (server/metrics/event-log-parse.ts, event-log-import.ts) ──────────────────────────────────

/** Where in a log: a line, an event of an XES trace, a trace, a CSV case. */
export const logPlace = {
  line: (line: number): Text => ({ zh: `第 ${line} 行`, en: `line ${line}` }),
  xesEvent: (line: number, trace: number, caseId: string | null, event: number): Text => ({
    zh: `第 ${line} 行（第 ${trace} 条轨迹${caseId ? `“${caseId}”` : ''}的第 ${event} 个事件）`,
    en: `line ${line}, trace ${trace}${caseId ? ` ('${caseId}')` : ''}, event ${event}`,
  }),
  xesTrace: (trace: number, caseId: string, line: number): Text => ({
    zh: `第 ${trace} 条轨迹（“${caseId}”，第 ${line} 行）`,
    en: `trace ${trace} ('${caseId}', line ${line})`,
  }),
  csvCase: (caseId: string, line: number): Text => ({
    zh: `办件“${caseId}”（首见于第 ${line} 行）`,
    en: `case '${caseId}' (first at line ${line})`,
  }),
};

/** What is wrong with an event log. */
export const logText = {
  notUtf8: (): Text => ({
    zh: '日志不是有效的 UTF-8 文本：请以 UTF-8 编码另存后再导入',
    en: 'the log is not valid UTF-8 text: save it as UTF-8 and import it again',
  }),
  empty: (): Text => ({
    zh: '日志为空：请选择含有事件的日志文件',
    en: 'the log is empty: choose a file with events',
  }),
  noXesLog: (): Text => ({
    zh: '日志中没有 XES 的 <log> 元素：请上传 XES 文件，或以 text/csv 上传 CSV',
    en: 'the log is empty: no XES <log> element; send an XES file, or a CSV one as text/csv',
  }),
  doctype: (): Text => ({
    zh: '事件日志中不接受 DOCTYPE 声明：请删除 <!DOCTYPE …>',
    en: 'DOCTYPE declarations are not accepted in an event log: remove the <!DOCTYPE …>',
  }),
  malformedXml: (parser: string): Text => ({
    zh: `XML 格式不正确（${parser}）：请检查此处的标签是否成对闭合、属性值是否加了引号`,
    en: `${parser}: check that the tags here are closed and the attribute values quoted`,
  }),
  rootNotLog: (tag: string): Text => ({
    zh: `根元素是 <${tag}>，不是 XES 的 <log>：请上传 XES 文件`,
    en: `the root element is <${tag}>, not the XES <log>`,
  }),
  eventOutsideTrace: (): Text => ({
    zh: '<event> 不在 <trace> 之内：Reflow 只导入轨迹中的事件，请把它移入所属的 <trace>',
    en: 'an <event> outside a <trace>: Reflow imports the events of traces',
  }),
  attributeWithoutValue: (tag: string, key: string): Text => ({
    zh: `属性 <${tag} key="${key}"> 没有 value：请补上 value="…"`,
    en: `the attribute <${tag} key="${key}"> has no value`,
  }),
  noActivity: (): Text => ({
    zh: '事件没有 concept:name（活动名称）：请补上 <string key="concept:name" value="…"/>',
    en: 'the event has no concept:name (activity)',
  }),
  noTimestamp: (): Text => ({
    zh: '事件没有 time:timestamp（时间）：请补上 <date key="time:timestamp" value="…"/>',
    en: 'the event has no time:timestamp',
  }),
  notATimestamp: (column: string, value: string): Text => ({
    zh: `${column}“${value}”不是 ISO 8601 日期时间：请写作 2026-03-02T09:30:00+08:00 的格式`,
    en: `${column} '${value}' is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00)`,
  }),
  traceWithoutCaseId: (trace: number): Text => ({
    zh: `第 ${trace} 条轨迹没有 concept:name（办件编号）：请在 <trace> 下补上 <string key="concept:name" value="…"/>`,
    en: `trace ${trace} has no concept:name (case id)`,
  }),
  /** Each missing column by its accepted names (Reflow's, PM4Py's). */
  headerLacks: (missing: string[][], found: string[]): Text => ({
    zh: `表头缺少列 ${missing.map((names) => names.join(' 或 ')).join('、')}（现有：${found.join('、')}）：第一行须为列名`,
    en: `the header lacks the column ${missing.map((names) => names.join(' or ')).join(', ')} (found: ${found.join(', ')})`,
  }),
  emptyCaseId: (): Text => ({ zh: '办件编号（case_id）为空：请填写', en: 'the case id is empty' }),
  emptyActivity: (): Text => ({ zh: '活动（activity）为空：请填写', en: 'the activity is empty' }),
  malformedCsv: (parser: string): Text => ({
    zh: `CSV 格式不正确（${parser}）：请检查此行的列数与引号`,
    en: `${parser}: check this line's columns and quotes`,
  }),
  traceWithoutEvents: (): Text => ({
    zh: '轨迹中没有事件：请删去此轨迹，或补上其事件',
    en: 'the trace has no events',
  }),
  notStandardLifecycle: (value: string, standard: string[]): Text => ({
    zh: `lifecycle:transition“${value}”不是 XES 标准的状态转换（${standard.join('、')}）`,
    en: `lifecycle:transition '${value}' is not one of the XES standard transitions (${standard.join(', ')})`,
  }),
  noEvents: (): Text => ({
    zh: '日志中没有事件：未导入任何数据',
    en: 'the log has no events: nothing was imported',
  }),
  nothingImported: (problem: Text): Text => ({
    zh: `${problem.zh}；未导入任何数据`,
    en: `${problem.en}; nothing was imported`,
  }),
  tooLarge: (limitMb: number): Text => ({
    zh: `日志超过 ${limitMb} MB：请拆分后分批导入`,
    en: `the log exceeds ${limitMb} MB: split it and import the parts`,
  }),
};

/** Why an activity of a log matches no element of the version. */
export const unmatchedReason = {
  elementNotInModel: (elementId: string): Text => ({
    zh: `元素 id“${elementId}”不在流程图中`,
    en: `element id '${elementId}' is not in the model`,
  }),
  noMatch: (): Text => ({ zh: '与任何元素的 id 或名称都不相同', en: 'matches no element id or name' }),
  severalNamed: (ids: string[]): Text => ({
    zh: `是多个元素的名称（${ids.join('、')}）：请在日志中给出 element_id`,
    en: `is the name of several elements (${ids.join(', ')}): give the element_id in the log`,
  }),
};

export const sayUnmatchedActivity = (activity: string, reason: Text, count: number, where: Text): Text => ({
  zh: `活动“${activity}”${reason.zh}（${count} 个事件；首见于${where.zh}）`,
  en: `'${activity}' ${reason.en} (${count} event${count === 1 ? '' : 's'}; first at ${where.en})`,
});

export const sayUnmatchedActivities = (activities: string[], key: string, version: number): Text => ({
  zh: `${activities.length} 个活动与流程“${key}”版本 ${version} 的任何元素都对不上：${activities.join('、')}；未导入任何数据。请在日志中用元素的 id 或名称，或导入到日志所记录的版本`,
  en: `${activities.length} activit${activities.length === 1 ? 'y matches' : 'ies match'} no element of '${key}' version ${version}: ${activities.join(', ')}; nothing was imported. Name the elements by id or name in the log, or import it into the version it was recorded on`,
});

// ── a year's holiday schedule (engine/calendar/year-schedule.ts) ──────────────────────────────────────────

const WEEKDAYS_ZH = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

/** The Chinese of each reason the engine refuses a schedule for; its English is the engine's message. */
function scheduleZh(year: number, field: string, r: ScheduleReason): string {
  switch (r.code) {
    case 'yearOutOfRange':
      return `年份 ${year} 不在 ${r.min} 至 ${r.max} 之间：请给出正确的年份`;
    case 'notAnObject':
      return `节假日安排应为 JSON 对象 { "holidays": ["${year}-01-01", …], "workdays": […] }，或以 text/plain 发送国务院办公厅通知原文`;
    case 'unknownKey':
      return `“${r.key}”不属于节假日安排：只能给出 "holidays"（放假日期）和 "workdays"（调休上班日期）`;
    case 'notAList':
      return `${r.key} 应为 ${year} 年日期的数组，每个日期写作 YYYY-MM-DD`;
    case 'noHolidays':
      return 'holidays 为空：每年都有放假日（元旦、春节……），请列出';
    case 'notADate':
      return `${field} 是 ${r.value}，不是 YYYY-MM-DD 格式的日期（例如 "${year}-10-01"）`;
    case 'noSuchDate':
      return `${field} 是 ${r.date}，日历上没有这一天`;
    case 'otherYear':
      return `${field} 是 ${r.date}，不在 ${year} 年内：每年的安排只含当年的日期`;
    case 'listedTwice':
      return `${field} 是 ${r.date}，已在 ${r.first} 列出：请删去重复的一项`;
    case 'alsoHoliday':
      return `${field} 是 ${r.date}，它同时列为放假日：同一天不能既放假又调休上班`;
    case 'weekdayWorkday':
      return `${field} 是 ${r.date}（${WEEKDAYS_ZH[r.weekday]}），本来就是工作日：调休上班日应为星期六或星期日`;
    case 'allOnWeekends':
      return `${year} 年的放假日都在星期六或星期日，这样的安排不会改变任何一天：日期是否错位，或属于别的年份？`;
    case 'noticeOfOtherYear':
      return `通知标题写的是 ${r.noticeYear} 年，不是 ${year} 年：请作为 ${r.noticeYear} 年加载`;
    case 'noMonth':
      return `「${r.sentence}」：“${r.text}”没有写月份`;
    case 'noticeNoSuchDate':
      return `「${r.sentence}」：${r.text}不是有效日期`;
    case 'weekdayMismatch':
      return `「${r.sentence}」：${r.date} 是${WEEKDAYS_ZH[r.weekday]}，但通知写的是${r.said}：这是否是 ${year} 年以外的通知？`;
    case 'periodBackwards':
      return `「${r.sentence}」：假期的结束日（${r.end}）早于开始日（${r.start}）`;
    case 'dayCountMismatch':
      return `「${r.sentence}」：通知写共 ${r.said} 天，但 ${r.first} 至 ${r.last} 是 ${r.count} 天`;
    case 'noDaysOff':
      return '没有找到放假日（“放假”）：请给出通知原文，例如“元旦：1月1日（周五）放假1天。”';
  }
}

/** One field of a refused schedule, in both languages. */
export const sayScheduleProblem = (year: number, problem: ScheduleProblem): Text => ({
  zh: scheduleZh(year, problem.field, problem.reason),
  en: problem.message,
});

/** A refused schedule as a whole: its first problem, and how many more. */
export function sayScheduleError(year: number, error: ScheduleError): Text {
  const [first, ...rest] = error.errors;
  const whole = first.field === 'notice' ? '通知原文无法读取' : `${year} 年的节假日安排无效`;
  const more = rest.length > 0 ? `（另有 ${rest.length} 处问题，见 errors）` : '';
  return { zh: `${whole}：${sayScheduleProblem(year, first).zh}${more}`, en: error.message };
}

export const sayScheduleMissing = (year: number): Text => ({
  zh: `请发送 ${year} 年的节假日安排：JSON { "holidays": [...], "workdays": [...] }，或以 text/plain 发送国务院办公厅通知原文`,
  en: `send ${year}'s schedule as JSON { "holidays": [...], "workdays": [...] }, or the State Council notice's text as text/plain`,
});

export const sayCalendarFixed = (): Text => ({
  zh: '本节点的办件服务使用固定的工作日历，不能加载年份：请以可更新的日历（createLiveCalendar）启动本节点',
  en: 'the case service of this node was given a fixed calendar: give it a live one (createLiveCalendar) to load years',
});

// ── fastify's refusals (server/plugins/problems.ts) ────────────────────────────────────────────────────────

export const requestText = {
  invalidJson: (): Text => ({
    zh: 'Content-Type 为 application/json，但请求体不是有效的 JSON（或含有 __proto__、constructor.prototype 键）：请检查括号、引号与逗号；若发送的不是 JSON，请改正 Content-Type',
    en: "the body is not valid JSON (or holds a __proto__ or constructor.prototype key) but Content-Type is 'application/json': check its brackets, quotes and commas, or send the right Content-Type",
  }),
  emptyJson: (): Text => ({
    zh: 'Content-Type 为 application/json，但请求体为空：请发送 JSON（例如 {}），或不带 Content-Type 头',
    en: "the body is empty but Content-Type is 'application/json': send JSON (e.g. {}), or no Content-Type",
  }),
  unsupportedMediaType: (contentType: string): Text => ({
    zh: `此接口不读取内容类型“${contentType}”：请以 application/json 发送（导入日志用 application/xml 或 text/csv，节假日通知用 text/plain）`,
    en: `this route does not read '${contentType}': send application/json (event logs: application/xml or text/csv; a holiday notice: text/plain)`,
  }),
  tooLarge: (limitBytes: number): Text => ({
    zh: `请求体超过此接口允许的 ${formatBytes(limitBytes)}：请缩小后再发送`,
    en: `the body exceeds the ${formatBytes(limitBytes)} this route accepts: send less`,
  }),
  lengthMismatch: (): Text => ({
    zh: '请求体的长度与 Content-Length 头不符：请求可能被截断，请重新发送',
    en: 'the body size does not match Content-Length: the request may have been cut short; send it again',
  }),
  badUrl: (url: string): Text => ({
    zh: `网址“${url}”含有无法解码的百分号编码：中文等字符须按 UTF-8 编码（例如 encodeURIComponent）`,
    en: `the URL '${url}' holds percent-encoding that is not valid UTF-8: encode its characters as UTF-8 (e.g. encodeURIComponent)`,
  }),
  paramTooLong: (url: string): Text => ({
    zh: `网址“${url}”中的某个参数太长：请缩短`,
    en: `a parameter of the URL '${url}' is too long: shorten it`,
  }),
  /** A refusal fastify raises that has no sentence of its own here: its words, said to be fastify's. */
  other: (status: number, message: string): Text => ({
    zh: `请求被拒绝（HTTP ${status}：${message}）`,
    en: `the request was refused (HTTP ${status}): ${message}`,
  }),
};

const formatBytes = (bytes: number): string =>
  bytes >= 1_048_576 && bytes % 1_048_576 === 0
    ? `${bytes / 1_048_576} MB`
    : bytes >= 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${bytes} B`;

// ── messages (server/messages/message-service.ts) ─────────────────────────────────────────────────────────

export const sayMessageCouldNotStart = (name: string, why: Text): Text => ({
  zh: `消息“${name}”未能开始办件：${why.zh}`,
  en: `message '${name}' could not start a case: ${why.en}`,
});
