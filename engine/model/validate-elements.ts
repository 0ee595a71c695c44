/**
 * The checks of what each element and the process declare: time limits, departments, scripts, handlers, called
 * processes, event definitions, boundary attachments, loops, and the size of the definition's FEEL expressions
 * together. validate.ts runs them after the structural checks (validate-structure.ts).
 */
import { FEEL_LIMITS, FEEL_SIZE_FIX } from './feel-limits.js';
import { timerExpressionError } from './timer-expression.js';
import { type FlowNode, isActivity } from './types.js';
import { describe, type GraphCheck } from './validate-context.js';

/** The process's committed and statutory time limits. */
export function checkProcessTimeLimits(check: GraphCheck): void {
  const { graph, add, limit } = check;
  limit(graph.key, `gov:timeLimit of process '${graph.key}'`, graph.timeLimit);
  limit(graph.key, `gov:statutoryLimit of process '${graph.key}'`, graph.statutoryLimit);
  warnShare(check, graph.key, `gov:warnAt of process '${graph.key}'`, graph.warnAt);
  if (graph.timeLimit !== null && graph.statutoryLimit !== null && graph.timeLimit > graph.statutoryLimit) {
    add(
      graph.key,
      'timeLimitExceedsStatutory',
      'warning',
      `the committed time limit of process '${graph.key}' (gov:timeLimit, 承诺时限) is ${graph.timeLimit} working days, more than its statutory limit (gov:statutoryLimit, 法定时限) of ${graph.statutoryLimit}: the committed limit must lie within the statutory one`,
    );
  }
}

/** A yellow-card share (`gov:warnAt`, 黄牌预警): more than 0 and less than 1 of the time limit. */
function warnShare(check: GraphCheck, elementId: string, what: string, value: number | undefined): void {
  if (value === undefined || (value > 0 && value < 1)) return;
  check.add(
    elementId,
    'invalidWarnAt',
    'error',
    `${what} is ${value}: 黄牌预警的时限占比须大于 0 且小于 1 / the share of the time limit used at which a yellow card is raised must lie between 0 and 1 (exclusive); write e.g. 0.7 for 70%`,
  );
}

/** Every element, each part of it in turn. */
export function checkElements(check: GraphCheck): void {
  for (const node of check.nodes) {
    checkElementSettings(check, node);
    checkEventDefinition(check, node);
    checkAttachment(check, node);
    checkLoop(check, node);
  }
}

/** Time limit, department, and what a script, service or call activity needs to run. */
function checkElementSettings(check: GraphCheck, node: FlowNode): void {
  const { add, expression, limit } = check;
  limit(node.id, `gov:timeLimit of ${describe(node)}`, node.timeLimit);
  warnShare(check, node.id, `gov:warnAt of ${describe(node)}`, node.warnAt);
  if (node.warnAt !== undefined && node.timeLimit === null)
    add(
      node.id,
      'warnAtWithoutTimeLimit',
      'warning',
      `${describe(node)} has gov:warnAt but no gov:timeLimit: a yellow card needs a time limit; add gov:timeLimit or remove gov:warnAt`,
    );
  if (node.department?.startsWith('='))
    expression(node.id, `gov:department of ${describe(node)}`, node.department);
  if (node.candidates?.startsWith('='))
    expression(node.id, `gov:candidates of ${describe(node)}`, node.candidates);

  if ((node.type === 'userTask' || node.type === 'manualTask') && node.department === null) {
    add(
      node.id,
      'missingDepartment',
      'error',
      `${describe(node)} has no department: set gov:department or put it in a lane`,
    );
  }
  if (node.type === 'scriptTask') {
    if (node.scriptFormat?.trim().toLowerCase() !== 'feel') {
      add(
        node.id,
        'unsupportedScriptFormat',
        'error',
        `${describe(node)} ${node.scriptFormat ? `has scriptFormat '${node.scriptFormat}'` : 'has no scriptFormat'}: Reflow runs FEEL scripts only; set scriptFormat="feel" and write the script in FEEL`,
      );
    } else if (node.script === null || node.script.trim() === '') {
      add(
        node.id,
        'missingScript',
        'error',
        `${describe(node)} has no script: write a FEEL expression in its bpmn:script`,
      );
    } else {
      expression(node.id, `the script of ${describe(node)}`, node.script);
    }
    if (node.resultVariable === null) {
      add(
        node.id,
        'missingResultVariable',
        'warning',
        `${describe(node)} has no gov:resultVariable, so the script's result is discarded: set gov:resultVariable to the variable that receives it`,
      );
    }
  }
  if (node.type === 'serviceTask' && node.handler === null) {
    add(
      node.id,
      'missingHandler',
      'error',
      `${describe(node)} has no gov:handler: set it to the name of a handler registered in the server`,
    );
  }
  if (node.type === 'callActivity' && node.calledElement === null) {
    add(
      node.id,
      'missingCalledElement',
      'error',
      `${describe(node)} has no calledElement: set it to the key of the process to call`,
    );
  }
  const sendsMessage =
    node.type === 'sendTask' ||
    ((node.type === 'intermediateThrowEvent' || node.type === 'endEvent') && node.event?.kind === 'message');
  for (const [kind, mappings, reads, fix] of [
    ['gov:in', node.inputs, node.type === 'callActivity', 'make the element a call activity'],
    ['gov:out', node.outputs, node.type === 'callActivity', 'make the element a call activity'],
    ['gov:payload', node.payload, sendsMessage, 'put it on a message throw or end event or a send task'],
  ] as const) {
    for (const { source, target } of mappings ?? []) {
      if (!reads) {
        const reader =
          kind === 'gov:payload' ? 'only an element that sends a message' : 'only a call activity';
        add(
          node.id,
          'invalidMapping',
          'error',
          `${describe(node)} has a ${kind} mapping, which ${reader} reads: remove it, or ${fix}`,
        );
        break;
      }
      if (source === '' || target === '' || !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(target)) {
        add(
          node.id,
          'invalidMapping',
          'error',
          `${kind} of ${describe(node)} (source '${source}', target '${target}') needs a source (a FEEL expression '=…' or a variable name) and a target that is a variable name: write e.g. <${kind} source="=applicant.name" target="applicantName"/>`,
        );
      } else if (source.startsWith('=')) {
        expression(node.id, `the ${kind} source of ${describe(node)} for '${target}'`, source);
      }
    }
  }
}

/** Timer, message and conditional definitions say when, which message, and what condition. */
function checkEventDefinition(check: GraphCheck, node: FlowNode): void {
  const { add, expression } = check;
  const event = node.event;
  if (event?.kind === 'timer') {
    if (
      event.timer === 'workingDays' &&
      !event.expression.startsWith('=') &&
      !(Number(event.expression) >= 0)
    ) {
      add(
        node.id,
        'invalidTimeLimit',
        'error',
        `gov:workingDays of timer ${describe(node)} must be a number of working days ≥ 0 or a FEEL expression starting with '=', not '${event.expression}'`,
      );
    } else if (event.expression.trim() === '') {
      add(
        node.id,
        'missingTimerExpression',
        'error',
        `timer ${describe(node)} has no time expression: set timeDuration (e.g. P5D), timeDate or timeCycle`,
      );
    } else if (event.expression.trim().startsWith('=')) {
      expression(node.id, `the timer expression of ${describe(node)}`, event.expression);
    } else if (event.timer !== 'workingDays') {
      const problem = timerExpressionError(event.timer, event.expression);
      if (problem) add(node.id, 'invalidTimerExpression', 'error', `timer ${describe(node)}: ${problem}`);
    }
  }
  if (event?.kind === 'message' && event.name.trim() === '') {
    add(
      node.id,
      'missingMessage',
      'error',
      `message ${describe(node)} has no message name: set messageRef to a bpmn:message with a name (the name a message is sent with)`,
    );
  }
  if (event?.kind === 'message' && event.correlationKey !== undefined)
    expression(
      node.id,
      `gov:correlationKey of message '${event.name}' at ${describe(node)}`,
      event.correlationKey,
    );
  if (event?.kind === 'conditional') {
    if (event.condition.trim() === '') {
      add(
        node.id,
        'missingCondition',
        'error',
        `conditional ${describe(node)} has no condition: write a FEEL condition in its bpmn:condition`,
      );
    } else {
      expression(node.id, `the condition of ${describe(node)}`, event.condition);
    }
  }
}

/** A boundary event is attached to an activity beside it. */
function checkAttachment(check: GraphCheck, node: FlowNode): void {
  const { graph, add } = check;
  if (node.type === 'boundaryEvent') {
    const host = node.attachedTo ? graph.nodes[node.attachedTo] : undefined;
    if (!host) {
      add(
        node.id,
        'invalidAttachment',
        'error',
        `boundary event '${node.id}' is attached to ${node.attachedTo ? `'${node.attachedTo}', which does not exist` : 'nothing'}: attach it to an activity`,
      );
    } else if (!isActivity(host)) {
      add(
        node.id,
        'invalidAttachment',
        'error',
        `boundary event '${node.id}' is attached to ${describe(host)}, which is not an activity: attach it to a task or subprocess`,
      );
    } else if (host.scope !== node.scope) {
      add(
        node.id,
        'invalidAttachment',
        'error',
        `boundary event '${node.id}' lies in '${node.scope}' but its activity '${host.id}' lies in '${host.scope}': put the boundary event beside its activity`,
      );
    }
  }
}

/** A loop stops; a multi-instance knows how many instances it has. */
function checkLoop(check: GraphCheck, node: FlowNode): void {
  const { add, expression } = check;
  const loop = node.loop;
  if (loop?.kind === 'standard') {
    expression(node.id, `the loop condition of ${describe(node)}`, loop.condition);
    if (loop.condition === null && loop.maximum === null) {
      add(
        node.id,
        'unboundedLoop',
        'error',
        `${describe(node)} loops with neither a loopCondition nor a loopMaximum, so it never stops: set one of them`,
      );
    }
  } else if (loop?.kind === 'multi') {
    expression(node.id, `the loopCardinality of ${describe(node)}`, loop.cardinality);
    expression(node.id, `gov:collection of ${describe(node)}`, loop.collection);
    expression(node.id, `the completionCondition of ${describe(node)}`, loop.completionCondition);
    if (loop.cardinality === null && (loop.collection === null || loop.collection.trim() === '')) {
      add(
        node.id,
        'missingMultiInstanceInput',
        'error',
        `multi-instance ${describe(node)} has neither a loopCardinality nor a gov:collection, so the number of instances is unknown: set gov:collection (e.g. "=reviewers") or loopCardinality`,
      );
    }
  }
}

/** The FEEL expressions of the definition together stay within FEEL_LIMITS (checked once every one is counted). */
export function checkExpressionTotal(check: GraphCheck): void {
  const { graph, add, feelTotal } = check;
  if (
    feelTotal.tokens > FEEL_LIMITS.totalTokens ||
    feelTotal.contextEntries > FEEL_LIMITS.totalContextEntries
  ) {
    const over =
      feelTotal.tokens > FEEL_LIMITS.totalTokens
        ? `${feelTotal.tokens.toLocaleString('en-US')} tokens, more than the ${FEEL_LIMITS.totalTokens.toLocaleString('en-US')} a definition may have`
        : `${feelTotal.contextEntries.toLocaleString('en-US')} context entries, more than the ${FEEL_LIMITS.totalContextEntries.toLocaleString('en-US')} a definition may have`;
    add(
      feelTotal.largest.elementId,
      'expressionsTooLarge',
      'error',
      `the FEEL expressions of process '${graph.key}' hold ${over} together ('${feelTotal.largest.elementId}' holds the largest, ${feelTotal.largest.tokens.toLocaleString('en-US')} tokens): ${FEEL_SIZE_FIX}`,
    );
  }
}
