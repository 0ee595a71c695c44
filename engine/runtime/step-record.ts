/** The timeline record of a step (an activity instance that is a step), as the step events carry it. */
import type { ActivityInstance, ScopeInstance, StepRecord } from '../elements/state.js';
import type { FlowNode } from '../model/types.js';

export function stepRecord(
  instance: ActivityInstance,
  node: FlowNode,
  scope: ScopeInstance,
  status: StepRecord['status'],
  now: number,
): StepRecord {
  return {
    id: instance.id,
    elementId: node.id,
    name: node.name,
    type: node.type,
    department: instance.department,
    status,
    enteredAt: instance.enteredAt,
    completedAt: status === 'active' ? null : now,
    dueAt: instance.dueAt,
    timeLimit: node.timeLimit,
    inPerson: node.inPerson,
    correction: node.correction,
    pausesClock: node.pausesClock,
    variablesChanged: instance.changed ?? [],
    parentStepId: scope.parentActivity,
  };
}
