/** Which event definitions an event element may have for Reflow to run it (asked when a definition is compiled). */
import type { FlowNode } from '../model/types.js';

export const THROWN = new Set(['message', 'signal', 'escalation', 'error', 'terminate', 'link']);
export const CAUGHT = new Set(['message', 'timer', 'signal', 'conditional', 'link']);
export const STARTS = new Set(['message', 'timer', 'signal', 'conditional', 'error', 'escalation']);

/** Why `node`'s event definitions cannot run where it stands (`allowed`: the kinds BPMN allows there), or null. */
export const unsupportedDefinition = (node: FlowNode, allowed: Set<string>): string | null => {
  if (node.unsupportedEvent !== undefined || node.eventDefinitionCount > 1) {
    return `${node.type} '${node.id}' has ${node.unsupportedEvent !== undefined ? 'a cancel or compensation' : 'several'} event definition${node.unsupportedEvent !== undefined ? '' : 's'}, which Reflow does not run: use one message, timer, signal, error, escalation, conditional or link definition`;
  }
  if (node.event && !allowed.has(node.event.kind)) {
    return `${node.type} '${node.id}' with a ${node.event.kind} definition is not executable: BPMN does not allow it here`;
  }
  return null;
};
