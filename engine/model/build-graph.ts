/**
 * Builds the typed process graph from the elements bpmn-moddle read: nodes with their gov attributes, events,
 * loops and lanes, sequence flows and scopes, then the links between them. What is wrong with the document as
 * XML is parse-findings.ts's; parse.ts runs both.
 */
import type {
  Collaboration,
  EventDefinition,
  Finding,
  FlowNode,
  LoopSpec,
  Material,
  MessageFlow,
  MessageFlowEnd,
  ProcessGraph,
  Scope,
  UnsupportedEvent,
  VariableMapping,
} from './types.js';

/** A moddle element: untyped. */
type Element = any;

/** The local name of a qualified moddle type, first letter lower: `bpmn:UserTask` → `userTask`. */
export const localName = (type: string): string => {
  const i = type.indexOf(':');
  const name = i >= 0 ? type.slice(i + 1) : type;
  return name.charAt(0).toLowerCase() + name.slice(1);
};

const EVENT_DEFINITION_KINDS: Record<string, EventDefinition['kind']> = {
  'bpmn:MessageEventDefinition': 'message',
  'bpmn:SignalEventDefinition': 'signal',
  'bpmn:ErrorEventDefinition': 'error',
  'bpmn:EscalationEventDefinition': 'escalation',
  'bpmn:TimerEventDefinition': 'timer',
  'bpmn:TerminateEventDefinition': 'terminate',
  'bpmn:LinkEventDefinition': 'link',
  'bpmn:ConditionalEventDefinition': 'conditional',
};

/** Event definitions the reader knows and the engine refuses (see the element registry). */
const UNSUPPORTED_EVENT_DEFINITIONS: Record<string, UnsupportedEvent> = {
  'bpmn:CancelEventDefinition': 'cancel',
  'bpmn:CompensateEventDefinition': 'compensate',
};

const body = (expression: Element): string | null => {
  const text = expression?.body;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : null;
};

/** An element's event definitions: the first as the engine reads it, how many, and the first if the engine refuses it. */
interface EventDefinitions {
  event: EventDefinition | null;
  count: number;
  unsupported?: UnsupportedEvent;
}

/** A gov:correlationKey attribute, if set. */
function correlationAttribute(element: Element | undefined): string | undefined {
  const value = element?.correlationKey ?? element?.$attrs?.['gov:correlationKey'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A message event: its name, and its correlation key — the throwing element's own (throw events, send tasks),
 * or the catching element's message's (catch events, receive tasks, boundary and start events).
 */
function messageEvent(element: Element, message: Element | undefined): EventDefinition {
  const throwing =
    element.$type === 'bpmn:IntermediateThrowEvent' ||
    element.$type === 'bpmn:EndEvent' ||
    element.$type === 'bpmn:SendTask';
  const correlationKey = correlationAttribute(throwing ? element : message);
  const name: string = message?.name ?? message?.id ?? '';
  return correlationKey === undefined ? { kind: 'message', name } : { kind: 'message', name, correlationKey };
}

function readEvent(element: Element): EventDefinitions {
  // contained definitions, then those declared in bpmn:definitions and referenced by id (eventDefinitionRef):
  // BPMN §10.5.1 treats both alike
  const contained: Element[] = element.eventDefinitions ?? [];
  const referenced: Element[] = (element.eventDefinitionRef ?? []).filter((d: Element) => d?.$type);
  const definitions = referenced.length > 0 ? [...contained, ...referenced] : contained;
  const first = definitions[0];
  if (!first) return { event: null, count: 0 };
  const kind = EVENT_DEFINITION_KINDS[first.$type];
  const count = definitions.length;
  switch (kind) {
    case 'message':
      // no messageRef: no name ('' — validation reports it rather than inventing one)
      return { event: messageEvent(element, first.messageRef), count };
    case 'signal':
      return { event: { kind, name: first.signalRef?.name ?? first.signalRef?.id ?? element.id }, count };
    case 'error':
      return { event: { kind, code: first.errorRef?.errorCode ?? first.errorRef?.id ?? null }, count };
    case 'escalation':
      return {
        event: { kind, code: first.escalationRef?.escalationCode ?? first.escalationRef?.id ?? null },
        count,
      };
    case 'timer': {
      const workingDays = first.workingDays ?? first.$attrs?.['gov:workingDays'];
      if (workingDays !== undefined && workingDays !== null && String(workingDays).trim() !== '') {
        return { event: { kind, timer: 'workingDays', expression: String(workingDays).trim() }, count };
      }
      const timer = first.timeDuration
        ? 'duration'
        : first.timeDate
          ? 'date'
          : first.timeCycle
            ? 'cycle'
            : null;
      const expression = body(first.timeDuration ?? first.timeDate ?? first.timeCycle);
      return {
        event: { kind, timer: timer ?? 'duration', expression: timer ? (expression ?? '') : '' },
        count,
      };
    }
    case 'terminate':
      return { event: { kind }, count };
    case 'link':
      return { event: { kind, name: first.name ?? element.name ?? element.id }, count };
    case 'conditional':
      return { event: { kind, condition: body(first.condition) ?? '' }, count };
    default:
      // cancel and compensate: read as events the engine refuses (see the element registry)
      return { event: null, count, unsupported: UNSUPPORTED_EVENT_DEFINITIONS[first.$type] ?? 'cancel' };
  }
}

function readLoop(element: Element): LoopSpec | null {
  const loop = element.loopCharacteristics;
  if (!loop) return null;
  if (loop.$type === 'bpmn:StandardLoopCharacteristics') {
    const maximum = loop.loopMaximum;
    return {
      kind: 'standard',
      condition: body(loop.loopCondition),
      testBefore: loop.testBefore === true,
      maximum: maximum === undefined || maximum === null ? null : Number(maximum),
    };
  }
  return {
    kind: 'multi',
    sequential: loop.isSequential === true,
    cardinality: body(loop.loopCardinality),
    collection: loop.collection ?? null,
    elementVariable: loop.elementVariable ?? null,
    completionCondition: body(loop.completionCondition),
    behavior: loop.behavior ?? 'All',
  };
}

function readExtensions(element: Element): {
  materials: Material[];
  form: unknown | null;
  findings: Finding[];
} {
  const values: Element[] = element.extensionElements?.values ?? [];
  const materials: Material[] = [];
  const findings: Finding[] = [];
  let form: unknown | null = null;
  for (const value of values) {
    if (value.$type === 'gov:Materials') {
      for (const material of value.materials ?? []) {
        materials.push({
          id: material.id,
          name: material.name ?? material.id,
          source: material.source === 'shared' ? 'shared' : 'applicant',
          required: material.required !== false,
        });
      }
    } else if (value.$type === 'gov:Form') {
      try {
        form = JSON.parse(value.schema ?? '');
      } catch (error) {
        findings.push({
          elementId: element.id,
          type: 'invalidForm',
          severity: 'error',
          message: `gov:form of '${element.id}' is not valid JSON (${(error as Error).message}): write the form as a JSON Schema object`,
        });
      }
    }
  }
  return { materials, form, findings };
}

function laneNames(laneSets: Element[] | undefined, into: Map<string, string>): void {
  for (const laneSet of laneSets ?? []) {
    for (const lane of laneSet.lanes ?? []) {
      for (const ref of lane.flowNodeRef ?? []) if (ref?.id && lane.name) into.set(ref.id, lane.name);
      // a nested lane is more specific than its parent: it is read after and wins
      if (lane.childLaneSet) laneNames([lane.childLaneSet], into);
    }
  }
}

function toNode(element: Element, scope: string, lanes: Map<string, string>): FlowNode {
  const read = readEvent(element);
  // a receive or send task names its message directly
  const event: EventDefinition | null =
    read.event ?? (element.messageRef ? messageEvent(element, element.messageRef) : null);
  const count = read.count;
  const { materials, form } = readExtensions(element);
  const department = element.department ?? lanes.get(element.id) ?? null;
  return {
    id: element.id,
    type: localName(element.$type),
    name: element.name ?? null,
    scope,
    incoming: [],
    outgoing: [],
    department: typeof department === 'string' && department.trim() !== '' ? department.trim() : null,
    ...(typeof element.candidates === 'string' && element.candidates.trim() !== ''
      ? { candidates: element.candidates.trim() }
      : {}),
    timeLimit:
      typeof element.timeLimit === 'number' && Number.isFinite(element.timeLimit) ? element.timeLimit : null,
    ...(typeof element.warnAt === 'number' && Number.isFinite(element.warnAt)
      ? { warnAt: element.warnAt }
      : {}),
    inPerson: element.inPerson === true,
    correction: element.correction === true,
    pausesClock: element.pausesClock === true,
    materials,
    form,
    loop: readLoop(element),
    boundaries: [],
    defaultFlow: element.default?.id ?? null,
    event,
    eventDefinitionCount: count,
    ...(read.unsupported ? { unsupportedEvent: read.unsupported } : {}),
    attachedTo: element.attachedToRef?.id ?? null,
    interrupting:
      element.$type === 'bpmn:BoundaryEvent'
        ? element.cancelActivity !== false
        : element.isInterrupting !== false,
    triggeredByEvent: element.triggeredByEvent === true,
    calledElement:
      typeof element.calledElement === 'string' ? element.calledElement : (element.calledElement?.id ?? null),
    script: typeof element.script === 'string' ? element.script : null,
    scriptFormat: element.scriptFormat ?? null,
    resultVariable: element.resultVariable ?? null,
    handler: element.handler ?? null,
    instantiate: element.instantiate === true,
    startQuantity: typeof element.startQuantity === 'number' ? element.startQuantity : 1,
    completionQuantity: typeof element.completionQuantity === 'number' ? element.completionQuantity : 1,
    ...readMappings(element),
  };
}

/**
 * A call activity's gov:in and gov:out extension elements, and a message sender's gov:payload; each list absent
 * when none is written.
 */
function readMappings(element: Element): {
  inputs?: VariableMapping[];
  outputs?: VariableMapping[];
  payload?: VariableMapping[];
} {
  const values: Element[] = element.extensionElements?.values ?? [];
  const list = (type: string): VariableMapping[] =>
    values
      .filter((v) => v.$type === type)
      .map((v) => ({ source: String(v.source ?? '').trim(), target: String(v.target ?? '').trim() }));
  const inputs = list('gov:In');
  const outputs = list('gov:Out');
  const payload = list('gov:Payload');
  return {
    ...(inputs.length > 0 ? { inputs } : {}),
    ...(outputs.length > 0 ? { outputs } : {}),
    ...(payload.length > 0 ? { payload } : {}),
  };
}

function collect(
  container: Element,
  graph: ProcessGraph,
  lanes: Map<string, string>,
  findings: Finding[],
): void {
  const scope: Scope = { id: container.id, nodes: [], startEvents: [], eventSubprocesses: [] };
  graph.scopes[scope.id] = scope;
  laneNames(container.laneSets, lanes);
  const flows: Element[] = [];
  for (const element of container.flowElements ?? []) {
    if (element.$type === 'bpmn:SequenceFlow') {
      flows.push(element);
      continue;
    }
    if (
      element.$type === 'bpmn:DataObject' ||
      element.$type === 'bpmn:DataObjectReference' ||
      element.$type === 'bpmn:DataStoreReference'
    ) {
      continue; // data, not flow: documents are modelled as gov:materials
    }
    const node = toNode(element, scope.id, lanes);
    findings.push(...readExtensions(element).findings);
    graph.nodes[node.id] = node;
    scope.nodes.push(node.id);
    if (node.type === 'startEvent') scope.startEvents.push(node.id);
    if (node.type === 'subProcess' && node.triggeredByEvent) scope.eventSubprocesses.push(node.id);
    if (element.flowElements) collect(element, graph, lanes, findings);
  }
  for (const flow of flows) {
    const source = flow.sourceRef?.id;
    const target = flow.targetRef?.id;
    graph.flows[flow.id] = {
      id: flow.id,
      name: flow.name ?? null,
      source,
      target,
      condition: body(flow.conditionExpression),
      scope: scope.id,
    };
  }
}

/** Connects flows and boundary events to their nodes once every node is known. */
function link(graph: ProcessGraph, findings: Finding[]): void {
  for (const flow of Object.values(graph.flows)) {
    const source = flow.source ? graph.nodes[flow.source] : undefined;
    const target = flow.target ? graph.nodes[flow.target] : undefined;
    if (!source || !target) {
      // a dangling reference was reported already by the reader; a missing attribute or external end was not
      if (findings.some((f) => f.elementId === flow.id && f.type === 'unresolvedReference')) continue;
      findings.push({
        elementId: flow.id,
        type: 'unresolvedReference',
        severity: 'error',
        message: `sequence flow '${flow.id}' ${!source ? 'has no source' : 'has no target'}: connect both of its ends to flow nodes`,
      });
      continue;
    }
    source.outgoing.push(flow.id);
    target.incoming.push(flow.id);
  }
  for (const node of Object.values(graph.nodes)) {
    if (node.type !== 'boundaryEvent') continue;
    const host = node.attachedTo ? graph.nodes[node.attachedTo] : undefined;
    if (host) host.boundaries.push(node.id);
  }
}

/**
 * The processes of a definitions document to run: every one marked executable (a collaboration deploys each
 * as its own key), else the only one, else — several pools and none executable — the first with flow nodes,
 * with a warning.
 */
export function pickProcesses(definitions: Element, findings: Finding[]): Element[] {
  const processes: Element[] = (definitions.rootElements ?? []).filter(
    (e: Element) => e.$type === 'bpmn:Process',
  );
  if (processes.length === 0) {
    findings.push({
      elementId: definitions.id ?? null,
      type: 'noProcess',
      severity: 'error',
      message: 'the document holds no bpmn:process: draw a process (a pool) with a start event',
    });
    return [];
  }
  const executable = processes.filter((p) => p.isExecutable === true);
  if (executable.length > 0) return executable;
  if (processes.length === 1) return processes;
  // several non-executable pools (a collaboration diagram): take the first with flow nodes
  const withContent = processes.filter((p) => (p.flowElements ?? []).length > 0);
  findings.push({
    elementId: (withContent[0] ?? processes[0]).id,
    type: 'noExecutableProcess',
    severity: 'warning',
    message: `${processes.length} processes and none marked executable: reading '${(withContent[0] ?? processes[0]).id}'; set isExecutable="true" on the ones to run`,
  });
  return [withContent[0] ?? processes[0]];
}

/** Every flow node id of a process (nested ones included), to find which pool an element is in. */
function elementIds(container: Element, into: Set<string>): Set<string> {
  for (const element of container.flowElements ?? []) {
    into.add(element.id);
    if (element.flowElements) elementIds(element, into);
  }
  return into;
}

/** The pools (processes) of the document and the message flows between them (BPMN §9.2: from and to a pool or a node in it). */
export function readCollaboration(definitions: Element): Collaboration {
  const roots: Element[] = definitions.rootElements ?? [];
  const processes = roots.filter((e) => e.$type === 'bpmn:Process');
  const byProcess = processes.map((p) => ({ id: p.id as string, ids: elementIds(p, new Set<string>()) }));
  const participants = new Map<string, string | null>();
  const messageFlows: MessageFlow[] = [];
  for (const collaboration of roots.filter((e) => e.$type === 'bpmn:Collaboration')) {
    for (const participant of collaboration.participants ?? [])
      participants.set(participant.id, participant.processRef?.id ?? null);
    for (const flow of collaboration.messageFlows ?? []) {
      const end = (ref: Element): MessageFlowEnd => {
        const id: string | undefined = ref?.id;
        if (!id) return { process: null, participant: null, element: null };
        if (participants.has(id))
          return { process: participants.get(id) ?? null, participant: id, element: null };
        const process = byProcess.find((p) => p.ids.has(id))?.id ?? null;
        const participant = [...participants].find(([, p]) => p !== null && p === process)?.[0] ?? null;
        return { process, participant, element: id };
      };
      messageFlows.push({
        id: flow.id,
        name: flow.name ?? null,
        source: end(flow.sourceRef),
        target: end(flow.targetRef),
        message: flow.messageRef ? (flow.messageRef.name ?? flow.messageRef.id) : null,
      });
    }
  }
  return {
    processes: processes.map((p) => ({
      id: p.id,
      name: p.name ?? null,
      executable: p.isExecutable === true,
    })),
    messageFlows,
  };
}

/** The graph of the chosen process: its own attributes, then every node and flow, then the links between them. */
export function buildGraph(process: Element, findings: Finding[]): ProcessGraph {
  const root = readExtensions(process);
  findings.push(...root.findings);
  const graph: ProcessGraph = {
    key: process.id,
    name: process.name ?? null,
    serviceCode: process.serviceCode ?? null,
    timeLimit:
      typeof process.timeLimit === 'number' && Number.isFinite(process.timeLimit) ? process.timeLimit : null,
    statutoryLimit:
      typeof process.statutoryLimit === 'number' && Number.isFinite(process.statutoryLimit)
        ? process.statutoryLimit
        : null,
    ...(typeof process.warnAt === 'number' && Number.isFinite(process.warnAt)
      ? { warnAt: process.warnAt }
      : {}),
    form: root.form,
    ...(typeof process.variables === 'string'
      ? { variables: process.variables.split(/[\s,]+/).filter((name: string) => name !== '') }
      : {}),
    nodes: {},
    flows: {},
    scopes: {},
  };
  collect(process, graph, new Map(), findings);
  link(graph, findings);
  return graph;
}

/** Call activities calling a global task of the document, which Reflow does not run. */
export function globalTaskCallFindings(definitions: Element, graph: ProcessGraph): Finding[] {
  const globalTasks = new Set(
    (definitions.rootElements ?? [])
      .filter((e: Element) => /^bpmn:Global/.test(e.$type))
      .map((e: Element) => e.id),
  );
  const findings: Finding[] = [];
  for (const node of Object.values(graph.nodes)) {
    if (node.type === 'callActivity' && node.calledElement && globalTasks.has(node.calledElement)) {
      findings.push({
        elementId: node.id,
        type: 'unsupportedElement',
        severity: 'error',
        message: `callActivity '${node.id}' calls global task '${node.calledElement}', which Reflow does not run: call a deployed process by its key`,
      });
    }
  }
  return findings;
}
