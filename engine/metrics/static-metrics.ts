/**
 * Static metrics: read off the process model, no cases needed — the 减环节, 减材料,
 * 减时限 and 减跑动次数 figures of a version.
 *
 * Path figures (`pathTimeLimitDays`, `trips`, `criticalPath`) are longest paths in linear time: each scope
 * (the process, every embedded subprocess) is searched once depth-first from its start events; edges that
 * close a cycle (back edges, such as the return from a 补正 correction request to the review) are dropped,
 * which leaves a DAG whose reverse post-order is a topological order, and one pass over it gives the longest
 * path. A path never visits a node twice, so a loop counts once and never runs forever; parallel branches
 * take the longest branch because a path follows one branch, never their sum.
 */
import { ACTIVITY_TYPES, type FlowNode, type Material, type ProcessGraph } from '../model/types.js';

export interface StaticMetrics {
  /**
   * Activities: every task, and the content of embedded subprocesses (not the container); a call activity
   * counts the steps of the process it calls (each called process once), or one step when it is not resolved;
   * a message sender counts the steps of the process its message starts (`resolveStarted`), likewise.
   */
  steps: number;
  /** Distinct departments over all activities (`gov:department`, else the lane), called processes' included. */
  departments: number;
  /** Distinct materials over all activities: by id, and by id or name against called processes' materials. */
  materials: number;
  /** Distinct material ids asked of the applicant (`source="applicant"` at least once). */
  applicantMaterials: number;
  /** The process's `gov:timeLimit` if set, else `pathTimeLimitDays`. */
  timeLimitDays: number | null;
  /** The longest loop-free path summing step `gov:timeLimit`s; null when no step has a time limit. */
  pathTimeLimitDays: number | null;
  /** The most in-person nodes on any loop-free path. */
  trips: number;
  /** The process's `gov:statutoryLimit` (法定时限), or null. */
  statutoryLimitDays: number | null;
}

export interface StaticMetricsOptions {
  /** The process a call activity calls, by its `calledElement` (the process key); undefined when unknown. */
  resolveCalled?: (key: string) => ProcessGraph | undefined;
  /**
   * The process a sent message starts, by the message's name: the process (of the same collaboration) whose
   * top-level message start event waits for that name; undefined when none does. A 一件事 whose master starts
   * its department processes by messages is measured end to end through it, as through `resolveCalled`.
   */
  resolveStarted?: (message: string) => ProcessGraph | undefined;
}

/** The type of the branch node a message-started process gets on the sender's path (PathAnalysis.branchOf). */
const STARTED = 'reflow:startedProcess';

/** Where a message sender's message goes: a message throw event, message end event or send task. */
const SENDER_TYPES = new Set(['intermediateThrowEvent', 'endEvent', 'sendTask']);

/**
 * The process a node brings into the 一件事 it belongs to: a call activity's called process (by key), or the
 * process a message the node sends starts (a message throw event, message end event or send task whose
 * message a top-level message start event of another process waits for). Null for any other node.
 */
function linkedProcess(node: FlowNode, options: StaticMetricsOptions | undefined): ProcessGraph | null {
  if (node.type === 'callActivity' && node.calledElement) {
    return options?.resolveCalled?.(node.calledElement) ?? null;
  }
  if (SENDER_TYPES.has(node.type) && node.event?.kind === 'message') {
    return options?.resolveStarted?.(node.event.name) ?? null;
  }
  return null;
}

/**
 * The processes of a collaboration a sent message starts: by message name, the first process (in `graphs`
 * order) with a top-level message start event for it — the `resolveStarted` of a unit deployed together.
 */
export function messageStarts(
  graphs: readonly ProcessGraph[],
): (message: string) => ProcessGraph | undefined {
  return (message) =>
    graphs.find((g) =>
      (g.scopes[g.key]?.startEvents ?? []).some((id) => {
        const event = g.nodes[id]?.event;
        return event?.kind === 'message' && event.name === message;
      }),
    );
}

/** Activity types that hold other flow nodes: their content is counted and measured, not the container. */
const CONTAINER_TYPES = new Set(['subProcess', 'adHocSubProcess', 'transaction']);

const isContainer = (node: FlowNode): boolean => CONTAINER_TYPES.has(node.type);
const isEventSubprocess = (node: FlowNode): boolean => isContainer(node) && node.triggeredByEvent;

/**
 * How many times one pass through the activity counts on a path. A sequential multi-instance activity with a
 * literal integer `loopCardinality` n runs its instances one after another: n. A parallel multi-instance
 * activity runs them side by side, like parallel branches: one. A cardinality only known at run time (an
 * expression, a `gov:collection`) counts one instance. A standard loop counts once (paths are loop-free).
 * The same factor applies to time limits and to in-person trips.
 */
function repetitions(node: FlowNode): number {
  const loop = node.loop;
  if (loop?.kind !== 'multi' || !loop.sequential || loop.cardinality === null) return 1;
  const text = loop.cardinality.trim().replace(/^=\s*/, '').trim();
  return /^\d+$/.test(text) ? Number(text) : 1;
}

/** An edge of a scope's flow graph: a sequence flow, or (flow null) an activity to one of its boundary events. */
interface Edge {
  from: string;
  to: string;
  flow: string | null;
}

/** The loop-free structure of one scope: a topological order of the nodes reached and the edges kept. */
interface ScopeOrder {
  /** Nodes reached from the scope's starts, in topological order of the kept edges. */
  order: string[];
  starts: string[];
  /** Kept (non-back) outgoing edges by node. */
  out: Map<string, Edge[]>;
}

/** One longest-path answer: the sum of weights and the element ids along the path. */
interface Longest {
  value: number;
  /** Whether any node reached (not only those on the path) carries a defined figure (a `gov:timeLimit`). */
  defined: boolean;
  path: string[];
}

/** The weight of a node on a path and, for a container or call, the elements to show inside it. */
interface Weight {
  value: number;
  defined: boolean;
  inner: string[];
}

/** The result of measuring a whole process (memoised per key for called processes). */
interface ProcessFigures {
  time: Longest;
  trips: number;
}

class PathAnalysis {
  private readonly orders = new Map<string, ScopeOrder>();
  private readonly timeMemo = new Map<string, Longest>();
  private readonly tripsMemo = new Map<string, Longest>();
  private readonly linkCatches: Map<string, Map<string, string[]>>;
  /** The started-process branches (see `branchOf`) made so far, by their id. */
  private readonly branches = new Map<string, FlowNode>();

  constructor(
    private readonly graph: ProcessGraph,
    private readonly called: (key: string) => ProcessFigures | null,
    private readonly linked: (node: FlowNode) => ProcessGraph | null,
  ) {
    // link events: a throw link continues at the catch links of the same name in the same scope
    this.linkCatches = new Map();
    for (const node of Object.values(graph.nodes)) {
      if (node.type !== 'intermediateCatchEvent' || node.event?.kind !== 'link') continue;
      const byName = this.linkCatches.get(node.scope) ?? new Map<string, string[]>();
      this.linkCatches.set(node.scope, byName);
      byName.set(node.event.name, [...(byName.get(node.event.name) ?? []), node.id]);
    }
  }

  private nodeOf(id: string): FlowNode {
    return this.graph.nodes[id] ?? (this.branches.get(id) as FlowNode);
  }

  /**
   * The branch a message sender opens when its message starts another process (`linkedProcess`): a node of
   * its own (type STARTED, never in a path shown) weighing the started process's figures, from the sender to
   * the catch events and receive tasks of the sender's scope that wait for a message the started process
   * sends (its answer), or to nothing (the started process runs on to its own end). A path through the
   * master may so go through the department instead of the master's own nodes between the send and the
   * answer, as through one of two parallel branches. Null for a node that starts no process, and for a call
   * activity (which the weights measure inline: the caller waits for it).
   */
  private branchOf(node: FlowNode): FlowNode | null {
    if (node.type === 'callActivity' || node.type === STARTED) return null;
    const started = this.linked(node);
    if (!started) return null;
    const id = `${node.id}\u0000${started.key}`;
    const known = this.branches.get(id);
    if (known) return known;
    const answers = new Set(
      Object.values(started.nodes).flatMap((n) =>
        SENDER_TYPES.has(n.type) && n.event?.kind === 'message' ? [n.event.name] : [],
      ),
    );
    const waits = Object.values(this.graph.nodes).filter(
      (n) =>
        n.scope === node.scope &&
        (n.type === 'intermediateCatchEvent' || n.type === 'receiveTask') &&
        n.event?.kind === 'message' &&
        answers.has(n.event.name),
    );
    const branch: FlowNode = {
      ...node,
      id,
      type: STARTED,
      calledElement: started.key,
      incoming: [],
      outgoing: [],
      boundaries: [],
      timeLimit: null,
      inPerson: false,
      loop: null,
      materials: [],
    };
    this.branches.set(id, branch);
    this.answers.set(
      id,
      waits.map((w) => w.id),
    );
    return branch;
  }

  private readonly answers = new Map<string, string[]>();

  /**
   * Sequence flows leaving a node, its boundary events, the catch links of a throw link, and the branch of a
   * process its message starts (to the answers it waits for).
   */
  private successors(node: FlowNode): Edge[] {
    if (node.type === STARTED) {
      return (this.answers.get(node.id) ?? []).map((to) => ({ from: node.id, to, flow: null }));
    }
    const edges: Edge[] = [];
    const branch = this.branchOf(node);
    if (branch) edges.push({ from: node.id, to: branch.id, flow: null });
    for (const flowId of node.outgoing) {
      const flow = this.graph.flows[flowId];
      const target = flow ? this.graph.nodes[flow.target] : undefined;
      if (target && target.scope === node.scope) edges.push({ from: node.id, to: target.id, flow: flowId });
    }
    for (const boundaryId of node.boundaries) {
      const boundary = this.graph.nodes[boundaryId];
      if (boundary && boundary.scope === node.scope)
        edges.push({ from: node.id, to: boundaryId, flow: null });
    }
    if (node.type === 'intermediateThrowEvent' && node.event?.kind === 'link') {
      for (const catchId of this.linkCatches.get(node.scope)?.get(node.event.name) ?? []) {
        edges.push({ from: node.id, to: catchId, flow: null });
      }
    }
    return edges;
  }

  /**
   * Where paths of a scope begin: its start events; in a scope without any (an ad-hoc subprocess, a
   * subprocess whose first activities have no incoming flow), every node without incoming flow.
   */
  private startsOf(scopeId: string): string[] {
    const scope = this.graph.scopes[scopeId];
    if (!scope) return [];
    if (scope.startEvents.length > 0) return scope.startEvents.filter((id) => this.graph.nodes[id]);
    return scope.nodes.filter((id) => {
      const node = this.graph.nodes[id];
      if (!node || node.type === 'boundaryEvent' || isEventSubprocess(node)) return false;
      if (node.type === 'intermediateCatchEvent' && node.event?.kind === 'link') return false;
      return !node.incoming.some(
        (flowId) => this.graph.nodes[this.graph.flows[flowId]?.source]?.scope === node.scope,
      );
    });
  }

  /** Iterative depth-first search from the starts, dropping back edges (no recursion: deep graphs are fine). */
  private orderOf(scopeId: string): ScopeOrder {
    const known = this.orders.get(scopeId);
    if (known) return known;
    const starts = this.startsOf(scopeId);
    const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 finished
    const out = new Map<string, Edge[]>();
    const postorder: string[] = [];
    for (const start of starts) {
      if (state.has(start)) continue;
      const stack: { id: string; edges: Edge[]; next: number }[] = [];
      const enter = (id: string): void => {
        state.set(id, 1);
        out.set(id, []);
        stack.push({ id, edges: this.successors(this.nodeOf(id)), next: 0 });
      };
      enter(start);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        if (frame.next < frame.edges.length) {
          const edge = frame.edges[frame.next++];
          const seen = state.get(edge.to);
          if (seen === 1) continue; // back edge: it closes a loop
          out.get(frame.id)!.push(edge);
          if (seen === undefined) enter(edge.to);
        } else {
          state.set(frame.id, 2);
          postorder.push(frame.id);
          stack.pop();
        }
      }
    }
    const order: ScopeOrder = { order: postorder.reverse(), starts, out };
    this.orders.set(scopeId, order);
    return order;
  }

  /**
   * The longest path through a scope under a node weight; event subprocesses are alternative paths.
   * `defined` tells whether any node reached in the scope (at any depth) carries a defined figure.
   */
  private longest(scopeId: string, weigh: (node: FlowNode) => Weight, memo: Map<string, Longest>): Longest {
    const known = memo.get(scopeId);
    if (known) return known;
    const { order, starts, out } = this.orderOf(scopeId);
    const weights = new Map<string, Weight>();
    for (const id of order) weights.set(id, weigh(this.nodeOf(id)));
    let defined = false;
    for (const weight of weights.values()) defined ||= weight.defined;
    // best[v]: the heaviest path from a start to v, and the edge it arrives by (null at its start)
    const best = new Map<string, { value: number; via: Edge | null }>();
    for (const start of starts) best.set(start, { value: weights.get(start)!.value, via: null });
    for (const id of order) {
      const here = best.get(id)!; // every node in the order was reached, after all its kept predecessors
      for (const edge of out.get(id) ?? []) {
        const value = here.value + weights.get(edge.to)!.value;
        const current = best.get(edge.to);
        if (!current || value > current.value) best.set(edge.to, { value, via: edge });
      }
    }
    // the end of the longest path: a node no kept edge leaves (weights are ≥ 0, so that is the longest overall)
    let end: string | null = null;
    for (const id of order) {
      if ((out.get(id) ?? []).length > 0) continue;
      if (end === null || best.get(id)!.value > best.get(end)!.value) end = id;
    }
    let value = 0;
    let path: string[] = [];
    if (end !== null) {
      value = best.get(end)!.value;
      for (let id: string | null = end; id !== null; ) {
        const via: Edge | null = best.get(id)!.via;
        path.push(...[...weights.get(id)!.inner].reverse(), ...(this.branches.has(id) ? [] : [id]));
        if (via?.flow) path.push(via.flow);
        id = via ? via.from : null;
      }
      path.reverse();
    }
    // an event subprocess runs instead of, or beside, the normal flow: an alternative path of its own
    for (const subId of this.graph.scopes[scopeId]?.eventSubprocesses ?? []) {
      const sub = this.graph.nodes[subId];
      if (!sub) continue;
      const weight = weigh(sub);
      defined ||= weight.defined;
      if (weight.value > value || path.length === 0) {
        value = weight.value;
        path = [subId, ...weight.inner];
      }
    }
    const result: Longest = { value, defined, path };
    memo.set(scopeId, result);
    return result;
  }

  /**
   * A node's committed time on a path: its own `gov:timeLimit`; for an embedded subprocess without one, the
   * longest path through its content; for a call activity without one, the called process's path figure;
   * for the branch of a process a message starts (`branchOf`), that process's path figure; else 0. Times the
   * multi-instance repetitions.
   */
  private readonly timeWeight = (node: FlowNode): Weight => {
    if (!ACTIVITY_TYPES.has(node.type) && node.type !== STARTED)
      return { value: 0, defined: false, inner: [] };
    const times = repetitions(node);
    if (node.timeLimit !== null) return { value: node.timeLimit * times, defined: true, inner: [] };
    if (isContainer(node) && this.graph.scopes[node.id]) {
      const content = this.longest(node.id, this.timeWeight, this.timeMemo);
      return { value: content.value * times, defined: content.defined, inner: content.path };
    }
    if ((node.type === 'callActivity' || node.type === STARTED) && node.calledElement) {
      const figures = this.called(node.calledElement);
      if (figures?.time.defined) return { value: figures.time.value * times, defined: true, inner: [] };
    }
    return { value: 0, defined: false, inner: [] };
  };

  /**
   * A node's in-person trips on a path: 1 if `gov:inPerson`, plus a subprocess's or called process's own; a
   * message-started process's own on its branch.
   */
  private readonly tripsWeight = (node: FlowNode): Weight => {
    let value = node.inPerson ? 1 : 0;
    let inner: string[] = [];
    if (isContainer(node) && this.graph.scopes[node.id]) {
      const content = this.longest(node.id, this.tripsWeight, this.tripsMemo);
      value += content.value;
      inner = content.path;
    } else if ((node.type === 'callActivity' || node.type === STARTED) && node.calledElement) {
      value += this.called(node.calledElement)?.trips ?? 0;
    }
    return { value: value * repetitions(node), defined: value > 0, inner };
  };

  figures(): ProcessFigures {
    return {
      time: this.longest(this.graph.key, this.timeWeight, this.timeMemo),
      trips: this.longest(this.graph.key, this.tripsWeight, this.tripsMemo).value,
    };
  }
}

/**
 * Measures a process and, through `resolveCalled` and `resolveStarted`, the processes it calls or starts by
 * message (each once; a cycle counts 0).
 */
function measure(graph: ProcessGraph, options: StaticMetricsOptions | undefined): ProcessFigures {
  const done = new Map<string, ProcessFigures>();
  const running = new Set<string>();
  const graphs = new Map<string, ProcessGraph>();
  const linked = (node: FlowNode): ProcessGraph | null => {
    const target = linkedProcess(node, options);
    if (target) graphs.set(target.key, target);
    return target;
  };
  const run = (target: ProcessGraph): ProcessFigures => {
    running.add(target.key);
    const figures = new PathAnalysis(target, called, linked).figures();
    running.delete(target.key);
    done.set(target.key, figures);
    return figures;
  };
  const called = (key: string): ProcessFigures | null => {
    const known = done.get(key);
    if (known) return known;
    if (running.has(key)) return null; // a process that (indirectly) calls itself: loop-free, so once
    const target = graphs.get(key) ?? options?.resolveCalled?.(key);
    return target ? run(target) : null;
  };
  return run(graph);
}

/**
 * The static metrics of a process.
 *
 * - `steps` counts the activities a case goes through: every task of any type, and the activities inside
 *   embedded subprocesses, event subprocesses and transactions at any depth — but not the subprocess container
 *   itself, which is only a frame around its steps. A call activity counts the steps of the process it calls
 *   when `resolveCalled` finds it (a 一件事 is measured end to end: see countOver), else one step. A message
 *   sender (message throw or end event, send task) whose message starts a process (`resolveStarted`) counts
 *   that process the same way: its steps, departments and materials once; on the paths it is a parallel
 *   branch from the sender to where the sender's scope waits for its answer (or to its own end), so the
 *   longest of the master's own way and the department's counts, as for two parallel branches.
 * - Departments and materials of called processes count too (countOver); materials of a called process are
 *   deduplicated by id or name against those already counted.
 * - `departments` counts distinct department texts over all activities, containers included (a subprocess
 *   may name the department that does all of it). A FEEL department such as `=reviewer` is not known before
 *   run time: it counts as one department per distinct expression text.
 * - `materials` counts distinct material ids over all activities; `applicantMaterials` those declared with
 *   `source="applicant"` by at least one activity: a document fetched by data sharing at one step but asked
 *   of the applicant at another is still asked of the applicant, so the applicant occurrence decides.
 * - `pathTimeLimitDays` and `trips` are longest loop-free paths from a start event to an end (see the
 *   module comment and `criticalPath`); a path may leave an activity through one of its boundary events.
 */
export function staticMetrics(graph: ProcessGraph, options?: StaticMetricsOptions): StaticMetrics {
  const tally = countOver(graph, options);
  const figures = measure(graph, options);
  const pathTimeLimitDays = figures.time.defined ? figures.time.value : null;
  return {
    steps: tally.steps,
    departments: tally.departments.size,
    materials: tally.materials.length,
    applicantMaterials: tally.materials.filter((m) => m.applicant).length,
    timeLimitDays: graph.timeLimit ?? pathTimeLimitDays,
    pathTimeLimitDays,
    trips: figures.trips,
    statutoryLimitDays: graph.statutoryLimit,
  };
}

/** A material counted once: the ids and names it was declared with, and whether the applicant hands it in. */
interface CountedMaterial {
  ids: Set<string>;
  names: Set<string>;
  applicant: boolean;
}

/**
 * Steps, departments and materials of a process and of the processes it calls (一件事: the master and its
 * department processes, measured end to end). A call activity whose called process is resolved, or a message
 * sender whose message starts a resolved process (linkedProcess), counts that
 * process's steps, departments and materials instead of being one step itself; each called process counts
 * once, however often it is called (a second call, or a call cycle, adds nothing); a call activity not resolved
 * counts as one step, as before. Materials: within a process, distinct ids; a called process's material is the
 * one already counted when it has the same id or the same name (the same document asked again by another
 * department is one material; ids are local to each process).
 */
function countOver(
  graph: ProcessGraph,
  options: StaticMetricsOptions | undefined,
): { steps: number; departments: Set<string>; materials: CountedMaterial[] } {
  let steps = 0;
  const departments = new Set<string>();
  const materials: CountedMaterial[] = [];
  const counted = new Set<string>([graph.key]);
  const add = (material: Material, byName: boolean): void => {
    const same = materials.find((m) => m.ids.has(material.id) || (byName && m.names.has(material.name)));
    if (same) {
      same.ids.add(material.id);
      same.names.add(material.name);
      same.applicant ||= material.source === 'applicant';
    } else {
      materials.push({
        ids: new Set([material.id]),
        names: new Set([material.name]),
        applicant: material.source === 'applicant',
      });
    }
  };
  const visit = (process: ProcessGraph, called: boolean): void => {
    for (const node of Object.values(process.nodes)) {
      const callee = linkedProcess(node, options);
      if (!ACTIVITY_TYPES.has(node.type) && !callee) continue;
      if (callee) {
        if (node.department !== null) departments.add(node.department);
        if (counted.has(callee.key)) continue;
        counted.add(callee.key);
        visit(callee, true);
        continue;
      }
      if (!isContainer(node)) steps++;
      if (node.department !== null) departments.add(node.department);
      for (const material of node.materials) add(material, called);
    }
  };
  visit(graph, false);
  return { steps, departments, materials };
}

/**
 * The element ids along the path that gives `pathTimeLimitDays`, in order from the start event to the end:
 * flow nodes and the sequence flows between them. A path leaving an activity through a boundary event goes
 * from the activity's id to the boundary event's id. An embedded subprocess measured by its content is
 * followed by the ids of the path inside it (its start … its end), then the flow leaving it; a call activity
 * is one id (the called process's elements belong to another diagram). An event subprocess that outlasts the
 * normal flow is the path itself: its id, then its content's path. Empty when no step has a time limit.
 */
export function criticalPath(graph: ProcessGraph, options?: StaticMetricsOptions): string[] {
  const figures = measure(graph, options);
  return figures.time.defined ? figures.time.path : [];
}
