/**
 * Cycles that a token can go round without ever waiting: no user task, receive task, catch event, timer or
 * event-based gateway on them. One command runs such a cycle until its data takes the way out — or until the
 * step budget stops it — so deploying one earns a warning naming its elements.
 */
import type { Finding, FlowNode, ProcessGraph } from './types.js';

const WAITING_EVENTS = new Set(['message', 'signal', 'timer', 'conditional']);

/** Whether a token stops at `node` itself (not looking inside a subprocess) until something from outside moves it on. */
function waitsHere(node: FlowNode): boolean {
  switch (node.type) {
    case 'userTask':
    case 'manualTask':
    case 'receiveTask':
    case 'eventBasedGateway':
      return true;
    case 'intermediateCatchEvent':
    case 'boundaryEvent':
      // a boundary event's path is taken when its event occurs (an error or escalation boundary: at once)
      return node.event !== null && WAITING_EVENTS.has(node.event.kind);
    case 'callActivity':
      return true; // the called process is deployed apart: it may wait
    default:
      return false;
  }
}

/** Per graph: the embedded subprocesses that hold a wait state at some depth (computed once, for all of them). */
const waitingSubprocesses = new WeakMap<ProcessGraph, Set<string>>();

/**
 * The subprocesses of `graph` that may stop a token: those holding a node that waits, or a subprocess that does,
 * at any depth. Children are settled before their parent with an explicit stack, not recursion: subprocesses
 * nest as deep as a file is long.
 */
function subprocessesThatWait(graph: ProcessGraph): Set<string> {
  let found = waitingSubprocesses.get(graph);
  if (found) return found;
  found = new Set<string>();
  const settled = new Set<string>();
  for (const root of Object.values(graph.nodes)) {
    if (root.type !== 'subProcess' || settled.has(root.id)) continue;
    const stack: { id: string; expanded: boolean }[] = [{ id: root.id, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inner = (graph.scopes[top.id]?.nodes ?? []).map((id) => graph.nodes[id]).filter(Boolean);
      if (!top.expanded) {
        top.expanded = true;
        for (const child of inner)
          if (child.type === 'subProcess' && !settled.has(child.id))
            stack.push({ id: child.id, expanded: false });
        continue;
      }
      stack.pop();
      if (settled.has(top.id)) continue;
      settled.add(top.id);
      if (inner.some((child) => waitsHere(child) || found!.has(child.id))) found.add(top.id);
    }
  }
  waitingSubprocesses.set(graph, found);
  return found;
}

/** Whether a token stops at `node` until something from outside (a person, a message, time) moves it on. */
function waits(graph: ProcessGraph, node: FlowNode): boolean {
  return waitsHere(node) || (node.type === 'subProcess' && subprocessesThatWait(graph).has(node.id));
}

/** The edges a token follows inside a scope: sequence flows, into boundary events, and from link throw to catch. */
function successors(graph: ProcessGraph, node: FlowNode): string[] {
  const next: string[] = [];
  if (node.type === 'endEvent') return next; // flows out of an end event are refused, never taken
  for (const flowId of node.outgoing) {
    const target = graph.flows[flowId] && graph.nodes[graph.flows[flowId].target];
    // nor do flows into a start event, a boundary event or an event subprocess carry tokens
    if (!target || target.scope !== node.scope || target.triggeredByEvent) continue;
    if (target.type !== 'startEvent' && target.type !== 'boundaryEvent') next.push(target.id);
  }
  for (const id of node.boundaries) if (graph.nodes[id]?.scope === node.scope) next.push(id);
  if (node.type === 'intermediateThrowEvent' && node.event?.kind === 'link') {
    const name = node.event.name;
    for (const id of graph.scopes[node.scope]?.nodes ?? []) {
      const other = graph.nodes[id];
      if (
        other?.type === 'intermediateCatchEvent' &&
        other.event?.kind === 'link' &&
        other.event.name === name
      )
        next.push(id);
    }
  }
  return next;
}

/** Strongly connected components of the non-waiting nodes of one scope (Tarjan, iterative), in document order. */
function components(nodes: string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = edges.get(frame.id) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.push(id);
        } while (id !== frame.id);
        found.push(component);
      }
    }
  }
  return found;
}

/** A shortest way round the component from `start` back to it (start first and last). */
function roundTrip(start: string, members: Set<string>, edges: Map<string, string[]>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head];
    for (const to of edges.get(at) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (
          let back: string | undefined = at;
          back !== undefined && back !== start;
          back = previous.get(back)
        )
          path.push(back);
        return [start, ...path.slice(1).reverse(), start];
      }
      if (previous.has(to)) continue;
      previous.set(to, at);
      queue.push(to);
    }
  }
  return [start, start];
}

/** The non-waiting nodes of one scope, the edges among them, and the cycles they form (components). */
function waitlessComponents(
  graph: ProcessGraph,
  nodes: string[],
): { edges: Map<string, string[]>; cycles: string[][]; running: string[] } {
  const running = nodes.filter((id) => graph.nodes[id] && !waits(graph, graph.nodes[id]));
  const runs = new Set(running);
  const edges = new Map<string, string[]>();
  for (const id of running)
    edges.set(
      id,
      successors(graph, graph.nodes[id]).filter((to) => runs.has(to)),
    );
  const cycles = components(running, edges).filter(
    (component) => component.length > 1 || edges.get(component[0])!.includes(component[0]),
  );
  return { edges, cycles, running };
}

/**
 * The elements of the cycles with no wait state that pass through `elementId` (its strongly connected component
 * among the scope's non-waiting nodes), or null when no such cycle passes through it.
 */
export function waitlessCycleThrough(graph: ProcessGraph, elementId: string): Set<string> | null {
  const node = graph.nodes[elementId];
  const scope = node && graph.scopes[node.scope];
  if (!scope) return null;
  const found = waitlessComponents(graph, scope.nodes).cycles.find((c) => c.includes(elementId));
  return found ? new Set(found) : null;
}

/** One warning per cycle of the graph that has no wait state, and per standard loop that cannot wait. */
export function waitlessCycleFindings(graph: ProcessGraph): Finding[] {
  const findings: Finding[] = [];
  for (const scope of Object.values(graph.scopes)) {
    const { edges, cycles, running } = waitlessComponents(graph, scope.nodes);
    const order = new Map(scope.nodes.map((id, i) => [id, i]));
    for (const component of cycles) {
      const start = component.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
      const path = roundTrip(start, new Set(component), edges);
      findings.push({
        elementId: start,
        type: 'loopWithoutWaitState',
        severity: 'warning',
        message: `${path.map((id) => `'${id}'`).join(' → ')} is a cycle with no wait state on it (no user task, receive task, catch event or timer): a case whose data never takes its way out loops without end. Reflow stops such a command at its step budget and fails the case with an incident; make sure the data reaches the exit, or put a wait state on the cycle`,
      });
    }
    for (const id of running) {
      const loop = graph.nodes[id].loop;
      if (loop?.kind !== 'standard' || loop.maximum !== null || loop.condition === null) continue;
      findings.push({
        elementId: id,
        type: 'loopWithoutWaitState',
        severity: 'warning',
        message: `'${id}' loops while its loopCondition holds, has no loopMaximum and never waits: if the condition never turns false the case loops without end (Reflow stops the command at its step budget and fails the case with an incident); set a loopMaximum`,
      });
    }
  }
  return findings;
}
