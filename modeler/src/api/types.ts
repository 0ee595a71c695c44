/** The shapes of the HTTP API's answers (README: HTTP API, 各项指标如何计算 / Figures) that the dashboards read. */
import type {
  DynamicMetrics as EngineDynamicMetrics,
  StaticMetrics,
  StepFigures,
} from '../../../engine/browser.js';

export type { StaticMetrics };

export interface ApiFinding {
  elementId: string | null;
  type: string;
  severity?: string;
  message: string;
}

/** draft 草稿 (never in force), published 已发布 (new cases start on it), retired 已停用. */
export type VersionStatus = 'draft' | 'published' | 'retired';

export interface DefinitionSummary {
  key: string;
  name: string | null;
  /** The version new cases start on (null: none published). */
  inForce?: number | null;
  inForceSince?: string | null;
  versions: {
    version: number;
    id: string;
    deployedAt: string;
    name?: string | null;
    status?: VersionStatus;
    effectiveAt?: string | null;
    scheduledAt?: string | null;
  }[];
}

export interface DefinitionVersion {
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: string;
  xml: string;
  metrics: StaticMetrics;
  warnings?: ApiFinding[];
}

export interface Deployed {
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: string;
  warnings: ApiFinding[];
  /** 200 for a version with the same meaning in another form: that version's stored diagram is now this one. */
  diagramUpdated?: boolean;
  /** This deployment published the version (the first of a new key); otherwise a new version is a draft. */
  published?: boolean;
  /** Every executable process of the file (a collaboration: one per pool), each its own key and version. */
  processes?: { key: string; version: number; created: boolean; diagramUpdated: boolean }[];
  /** The message flows between the file's pools. */
  messageFlows?: { id: string; name: string | null }[];
}

export interface Step {
  id: string;
  elementId: string;
  name: string | null;
  type: string;
  department: string | null;
  status: 'active' | 'completed' | 'cancelled' | 'failed';
  enteredAt: string;
  completedAt: string | null;
  dueAt?: string | null;
  durationMs: number | null;
  workingDays: number | null;
  /** 经办人: who completed the step's task (or the handler an imported step names). */
  handler: { userId: string; name: string } | null;
}

export interface CaseView {
  id: string;
  process: string;
  version: number;
  businessKey: string | null;
  status: string;
  startedAt: string;
  endedAt: string | null;
  variables: Record<string, unknown>;
  trips: number;
  workingDays?: number | null;
  incidents: { elementId: string; message: string }[];
  timeline: Step[];
  /** `GET /api/cases/{id}` only: the master whose message started the case, and the 一件事 it belongs to. */
  rootCaseId?: string | null;
  oneThing?: OneThing | null;
}

/** A 一件事: its cases, the master first, and the figures over them (server/cases/case-queries.ts). */
export interface OneThing {
  masterCaseId: string;
  trips: number;
  firstTime: boolean;
  workingDays: number | null;
  cases: (CaseSummary & { firstTime: boolean; master: boolean })[];
}

export interface CaseSummary {
  id: string;
  process: string;
  version: number;
  businessKey: string | null;
  status: string;
  startedAt: string;
  endedAt: string | null;
  trips: number;
  workingDays: number | null;
}

export interface Task {
  id: string;
  caseId: string;
  elementId: string;
  name: string | null;
  department: string | null;
  createdAt: string;
  dueAt: string | null;
  status: string;
  overdue?: boolean;
  /** 办件编号 and the service (事项). */
  businessKey?: string | null;
  process?: string;
  processName?: string | null;
  claimedBy?: { userId: string; name: string } | null;
  /** Working days until the due date (negative: overdue by). */
  remainingWorkingDays?: number | null;
}

/** The per-step and dynamic figures as the metrics API returns them (the engine's own types). */
export type StepMetrics = StepFigures;
export type DynamicMetrics = EngineDynamicMetrics & { [figure: string]: unknown };

export interface VersionMetrics {
  static: StaticMetrics;
  dynamic: DynamicMetrics;
}

export interface FigureChange {
  before: number | null;
  after: number | null;
  delta: number | null;
  percent: number | null;
  /** What the figure means, from the catalogue (engine/metrics/figures.ts). */
  unit?: string;
  better?: 'higher' | 'lower' | 'neither';
  changeKind?: 'pp' | 'percent';
}

export interface Comparison {
  before: VersionMetrics;
  after: VersionMetrics;
  change: Record<string, FigureChange>;
}

/** 电子监察 of one department in one version (GET /api/processes/{key}/departments). */
export interface DepartmentCards {
  department: string | null;
  stepsWithLimit: number;
  warnedSteps: number;
  redCardSteps: number;
  stepWarningRate: number | null;
  stepRedCardRate: number | null;
}

/** The card figures per department of two versions. */
export interface DepartmentComparison {
  key: string;
  from: number;
  to: number;
  before: DepartmentCards[];
  after: DepartmentCards[];
}

/** A follow-up note (督办意见) a supervisor wrote on a card. */
export interface WarningNote {
  id: string;
  author: string;
  text: string;
  createdAt: string;
}

/** A yellow or red card of electronic supervision (电子监察) with its follow-up notes, as GET /api/warnings lists it. */
export interface WarningCard {
  id: string;
  level: 'yellow' | 'red';
  subject: 'task' | 'case';
  caseId: string;
  taskId: string | null;
  processKey: string;
  version: number;
  elementId: string;
  department: string | null;
  raisedAt: string;
  dueAt: string | null;
  usedShare: number;
  limitDays: number;
  clearedAt: string | null;
  notes: WarningNote[];
}
