/**
 * The steps of a case's timeline: an activity instance that is a step (not a multi-instance body or a gateway)
 * is recorded as it begins and as it ends. The case figures a step moves (trips, corrections) are counted
 * from the events it emits (RunContext.emit, by engine/metrics/case-figures.ts).
 */
import type { ActivityInstance, ScopeInstance, StepRecord } from '../elements/state.js';
import type { FlowNode } from '../model/types.js';
import type { RunContext } from './run-context.js';

/** A step begins: its department (a FEEL expression if it starts with `=`) and deadline are set, and recorded. */
export function beginStep(
  run: RunContext,
  instance: ActivityInstance,
  scope: ScopeInstance,
  node: FlowNode,
): void {
  instance.department = departmentOf(run, scope, node, instance);
  if (node.timeLimit !== null) instance.dueAt = run.dueAfter(run.now, node.timeLimit);
  run.emit({ type: 'stepEntered', step: stepRecord(instance, node, scope, 'active', run.now) });
}

/** A step ends: completed, cancelled (terminated) or failed. */
export function endStep(
  run: RunContext,
  instance: ActivityInstance,
  scope: ScopeInstance,
  node: FlowNode,
  status: 'completed' | 'cancelled' | 'failed',
): void {
  const step = stepRecord(instance, node, scope, status, run.now);
  run.emit(
    status === 'completed'
      ? { type: 'stepCompleted', step }
      : status === 'failed'
        ? { type: 'stepFailed', step }
        : { type: 'stepCancelled', step },
  );
}

function departmentOf(
  run: RunContext,
  scope: ScopeInstance,
  node: FlowNode,
  instance: ActivityInstance,
): string | null {
  if (!node.department) return null;
  if (!node.department.startsWith('=')) return node.department;
  const value = run.evaluate(node.department, scope, instance);
  return value === null || value === undefined ? null : String(value);
}

function stepRecord(
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
