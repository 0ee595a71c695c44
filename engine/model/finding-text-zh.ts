/**
 * 校验问题的中文说明 — the Chinese text of a deploy finding, by its `type`: what is wrong and how to fix it. The
 * English `message` stays the precise one (it quotes expressions and paths); the server and the modeler show
 * this text first and the English after it.
 */
import type { Finding } from './types.js';

const TEXTS: Record<string, string> = {
  noOutgoing: '没有流出的顺序流：请连接到下一环节或结束事件',
  unexpectedOutgoing: '不应有流出的顺序流：请删除该连线',
  unexpectedIncoming: '不应有流入的顺序流：请删除该连线',
  implicitStart: '没有流入的顺序流，会在流程启动时自行开始：请从开始事件连接到它',
  implicitEnd: '没有流出的顺序流，流程在此处隐式结束：请连接到结束事件',
  noStartEvent: '流程没有开始事件：请添加一个空白开始事件',
  unreachableNode: '从开始事件无法到达：请连接它或删除它',
  missingDepartment: '用户任务没有办理部门：请设置 gov:department 或将其放入泳道',
  missingCondition: '排他/包容网关的流出连线缺少条件：请填写条件（FEEL）或设为默认流',
  conditionOnDefaultFlow: '默认流不应带条件：请删除条件',
  invalidDefaultFlow: '默认流不是该元素的流出连线：请改正默认流',
  ignoredCondition: '此连线上的条件不会被求值：请删除条件或改用网关',
  invalidExpression: 'FEEL 表达式有语法错误：请改正表达式',
  expressionTooLarge: '表达式过长：请拆分或简化',
  expressionsTooLarge: '表达式总量过大：请简化流程中的表达式',
  invalidMapping: '变量映射无效：请检查 gov:in / gov:out 的写法',
  invalidTimeLimit: '承诺时限无效：请填写非负的工作日数',
  timeLimitExceedsStatutory: '承诺时限超过法定时限：请缩短承诺时限',
  invalidTimerExpression: '定时器表达式无效：请使用 ISO 8601 时长/日期或工作日数',
  missingTimerExpression: '定时器没有时间表达式：请填写时长、日期或循环',
  missingCalledElement: '调用活动没有指定被调用的流程：请设置 calledElement',
  missingHandler: '服务任务没有处理器：请设置 gov:handler',
  missingMessage: '消息事件没有引用消息：请选择或新建消息',
  missingMultiInstanceInput: '多实例活动没有输入集合：请设置 gov:collection',
  missingResultVariable: '脚本任务没有结果变量：请设置结果变量',
  missingScript: '脚本任务没有脚本：请填写 FEEL 脚本',
  unsupportedScriptFormat: '不支持此脚本语言：请使用 FEEL',
  crossScopeFlow: '顺序流跨越了子流程边界：请在同一层级内连接',
  invalidAttachment: '边界事件附着的元素无效：请将其附着到活动上',
  unmatchedLink: '链接事件找不到同名的配对事件：请改正名称',
  unboundedLoop: '循环没有等待状态，可能无限运行：请在循环中加入用户任务或事件',
  loopWithoutWaitState: '循环没有等待状态，可能无限运行：请在循环中加入用户任务或事件',
  anyOf: '取值不符合任一允许的形式',
  invalidForm: '表单（gov:form）无法使用：请改正 JSON Schema',
  unknownVariable: '使用了流程中未定义的变量：请在表单中声明它或改正名称',
  unsupportedElement: '引擎不执行此类元素：请改用受支持的元素',
  noProcess: '文件中没有流程：请添加 bpmn:process',
  noExecutableProcess: '没有可执行的流程：请将流程设为可执行（isExecutable）',
  duplicateId: '元素 ID 重复：请为每个元素使用唯一的 ID',
  externalReference: '引用了外部文件，引擎不会读取：请将内容放入本文件',
  unresolvedReference: '引用的元素不存在：请改正引用',
  unknownAttribute: '未知属性，将被忽略：请检查拼写',
  invalidAttributeValue: '属性值无效：请改正取值',
  unparsableContent: '内容无法解析：请检查 XML',
  malformedXml: 'XML 格式错误：请检查标签是否闭合',
  unsupportedEncoding: '不支持此字符编码：请保存为 UTF-8',
  tooManyProblems: '问题过多，只列出前面部分：请先改正已列出的问题',
};

/** The Chinese text of a finding, naming its element: 「approve」用户任务没有办理部门：…. */
export function findingMessageZh(finding: Pick<Finding, 'elementId' | 'type' | 'message'>): string {
  const text = TEXTS[finding.type] ?? `流程图问题（${finding.type}）：请按英文说明改正`;
  return finding.elementId ? `「${finding.elementId}」${text}` : text;
}
