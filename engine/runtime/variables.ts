/** Where a case's variables live: the root scope's and a called process's own, shared by the scopes inside. */
import type { ActivityInstance, CaseSnapshot, ScopeInstance, Variables } from '../elements/state.js';

/** The variables `scope` reads and writes: its own, or those of the nearest enclosing scope that has some. */
export function ownerVariables(state: CaseSnapshot, scope: ScopeInstance): Variables {
  let current: ScopeInstance | undefined = scope;
  while (current) {
    if (current.variables) return current.variables;
    if (!current.parentActivity) return state.variables;
    const parent: ActivityInstance | undefined = state.activities[current.parentActivity];
    current = parent ? state.scopes[parent.scopeId] : undefined;
  }
  return state.variables;
}

/** Variables visible to an instance: its locals (or its scope's) over its scope's variables. */
export function visibleVariables(
  state: CaseSnapshot,
  scope: ScopeInstance,
  instance?: ActivityInstance | null,
): Variables {
  const owner = ownerVariables(state, scope);
  const locals = instance?.locals ?? scope.locals;
  return locals ? { ...owner, ...locals } : owner;
}
