/** The typed process graph: what the engine, the metrics and the modeler read off a BPMN diagram. */

export type Severity = 'error' | 'warning';

/** A validation finding: always names the element, what is wrong and how to fix it. */
export interface Finding {
  elementId: string | null;
  type: string;
  severity: Severity;
  message: string;
  line?: number;
  column?: number;
}

export interface Material {
  id: string;
  name: string;
  source: 'applicant' | 'shared';
  required: boolean;
}

/** `workingDays`: `gov:workingDays` on the timer definition — due N working days later (法定/承诺时限, 超时默认). */
export type TimerKind = 'duration' | 'date' | 'cycle' | 'workingDays';

export type EventDefinition =
  /**
   * `correlationKey`: a FEEL expression (`=expr`). On a catching element, the bpmn:message's gov:correlationKey
   * (evaluated in the receiving case when it starts waiting); on a throwing element (throw event, message end
   * event, send task), the element's own gov:correlationKey (evaluated in the sending case). Absent: `=businessKey`.
   */
  | { kind: 'message'; name: string; correlationKey?: string }
  | { kind: 'signal'; name: string }
  | { kind: 'error'; code: string | null }
  | { kind: 'escalation'; code: string | null }
  | { kind: 'timer'; timer: TimerKind; expression: string }
  | { kind: 'terminate' }
  | { kind: 'link'; name: string }
  | { kind: 'conditional'; condition: string };

/** An event definition the reader knows and the engine refuses (the element registry says why). */
export type UnsupportedEvent = 'cancel' | 'compensate';

export type LoopSpec =
  | { kind: 'standard'; condition: string | null; testBefore: boolean; maximum: number | null }
  | {
      kind: 'multi';
      sequential: boolean;
      cardinality: string | null;
      collection: string | null;
      elementVariable: string | null;
      completionCondition: string | null;
      /** `All` (default), or `None`/`One`/`Complex`: events thrown as instances complete. */
      behavior: string;
    };

export interface FlowNode {
  id: string;
  /** BPMN local type name: `userTask`, `exclusiveGateway`, `boundaryEvent`… */
  type: string;
  name: string | null;
  /** Id of the container: the process or the (event) subprocess holding this node. */
  scope: string;
  incoming: string[];
  outgoing: string[];
  /** `gov:department`, else the lane's name; may be a FEEL expression (leading `=`). */
  department: string | null;
  /**
   * `gov:candidates`: who may claim the task — user ids or department names, separated by spaces or commas, or a
   * FEEL expression (leading `=`) giving one such string or a list, evaluated in the case when claimed.
   */
  candidates?: string;
  timeLimit: number | null;
  /**
   * `gov:warnAt`: the share of its time limit at which a step gets a yellow card (黄牌预警), overriding the
   * process's and the server's default. Absent (not null) when not written, so semantic forms stay as they were.
   */
  warnAt?: number;
  inPerson: boolean;
  correction: boolean;
  pausesClock: boolean;
  materials: Material[];
  form: unknown | null;
  loop: LoopSpec | null;
  /** Boundary events attached to this activity. */
  boundaries: string[];
  defaultFlow: string | null;
  /** The (first) event definition of an event; null for none events. */
  event: EventDefinition | null;
  /** Number of event definitions: more than one is a multiple event, which the engine does not run. */
  eventDefinitionCount: number;
  /**
   * Set when the (first) event definition is one the engine refuses; `event` is then null. Absent otherwise,
   * not null, so the semantic form (semantic-form.ts) of every deployable graph stays as it was.
   */
  unsupportedEvent?: UnsupportedEvent;
  attachedTo: string | null;
  /** Boundary `cancelActivity`, event subprocess start `isInterrupting`. */
  interrupting: boolean;
  /** An event subprocess (`triggeredByEvent`). */
  triggeredByEvent: boolean;
  calledElement: string | null;
  script: string | null;
  scriptFormat: string | null;
  resultVariable: string | null;
  handler: string | null;
  /** Tokens needed to start, and produced on completion (BPMN allows other than 1; Reflow runs 1). */
  startQuantity: number;
  completionQuantity: number;
  /** receiveTask/startEvent `instantiate`. */
  instantiate: boolean;
  /**
   * A call activity's `gov:in` mappings: the called process starts with exactly these variables. Absent (not
   * empty) when none are written: it then starts with a copy of every variable the call activity sees.
   */
  inputs?: VariableMapping[];
  /** A call activity's `gov:out` mappings: only these go back. Absent: every variable of the called process goes back. */
  outputs?: VariableMapping[];
  /**
   * A message sender's `gov:payload` mappings (message throw or end event, send task): the message carries
   * exactly these variables. Absent: it carries every variable of the sending scope.
   */
  payload?: VariableMapping[];
}

/** `gov:in` / `gov:out` on a call activity, `gov:payload` on a message sender: `target` is set to `source`, a FEEL expression (`=…`) or a variable's name. */
export interface VariableMapping {
  source: string;
  target: string;
}

/** One end of a message flow: a pool (element null) or a flow node in it. */
export interface MessageFlowEnd {
  /** The process of the pool (participant's processRef), or null for a black-box pool. */
  process: string | null;
  /** The participant (pool) id. */
  participant: string | null;
  /** The flow node, or null when the flow touches the pool's border. */
  element: string | null;
}

/** A bpmn:messageFlow of a collaboration: from which pool or element to which, and its message. */
export interface MessageFlow {
  id: string;
  name: string | null;
  source: MessageFlowEnd;
  target: MessageFlowEnd;
  /** The name (else id) of its messageRef, if any. */
  message: string | null;
}

/** The pools of a collaboration and the message flows between them. */
export interface Collaboration {
  /** Every bpmn:process of the document in order: executable ones are deployed, each as its own key. */
  processes: { id: string; name: string | null; executable: boolean }[];
  messageFlows: MessageFlow[];
}

export interface SequenceFlow {
  id: string;
  name: string | null;
  source: string;
  target: string;
  condition: string | null;
  scope: string;
}

export interface Scope {
  /** The process id or the subprocess id. */
  id: string;
  nodes: string[];
  /** Start events of this scope that are not inside an event subprocess. */
  startEvents: string[];
  /** Event subprocesses directly inside this scope. */
  eventSubprocesses: string[];
}

export interface ProcessGraph {
  /** The process id: the key a deployment is known by. */
  key: string;
  name: string | null;
  serviceCode: string | null;
  timeLimit: number | null;
  statutoryLimit: number | null;
  /** `gov:warnAt` on the process: the yellow-card share for its steps and its cases. Absent when not written. */
  warnAt?: number;
  form: unknown | null;
  /**
   * `gov:variables` on the process: names the process declares beyond its forms (set by messages, service
   * handlers, called processes). Absent when the attribute is not written (then the process declares its data
   * only if it has a form).
   */
  variables?: string[];
  nodes: Record<string, FlowNode>;
  flows: Record<string, SequenceFlow>;
  scopes: Record<string, Scope>;
}

export interface ParseResult {
  /** The process read: the one asked for by id, else the document's first executable process. */
  graph: ProcessGraph | null;
  findings: Finding[];
  /**
   * Every executable process of the document (a collaboration holds several; each deploys as its own key),
   * `graph` among them. Absent when the document could not be read.
   */
  graphs?: ProcessGraph[];
  /** The document's pools and message flows. */
  collaboration?: Collaboration;
}

export const ACTIVITY_TYPES = new Set([
  'task',
  'userTask',
  'manualTask',
  'serviceTask',
  'scriptTask',
  'receiveTask',
  'sendTask',
  'businessRuleTask',
  'subProcess',
  'callActivity',
  'adHocSubProcess',
  'transaction',
]);

export const isActivity = (node: FlowNode): boolean => ACTIVITY_TYPES.has(node.type);
