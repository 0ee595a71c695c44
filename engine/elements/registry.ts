/**
 * Which BPMN element types the engine runs, and the processor of each: one line per type. Where each behaviour
 * lives, in engine/elements/:
 * - tasks.ts: task, user, manual, service, script, receive and send tasks; activity.ts: entering and leaving
 *   any activity, standard loops; multi-instance.ts: multi-instance bodies.
 * - sub-process.ts: embedded subprocesses, event subprocesses, call activities.
 * - events.ts: start, end, intermediate throw and catch events; boundary-event.ts: boundary events;
 *   error-escalation.ts: errors and escalations travelling out to their catch; conditional-events.ts: when
 *   conditions are evaluated.
 * - gateways.ts: exclusive, parallel, inclusive (with the OR-join's rule) and event-based gateways.
 * - shared by all, offered on ElementContext (context.ts): outgoing.ts (which outgoing flows a token takes),
 *   waits.ts and timers.ts (waiting for events, withdrawing waits), catch.ts (where a caught event goes).
 * The runtime (engine/runtime/case-run.ts) moves the tokens and calls these.
 */
import type { Finding, FlowNode, ProcessGraph } from '../model/types.js';
import { loopUnsupported } from './activity.js';
import type { ElementBehaviour } from './behaviour.js';
import { boundaryEvent } from './boundary-event.js';
import { endEvent, intermediateCatchEvent, intermediateThrowEvent, startEvent } from './events.js';
import { eventBasedGateway, exclusiveGateway, inclusiveGateway, parallelGateway } from './gateways.js';
import { multiInstanceUnsupported } from './multi-instance.js';
import { callActivity, subProcess } from './sub-process.js';
import { humanTask, passThroughTask, receiveTask, scriptTask, sendTask, serviceTask } from './tasks.js';

export const elementRegistry: Record<string, ElementBehaviour> = {
  startEvent,
  endEvent,
  intermediateThrowEvent,
  intermediateCatchEvent,
  boundaryEvent,
  task: passThroughTask,
  userTask: humanTask,
  manualTask: humanTask,
  serviceTask,
  scriptTask,
  receiveTask,
  sendTask,
  subProcess,
  callActivity,
  exclusiveGateway,
  parallelGateway,
  inclusiveGateway,
  eventBasedGateway,
};

const WHY_NOT: Record<string, string> = {
  complexGateway:
    'the complex gateway has no agreed execution semantics: use an inclusive gateway with conditions',
  adHocSubProcess:
    'ad-hoc subprocesses are not executable here: model the steps with an inclusive gateway or a multi-instance',
  transaction:
    'transactions (with compensation and cancel) are not executable here: use a subprocess with error boundary events',
  businessRuleTask:
    'business rule tasks (DMN) are not executable here: use a FEEL scriptTask or an exclusive gateway',
  event: 'a plain bpmn:event is not executable: use a start, intermediate or end event',
  implicitThrowEvent: 'implicit throw events are not executable',
};

/** Why `node` cannot run, or null when the engine runs it. Asked when a definition is compiled. */
function whyNotExecutable(node: FlowNode): string | null {
  const behaviour = elementRegistry[node.type];
  if (!behaviour) {
    return `${node.type} '${node.id}' is not executable: ${WHY_NOT[node.type] ?? 'Reflow does not run this element type'}`;
  }
  const loop = loopUnsupported(node);
  if (loop) return loop;
  if (node.startQuantity !== 1 || node.completionQuantity !== 1) {
    return `${node.type} '${node.id}' has startQuantity ${node.startQuantity} and completionQuantity ${node.completionQuantity}: Reflow runs one token per activity; model extra tokens with a parallel gateway`;
  }
  const multi = multiInstanceUnsupported(node);
  if (multi) return multi;
  return behaviour.unsupported?.(node) ?? null;
}

/** One finding per element the engine does not execute. */
export function executabilityFindings(graph: ProcessGraph): Finding[] {
  const findings: Finding[] = [];
  for (const node of Object.values(graph.nodes)) {
    const reason = whyNotExecutable(node);
    if (reason)
      findings.push({ elementId: node.id, type: 'unsupportedElement', severity: 'error', message: reason });
  }
  // BPMN §10.5.2: an embedded subprocess starts at a none start event, an event subprocess at a triggered
  // one; an error or escalation start event only starts an event subprocess
  for (const [scopeId, scope] of Object.entries(graph.scopes)) {
    const container = graph.nodes[scopeId];
    if (container && container.type !== 'subProcess') continue; // ad-hoc and transactions are refused above
    for (const id of scope.startEvents) {
      const node = graph.nodes[id];
      const kind = node.event?.kind ?? null;
      let problem: string | null = null;
      if (container?.triggeredByEvent) {
        if (kind === null && node.eventDefinitionCount === 0)
          problem = `startEvent '${node.id}' of event subprocess '${scopeId}' has no trigger, so the event subprocess would never start: give it a message, timer, signal, conditional, error or escalation definition`;
      } else if (container) {
        if (kind !== null)
          problem = `startEvent '${node.id}' of subprocess '${scopeId}' has a ${kind} definition, but an embedded subprocess starts when its token arrives, at a none start event: remove the definition, or make '${scopeId}' an event subprocess (triggeredByEvent) if the ${kind} is to start it`;
      } else if (kind === 'error' || kind === 'escalation') {
        problem = `startEvent '${node.id}' of process '${graph.key}' has an ${kind} definition, which only an event subprocess's start event may have: put it in an event subprocess, or use a none start event`;
      }
      if (problem)
        findings.push({
          elementId: node.id,
          type: 'unsupportedElement',
          severity: 'error',
          message: problem,
        });
    }
  }
  // a timer or conditional start event of the process starts a case by itself (at a time, every period, or
  // when data outside any case comes true); Reflow starts a case only when asked (POST /api/cases), so such a
  // start would run as a none start event: refused rather than misrun
  for (const id of graph.scopes[graph.key]?.startEvents ?? []) {
    const node = graph.nodes[id];
    const event = node.event;
    if (event?.kind !== 'timer' && event?.kind !== 'conditional') continue;
    const what =
      event.kind === 'conditional'
        ? 'a condition, which would start a case whenever it comes true'
        : event.timer === 'cycle'
          ? 'a timeCycle, which would start a case every period'
          : 'a timer, which would start a case when it is due';
    findings.push({
      elementId: node.id,
      type: 'unsupportedElement',
      severity: 'error',
      message: `startEvent '${node.id}' of process '${graph.key}' has ${what}, but Reflow starts a case only when asked (POST /api/cases), at once: use a none start event and start cases from outside (a scheduler, or the system whose data the condition reads)${event.kind === 'timer' ? ', or put the timer on a non-interrupting timer event subprocess of a running case' : ', or put the condition on a conditional event subprocess of a running case'}`,
    });
  }
  return findings;
}
