/**
 * The words of every problem the API answers, in Chinese and English: one catalogue. The title of each problem
 * type (`urn:reflow:problem:<code>`) is here; every detail is a `Text` (both languages: a detail cannot be given
 * in one language only), written where it is raised or, when said in more than one place, by one of the `say…`
 * functions below so that each sentence has one home. The sentences of files an operator imports (event logs,
 * holiday schedules) and of fastify's own refusals are in ./problem-text-files.ts, part of this catalogue.
 * server/plugins/problems.ts answers in the language `Accept-Language` prefers (Chinese by default);
 * test/server/problem-text.test.ts checks that every code the server raises has a title here, and
 * test/server/problem-details.test.ts walks the details in both languages.
 */
import type { Language } from './validation-text.js';

/** A text in both languages. */
export interface Text {
  zh: string;
  en: string;
}

/** What a problem says: a text in each language (a plain string is refused by the compiler). */
export type Detail = Text;

export const pick = (detail: Detail, language: Language): string => detail[language];

/** A text placed: `第 3 行：…` / `line 3: …`. */
export const at = (where: Text, text: Text): Text => ({
  zh: `${where.zh}：${text.zh}`,
  en: `${where.en}: ${text.en}`,
});

/** The title of each problem type. */
export const PROBLEM_TITLES: Record<string, Text> = {
  'already-rated': { zh: '已评价过', en: 'Already rated' },
  'bad-request': { zh: '请求不正确', en: 'Bad request' },
  'business-key-taken': { zh: '办件编号已被使用', en: 'Business key already used' },
  'calendar-fixed': { zh: '本节点的工作日历不能更改', en: 'This node’s calendar cannot change' },
  'case-incident': { zh: '办理被中止：办件有故障', en: 'The command was stopped: its case has an incident' },
  'case-not-completed': { zh: '办件尚未办结', en: 'The case is not completed' },
  'case-notOpen': { zh: '此项已不在办理中', en: 'The case cannot take this command now' },
  'case-noSubscriber': { zh: '没有等待此消息的环节', en: 'The case cannot take this command now' },
  'case-notActive': { zh: '办件已不在办理中', en: 'The case cannot take this command now' },
  'case-unknownTask': { zh: '办件中没有此待办', en: 'The case cannot take this command now' },
  'case-alreadyStarted': { zh: '办件已开始', en: 'The case cannot take this command now' },
  'case-noStart': { zh: '不能从此处开始', en: 'The case cannot take this command now' },
  'database-unavailable': { zh: '数据库暂不可用', en: 'The database is not available' },
  'definition-not-executable': { zh: '流程图不能部署', en: 'The BPMN definition cannot be deployed' },
  'doctype-refused': { zh: '不接受 DOCTYPE 和实体声明', en: 'DOCTYPE and entities are not accepted' },
  'empty-event-log': { zh: '事件日志为空', en: 'Empty event log' },
  forbidden: { zh: '无权进行此操作', en: 'Forbidden' },
  'form-unusable': { zh: '表单无法校验', en: 'The form cannot be checked' },
  'idempotency-key-reused': {
    zh: '幂等键已用于另一个请求',
    en: 'Idempotency-Key reused with another request',
  },
  internal: { zh: '服务器内部错误', en: 'Internal error' },
  'invalid-calendar-year': { zh: '节假日安排无效', en: 'The holiday schedule is not valid' },
  'invalid-event-log': { zh: '事件日志无效', en: 'Invalid event log' },
  'invalid-form': { zh: '表单填写不正确', en: 'The form is not filled in correctly' },
  'invalid-json': { zh: '请求体不是有效的 JSON', en: 'The body is not valid JSON' },
  'invalid-note': { zh: '督办意见无效', en: 'Invalid note' },
  'invalid-request': { zh: '请求不正确', en: 'The request is not valid' },
  'invalid-url': { zh: '网址无效', en: 'The URL is not valid' },
  'invalid-value': {
    zh: '请求中有数据库无法保存的值',
    en: 'The request holds a value the database cannot take',
  },
  'invalid-webhook': { zh: '事件推送配置无效', en: 'Invalid webhook' },
  'message-not-deliverable': { zh: '没有等待此消息的办件', en: 'Nothing waits for the message' },
  'message-refused': { zh: '消息被拒绝', en: 'The message was refused' },
  'no-previous-version': { zh: '没有可比较的版本', en: 'Nothing to compare with' },
  'not-found': { zh: '未找到', en: 'Not found' },
  'payload-too-large': { zh: '日志太大', en: 'Log too large' },
  'rate-limited': { zh: '请求过于频繁', en: 'Too many requests' },
  'rectification-not-deployed': {
    zh: '差评整改流程尚未部署',
    en: 'The rectification process is not deployed',
  },
  'same-version': { zh: '没有可比较的内容', en: 'Nothing to compare' },
  'step-not-done': { zh: '该环节尚未办结', en: 'The step is not done yet' },
  'task-conflict': { zh: '待办现在不能这样办理', en: 'The task cannot take this now' },
  'too-large': { zh: '请求体太大', en: 'The request body is too large' },
  unauthenticated: { zh: '未登录', en: 'Authentication required' },
  'unmatched-activities': { zh: '活动与流程元素对不上', en: 'Activities match no element' },
  'unsupported-media-type': { zh: '不支持的内容类型', en: 'Unsupported media type' },
};

/** The title of a problem type in a language; a code not in the catalogue keeps the title it was raised with. */
export function problemTitle(code: string, language: Language, raisedWith: string): string {
  return PROBLEM_TITLES[code]?.[language] ?? raisedWith;
}

// ── details said in more than one place ──────────────────────────────────────────────────────────────────

export const sayCaseMissing = (caseId: string): Text => ({
  zh: `办件“${caseId}”不存在：请核对办件 id，或在办件页按办件编号查找`,
  en: `case '${caseId}' does not exist`,
});

export const sayTaskMissing = (taskId: string): Text => ({
  zh: `待办“${taskId}”不存在：请刷新待办列表`,
  en: `task '${taskId}' does not exist`,
});

export const sayNotDeployed = (key: string): Text => ({
  zh: `流程“${key}”尚未部署：请先在建模器中部署`,
  en: `process '${key}' is not deployed`,
});

export const sayNoVersion = (key: string, version: number | string): Text => ({
  zh: `流程“${key}”没有版本 ${version}`,
  en: `process '${key}' has no version ${version}`,
});

export const sayNoRoute = (method: string, path: string): Text => ({
  zh: `没有此接口：${method} ${path}（接口列表见 /docs）`,
  en: `no route ${method} ${path} (the routes are listed at /docs)`,
});

export const sayDefinitionMissing = (definitionId: string, caseId: string): Text => ({
  zh: `办件“${caseId}”所用的流程定义“${definitionId}”已不在数据库中：请管理员从备份恢复该定义`,
  en: `definition '${definitionId}' of case '${caseId}' is missing from the database: restore it from a backup`,
});

/** What each refusal of the engine (CommandRejected's code) means, in Chinese; the engine's English follows. */
const COMMAND_REJECTED_ZH: Record<string, string> = {
  notOpen: '此待办（或定时器）已不在办理中，可能已被办结或取消：请刷新后再看',
  noSubscriber: '办件中没有等待此消息或信号的环节',
  notActive: '办件已办结或已撤销，不能再办理',
  unknownTask: '办件中没有此待办',
  alreadyStarted: '办件已经开始',
  noStart: '流程不能从此处开始',
};

export const sayCommandRejected = (code: string, english: string): Text => ({
  zh: `${COMMAND_REJECTED_ZH[code] ?? '办件现在不能执行此操作'}（${english}）`,
  en: english,
});
