/**
 * The checks of how tokens move through a graph: start events of each scope, the ways into and out of each
 * node, link events, sequence flows (scopes, conditions, defaults). validate.ts runs them in this order.
 */

import { type FlowNode, isActivity } from './types.js';
import { describe, type GraphCheck } from './validate-context.js';

const isEventSubprocess = (node: FlowNode): boolean => node.type === 'subProcess' && node.triggeredByEvent;
const isLinkCatch = (node: FlowNode): boolean =>
  node.type === 'intermediateCatchEvent' && node.event?.kind === 'link';
const isLinkThrow = (node: FlowNode): boolean =>
  node.type === 'intermediateThrowEvent' && node.event?.kind === 'link';
/** Scopes whose contents are not connected by sequence flows (BPMN §10.3.9): no start, no flow rules. */
const isAdHoc = (node: FlowNode | undefined): boolean => node?.type === 'adHocSubProcess';
/**
 * Cancel and compensation boundary events (refused by the element registry): a compensation boundary event
 * rightly has no outgoing flow, only an association.
 */
const isRefusedBoundary = (node: FlowNode): boolean =>
  node.type === 'boundaryEvent' && node.unsupportedEvent !== undefined;
const ROUTING_GATEWAYS = new Set(['exclusiveGateway', 'inclusiveGateway', 'complexGateway']);
const IGNORING_CONDITIONS = new Set(['parallelGateway', 'eventBasedGateway']);

/** A start event in the process and in every embedded subprocess. */
export function checkStartEvents(check: GraphCheck): void {
  const { graph, add } = check;
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
}

/** Every node is entered (or starts its scope) and is left, as its kind requires. */
export function checkWaysInAndOut(check: GraphCheck): void {
  const { graph, nodes, add } = check;
  for (const node of nodes) {
    if (isAdHoc(graph.nodes[node.scope])) continue;
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
    checkWayIn(check, node);
    checkWayOut(check, node);
  }
}

/** A start or boundary event is never entered by a flow; any other node is, unless a link catch. */
function checkWayIn(check: GraphCheck, node: FlowNode): void {
  const { graph, add } = check;
  const scopeHasStart = (graph.scopes[node.scope]?.startEvents.length ?? 0) > 0;
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
}

/** An end event is never left by a flow; any other node is, unless a link throw or a refused boundary event. */
function checkWayOut(check: GraphCheck, node: FlowNode): void {
  const { add } = check;
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

/** Every link throw needs a catch of the same name in its scope. */
export function checkLinks(check: GraphCheck): void {
  const { nodes, add } = check;
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
}

/** Sequence flows: within one scope, and conditions only where they are evaluated. */
export function checkFlows(check: GraphCheck): void {
  const { graph, add, expression } = check;
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
}

/** Default flows are outgoing flows; a routing gateway's other flows have conditions. */
export function checkDefaultFlows(check: GraphCheck): void {
  const { graph, nodes, add } = check;
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
}
