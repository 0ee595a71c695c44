/** What one command may spend in the server, and the answer when a command was stopped over it. */
import type { RunBudget } from '../../engine/index.js';
import type { CaseView } from './case-service.js';

/** CPU time one command may use when nothing else is configured (REFLOW_COMMAND_CPU_MS). */
export const DEFAULT_COMMAND_CPU_MS = 500;

export interface CommandBudget {
  /** Element activations per command (REFLOW_STEP_BUDGET; the engine's DEFAULT_STEP_BUDGET when unset). */
  activations?: number;
  /** CPU time per command in ms (REFLOW_COMMAND_CPU_MS); 0 turns the limit off. */
  cpuMs?: number;
}

/** This process's CPU time in ms (all its threads: the run itself is one synchronous stretch on the main one). */
const processCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The engine's run budget for a server command. */
export function runBudget(budget: CommandBudget = {}): RunBudget {
  const cpuMs = budget.cpuMs ?? DEFAULT_COMMAND_CPU_MS;
  return {
    activations: budget.activations,
    ...(cpuMs > 0 ? { cpuMs, cpuClock: processCpuMs } : {}),
  };
}

/**
 * A command stopped over its budget: nothing of it was applied, and the case — stored, with the incident, in
 * `view` — has failed. The HTTP answer is a 422 naming the case and the elements that kept running.
 */
export class CaseIncident extends Error {
  constructor(
    readonly view: CaseView,
    readonly incident: { elementId: string; message: string; elements: string[] },
  ) {
    super(`case '${view.id}' has an incident at '${incident.elementId}': ${incident.message}`);
  }
}
