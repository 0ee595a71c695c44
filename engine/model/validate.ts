/**
 * Structural validation of a process graph: what BPMN and Reflow's dialect require of the model itself.
 * Whether an element type can run at all is the element registry's question (engine/elements), asked when
 * a definition is compiled; this module knows only the model.
 */
import { parseExpression } from 'feelin';
import { FEEL_LIMITS, FEEL_SIZE_FIX, feelSize, feelSizeProblem, feelSource } from './feel-limits.js';
import { parseBpmn } from './parse.js';
import { timerExpressionError } from './timer-expression.js';
import {
  type Finding,
  type FlowNode,
  isActivity,
  type ParseResult,
  type ProcessGraph,
  type Severity,
} from './types.js';
import { waitlessCycleFindings } from './waitless-cycles.js';

/**
 * The syntax error of a FEEL expression (a leading `=` allowed), or null when it parses. Only parses:
 * nothing is evaluated, so variables unknown at deploy time are never an error.
 */
export function feelSyntaxProblem(expression: string): string | null {
  const source = feelSource(expression);
  if (source === '') return 'the expression is empty';
  const tooLarge = feelSizeProblem(feelSize(source));
  if (tooLarge) return `the expression is too large to run: ${tooLarge}`;
  let problem: string | null = null;
  parseExpression(source, {}, undefined).iterate({
    enter(ref) {
      if (problem !== null) return false;
      if (!ref.type.isError) return undefined;
      // an error node either covers the unexpected text or marks, with no width, where something is missing
      const next =
        ref.from !== ref.to ? ref.node : (ref.node.nextSibling ?? ref.node.parent?.nextSibling ?? null);
      if (next && next.from < source.length) {
        problem = `unexpected '${source.slice(next.from, Math.max(next.to, next.from + 1))}' at character ${next.from + 1}`;
      } else if (ref.from < source.length) {
        problem = `unexpected '${source.charAt(ref.from)}' at character ${ref.from + 1}`;
      } else {
        problem = `the expression ends too early (incomplete ${ref.node.parent?.name ?? 'expression'})`;
      }
      return false;
    },
  });
  return problem;
}

const describe = (node: FlowNode): string =>
  `${node.type} '${node.id}'${node.name ? ` (${node.name.replace(/\s+/g, ' ').trim()})` : ''}`;

const isEventSubprocess = (node: FlowNode): boolean => node.type === 'subProcess' && node.triggeredByEvent;
const isLinkCatch = (node: FlowNode): boolean =>
  node.type === 'intermediateCatchEvent' && node.event?.kind === 'link';
const isLinkThrow = (node: FlowNode): boolean =>
  node.type === 'intermediateThrowEvent' && node.event?.kind === 'link';
/** Scopes whose contents are not connected by sequence flows (BPMN §10.3.9): no start, no flow rules. */
const isAdHoc = (node: FlowNode | undefined): boolean => node?.type === 'adHocSubProcess';
/**
 * Cancel and compensation boundary events (read with an eventDefinitionCount of 100 or more, refused by the
 * element registry): a compensation boundary event rightly has no outgoing flow, only an association.
 */
const isRefusedBoundary = (node: FlowNode): boolean =>
  node.type === 'boundaryEvent' && node.event === null && node.eventDefinitionCount >= 100;
const ROUTING_GATEWAYS = new Set(['exclusiveGateway', 'inclusiveGateway', 'complexGateway']);
const IGNORING_CONDITIONS = new Set(['parallelGateway', 'eventBasedGateway']);

/** Structural findings of a graph; an empty list means the model itself is sound. */
/** Options of validation: `onExpression` sees every FEEL expression that is valid (the runtime prepares for it). */
export interface ValidateOptions {
  onExpression?: (expression: string) => void;
}

export function validateGraph(graph: ProcessGraph, options: ValidateOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const add = (elementId: string | null, type: string, severity: Severity, message: string): void => {
    findings.push({ elementId, type, severity, message });
  };
  /** what the definition's expressions hold together (FEEL_LIMITS.total…) and the element holding the most */
  const feelTotal = { tokens: 0, contextEntries: 0, largest: { elementId: '', tokens: -1 } };
  const expression = (elementId: string, what: string, text: string | null): void => {
    if (text === null) return;
    // measured before parsing: feelin's parse of a large literal alone takes seconds to minutes
    const size = feelSize(text);
    const tooLarge = feelSizeProblem(size);
    if (tooLarge) {
      add(
        elementId,
        'expressionTooLarge',
        'error',
        `${what} is too large to run: ${tooLarge}; ${FEEL_SIZE_FIX}`,
      );
      return;
    }
    feelTotal.tokens += size.tokens;
    feelTotal.contextEntries += size.contextEntries;
    if (size.tokens > feelTotal.largest.tokens) feelTotal.largest = { elementId, tokens: size.tokens };
    const problem = feelSyntaxProblem(text);
    if (!problem) {
      options.onExpression?.(text);
      return;
    }
    const juel = /^\s*[$#]\{[\s\S]*\}\s*$/.test(text);
    add(
      elementId,
      'invalidExpression',
      'error',
      juel
        ? `${what} is not FEEL ('${text}' is a JUEL expression): write it in FEEL, without \${…} (e.g. \${approved} becomes approved, \${!ok} becomes not(ok))`
        : `${what} is not valid FEEL ('${text.length > 200 ? `${text.slice(0, 200)}…` : text}': ${problem}): correct the expression`,
    );
  };
  const nodes = Object.values(graph.nodes);

  // scopes: a start event in the process and in every embedded subprocess
  for (const scope of Object.values(graph.scopes)) {
    const container = graph.nodes[scope.id];
    if (isAdHoc(container)) continue;
    if (scope.startEvents.length > 0) continue;
    const heads = scope.nodes.filter((id) => {
      const node = graph.nodes[id];
      return (
        node.incoming.length === 0 &&
        node.type !== 'boundaryEvent' &&
        !isEventSubprocess(node) &&
        !isLinkCatch(node)
      );
    });
    const hint = heads.length > 0 ? ` and connect it to ${heads.map((id) => `'${id}'`).join(', ')}` : '';
    if (!container) {
      add(
        scope.id,
        'noStartEvent',
        'error',
        `process '${scope.id}' has no start event, so no case can start: add a none start event${hint}`,
      );
    } else {
      add(
        scope.id,
        'noStartEvent',
        'error',
        `${describe(container)} has no start event: add one inside it${hint} (Reflow does not start a subprocess implicitly at every node without incoming flow)`,
      );
    }
  }

  // nodes: ways in and out
  for (const node of nodes) {
    if (isAdHoc(graph.nodes[node.scope])) continue;
    const scopeHasStart = (graph.scopes[node.scope]?.startEvents.length ?? 0) > 0;
    if (isEventSubprocess(node)) {
      if (node.incoming.length > 0 || node.outgoing.length > 0) {
        add(
          node.id,
          node.incoming.length > 0 ? 'unexpectedIncoming' : 'unexpectedOutgoing',
          'error',
          `event subprocess '${node.id}' has sequence flows: an event subprocess is started by its start event's trigger and ends inside; remove the flows`,
        );
      }
      continue;
    }
    if (node.type === 'startEvent' || node.type === 'boundaryEvent') {
      if (node.incoming.length > 0) {
        add(
          node.id,
          'unexpectedIncoming',
          'error',
          `${describe(node)} is the target of sequence flow ${node.incoming.map((f) => `'${f}'`).join(', ')}, but a ${node.type} cannot be entered by a flow: connect the flow to another node`,
        );
      }
    } else if (node.incoming.length === 0 && !isLinkCatch(node)) {
      if (scopeHasStart) {
        add(
          node.id,
          'unreachableNode',
          'error',
          `${describe(node)} has no incoming sequence flow, so no token ever reaches it: connect a flow into it or delete it`,
        );
      } else {
        add(
          node.id,
          'implicitStart',
          'warning',
          `${describe(node)} has no incoming sequence flow: BPMN would start its scope here implicitly, Reflow does not; connect it from the scope's start event`,
        );
      }
    }
    if (node.type === 'endEvent') {
      if (node.outgoing.length > 0) {
        add(
          node.id,
          'unexpectedOutgoing',
          'error',
          `${describe(node)} has outgoing sequence flows, which an end event never takes: remove them or use an intermediate event`,
        );
      }
    } else if (node.outgoing.length === 0 && !isLinkThrow(node) && !isRefusedBoundary(node)) {
      if (isActivity(node)) {
        add(
          node.id,
          'implicitEnd',
          'warning',
          `${describe(node)} has no outgoing sequence flow: its token ends here as if at a none end event; add an end event after it to make the end explicit`,
        );
      } else {
        add(
          node.id,
          'noOutgoing',
          'error',
          `${describe(node)} has no outgoing sequence flow, so the token would stop here: connect it to the next node${node.type === 'boundaryEvent' ? ' (a boundary event needs exactly one outgoing flow)' : ''}`,
        );
      }
    }
  }

  // links: every throw needs a catch of the same name in its scope
  for (const node of nodes) {
    if (!isLinkThrow(node) || node.event?.kind !== 'link') continue;
    const name = node.event.name;
    const target = nodes.find(
      (n) => isLinkCatch(n) && n.scope === node.scope && n.event?.kind === 'link' && n.event.name === name,
    );
    if (!target) {
      add(
        node.id,
        'unmatchedLink',
        'error',
        `link throw event '${node.id}' goes to link '${name}', but no link catch event of that name is in the same scope: add one or correct the name`,
      );
    }
  }

  // sequence flows: scopes, conditions and defaults
  for (const flow of Object.values(graph.flows)) {
    const source = graph.nodes[flow.source];
    const target = graph.nodes[flow.target];
    if (!source || !target) continue; // reported by the parser
    if (source.scope !== target.scope || source.scope !== flow.scope) {
      add(
        flow.id,
        'crossScopeFlow',
        'error',
        `sequence flow '${flow.id}' connects '${source.id}' in '${source.scope}' to '${target.id}' in '${target.scope}': a sequence flow cannot cross a subprocess boundary; connect to the subprocess itself, or to its start/end events inside`,
      );
    }
    if (flow.condition !== null) {
      expression(flow.id, `the condition of sequence flow '${flow.id}'`, flow.condition);
      if (source.defaultFlow === flow.id) {
        add(
          flow.id,
          'conditionOnDefaultFlow',
          'error',
          `sequence flow '${flow.id}' is the default flow of '${source.id}' and has a condition, which is never evaluated: remove the condition`,
        );
      } else if (IGNORING_CONDITIONS.has(source.type)) {
        add(
          flow.id,
          'ignoredCondition',
          'error',
          `the condition on sequence flow '${flow.id}' leaving ${describe(source)} is not evaluated: ${source.type === 'parallelGateway' ? 'remove it or use an inclusive gateway' : 'remove it; the event that occurs first chooses the path'}`,
        );
      } else if (!ROUTING_GATEWAYS.has(source.type) && !isActivity(source)) {
        add(
          flow.id,
          'ignoredCondition',
          'error',
          `the condition on sequence flow '${flow.id}' leaving ${describe(source)} is not evaluated (only flows leaving gateways and activities are conditional): remove it or put an exclusive gateway after the event`,
        );
      }
    }
  }
  for (const node of nodes) {
    if (node.defaultFlow !== null && !node.outgoing.includes(node.defaultFlow)) {
      add(
        node.id,
        'invalidDefaultFlow',
        'error',
        `the default flow '${node.defaultFlow}' of ${describe(node)} is not one of its outgoing flows: choose one of ${node.outgoing.map((f) => `'${f}'`).join(', ') || 'its outgoing flows'}`,
      );
    }
    if (!ROUTING_GATEWAYS.has(node.type) || node.outgoing.length < 2) continue;
    for (const flowId of node.outgoing) {
      const flow = graph.flows[flowId];
      if (!flow || flow.condition !== null || flowId === node.defaultFlow) continue;
      if (node.type === 'inclusiveGateway') {
        add(
          flowId,
          'missingCondition',
          'warning',
          `sequence flow '${flowId}' leaving inclusive gateway '${node.id}' has no condition and is always taken: add a condition, or make it the default flow if it is meant for "none of the others"`,
        );
      } else {
        add(
          flowId,
          'missingCondition',
          'error',
          `sequence flow '${flowId}' leaving ${describe(node)} has no condition and is not the default flow: add a condition or make it the gateway's default flow`,
        );
      }
    }
  }

  // time limits
  const limit = (elementId: string, what: string, value: number | null): void => {
    if (value !== null && value < 0)
      add(
        elementId,
        'invalidTimeLimit',
        'error',
        `${what} is ${value} working days: a time limit cannot be negative; write 0 or more`,
      );
  };
  limit(graph.key, `gov:timeLimit of process '${graph.key}'`, graph.timeLimit);
  limit(graph.key, `gov:statutoryLimit of process '${graph.key}'`, graph.statutoryLimit);
  if (graph.timeLimit !== null && graph.statutoryLimit !== null && graph.timeLimit > graph.statutoryLimit) {
    add(
      graph.key,
      'timeLimitExceedsStatutory',
      'warning',
      `the committed time limit of process '${graph.key}' (gov:timeLimit, 承诺时限) is ${graph.timeLimit} working days, more than its statutory limit (gov:statutoryLimit, 法定时限) of ${graph.statutoryLimit}: the committed limit must lie within the statutory one`,
    );
  }

  // elements
  for (const node of nodes) {
    limit(node.id, `gov:timeLimit of ${describe(node)}`, node.timeLimit);
    if (node.department?.startsWith('='))
      expression(node.id, `gov:department of ${describe(node)}`, node.department);

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
  findings.push(...waitlessCycleFindings(graph));
  return findings;
}

/** Parses and validates: the parser's findings, then the structural ones (none when the graph is null). */
export async function parseAndValidate(xml: string, options: ValidateOptions = {}): Promise<ParseResult> {
  const { graph, findings } = await parseBpmn(xml);
  if (!graph) return { graph, findings };
  return { graph, findings: [...findings, ...validateGraph(graph, options)] };
}
