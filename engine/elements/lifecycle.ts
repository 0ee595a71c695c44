/** The BPMN activity lifecycle as an XState machine; every activity instance moves through it. */
import { createMachine, transition } from 'xstate';

export type LifecycleState =
  | 'ready'
  | 'active'
  | 'completing'
  | 'completed'
  | 'terminating'
  | 'terminated'
  | 'failing'
  | 'failed';

export type LifecycleEvent =
  | 'activate'
  | 'complete'
  | 'completed'
  | 'terminate'
  | 'terminated'
  | 'fail'
  | 'failed';

/** BPMN 2.0 §13.2.2, without compensation: the states an activity instance passes through. */
export const activityLifecycle = createMachine({
  id: 'activity',
  initial: 'ready',
  states: {
    ready: { on: { activate: 'active', terminate: 'terminating' } },
    active: { on: { complete: 'completing', terminate: 'terminating', fail: 'failing' } },
    completing: { on: { completed: 'completed', terminate: 'terminating', fail: 'failing' } },
    completed: { type: 'final' },
    terminating: { on: { terminated: 'terminated' } },
    terminated: { type: 'final' },
    failing: { on: { failed: 'failed' } },
    failed: { type: 'final' },
  },
});

const resolved = new Map<string, ReturnType<typeof activityLifecycle.resolveState>>();
/** state → event → next state (nested maps: no key string is built per transition, which runs several times per step). */
const next = new Map<string, Map<string, LifecycleState | null>>();

/**
 * The lifecycle state after `event`, or null when the machine does not allow it from `state`.
 * XState decides; the answer is cached per (state, event) since the machine has no context.
 */
export function lifecycleAfter(state: LifecycleState, event: LifecycleEvent): LifecycleState | null {
  let fromState = next.get(state);
  if (!fromState) {
    fromState = new Map();
    next.set(state, fromState);
  }
  const cached = fromState.get(event);
  if (cached !== undefined) return cached;
  let snapshot = resolved.get(state);
  if (!snapshot) {
    snapshot = activityLifecycle.resolveState({ value: state, context: {} });
    resolved.set(state, snapshot);
  }
  const [after] = transition(activityLifecycle, snapshot, { type: event });
  const value = after.value as LifecycleState;
  const result = value === state ? null : value; // the lifecycle has no self-transitions
  fromState.set(event, result);
  return result;
}

/** Moves an instance's lifecycle, failing loudly on a transition BPMN does not allow (an engine bug). */
export function advance(instance: { id: string; state: LifecycleState }, ...events: LifecycleEvent[]): void {
  for (const event of events) {
    const after = lifecycleAfter(instance.state, event);
    if (after === null)
      throw new Error(
        `activity instance ${instance.id}: '${event}' is not allowed in state '${instance.state}'`,
      );
    instance.state = after;
  }
}
