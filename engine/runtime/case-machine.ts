/** The case lifecycle as an XState machine: which commands a case accepts in each state, and where it ends. */
import { assign, setup } from 'xstate';
import type { CaseCommand, CaseSnapshot, CaseStatus } from '../elements/state.js';

/** An XState event: the command and the run that applies it to a copy of the case. */
export interface CommandEvent {
  type: CaseCommand['type'];
  apply: (current: CaseSnapshot | null) => CaseSnapshot;
}

const statusIs =
  (status: CaseStatus) =>
  ({ context }: { context: { case: CaseSnapshot | null } }) =>
    context.case?.status === status;

export const caseMachine = setup({
  types: { context: {} as { case: CaseSnapshot | null }, events: {} as CommandEvent },
  actions: { apply: assign({ case: ({ context, event }) => event.apply(context.case) }) },
  guards: {
    completed: statusIs('completed'),
    failed: statusIs('failed'),
    cancelled: statusIs('cancelled'),
  },
}).createMachine({
  id: 'case',
  context: { case: null },
  initial: 'new',
  states: {
    new: { on: { start: { target: 'active', actions: 'apply' } } },
    active: {
      always: [
        { guard: 'completed', target: 'completed' },
        { guard: 'failed', target: 'failed' },
        { guard: 'cancelled', target: 'cancelled' },
      ],
      on: {
        completeTask: { actions: 'apply' },
        deliverMessage: { actions: 'apply' },
        fireTimer: { actions: 'apply' },
        signal: { actions: 'apply' },
        cancel: { actions: 'apply' },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
