/** A case as the API shows it: its row, variables, incidents, open tasks and timeline (steps). */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { CaseSnapshot, Variables } from '../../engine/index.js';
import type { CaseState } from './case-cache.js';

export interface StepView {
  id: string;
  elementId: string;
  name: string | null;
  type: string;
  department: string | null;
  status: string;
  enteredAt: string;
  completedAt: string | null;
  dueAt: string | null;
  durationMs: number | null;
  workingDays: number | null;
  /** Who completed the step's task (经办人); null for steps that are no task or not completed by a person. */
  handler: { userId: string; name: string } | null;
}

/** A work item waiting in a department, as a case view lists it. */
export interface OpenTask {
  id: string;
  elementId: string;
  name: string | null;
  department: string | null;
  createdAt: string;
  dueAt: string | null;
  /** The due date lies past the calendar's horizon: computed without that year's holidays, an estimate. */
  calendarEstimated: boolean;
  /** Who holds it (claimed or assigned); null: the department's queue. */
  claimedBy: { userId: string; name: string } | null;
}

export interface CaseView {
  id: string;
  process: string;
  version: number;
  businessKey: string | null;
  status: string;
  channel: string | null;
  startedAt: string;
  endedAt: string | null;
  variables: Variables;
  materials: string[];
  trips: number;
  firstTime: boolean;
  workingDays: number | null;
  /** A due date or working-day figure of the case lies past the calendar's horizon (see server/calendar). */
  calendarEstimated: boolean;
  /** `elements`: those that kept running when a command was stopped over its budget (the loop). */
  incidents: { elementId: string; message: string; elements?: string[] }[];
  /** The work items waiting in departments now (办件进度: who has the case). */
  openTasks: OpenTask[];
  timeline: StepView[];
}

/**
 * A case as a `Prefer: return=minimal` answer shows it (RFC 7240): what a client working a case through needs
 * after a command, its status and the tasks now open, without variables, timeline or figures.
 */
export interface MinimalCaseView {
  id: string;
  status: string;
  openTasks: OpenTask[];
}

/** How a command's answer shows the case it left (the full view, or the minimal one). */
export type CaseAnswer<T> = (state: CaseState, calendar: WorkingCalendar) => T;

/** The case's open tasks, oldest first. */
function openTasksOf(state: CaseState, calendar: WorkingCalendar): OpenTask[] {
  return [...state.tasks.values()]
    .filter((t) => t.status === 'open')
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
    .map((t) => ({
      id: t.id,
      elementId: t.element_id,
      name: t.name,
      department: t.department,
      createdAt: new Date(t.created_at).toISOString(),
      dueAt: t.due_at === null ? null : new Date(t.due_at).toISOString(),
      calendarEstimated: t.due_at !== null && calendar.beyondHorizon(t.due_at),
      claimedBy:
        t.claimed_by === null ? null : { userId: t.claimed_by, name: t.claimed_name ?? t.claimed_by },
    }));
}

/** The minimal answer to a command: the case's id, status and open tasks. */
export function minimalCaseView(state: CaseState, calendar: WorkingCalendar): MinimalCaseView {
  return { id: state.row.id, status: state.row.status, openTasks: openTasksOf(state, calendar) };
}

/** A step's handler (经办人): who completed its task, or the one an imported step names (org:resource). */
const handlerOf = (by: { handler_id: string | null; handler_name: string | null } | undefined) =>
  by?.handler_id ? { userId: by.handler_id, name: by.handler_name ?? by.handler_id } : null;

/** The API's view of a case, with working days and estimates from the node's calendar. */
export function caseView(state: CaseState, calendar: WorkingCalendar): CaseView {
  const c = state.row;
  const perDay = calendar.msPerWorkingDay;
  const snapshot = c.snapshot as CaseSnapshot;
  const steps = [...state.steps.values()].sort((a, b) => a.entered_at - b.entered_at || a.seq - b.seq);
  const at = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const past = (t: number | null) => t !== null && calendar.beyondHorizon(t);
  const estimated =
    (c.working_ms !== null && c.ended_at !== null && past(c.ended_at.getTime())) ||
    steps.some((s) => past(s.due_at) || (s.working_ms !== null && past(s.completed_at)));
  return {
    id: c.id,
    process: c.process_key,
    version: c.version,
    businessKey: c.business_key,
    status: c.status,
    channel: c.channel,
    startedAt: c.started_at.toISOString(),
    endedAt: c.ended_at?.toISOString() ?? null,
    // a copy: the remembered snapshot is changed in place by the case's next command, maybe before this view
    // is serialized
    variables: structuredClone(snapshot.variables ?? {}),
    materials: c.materials ?? [],
    trips: c.trips,
    firstTime: !c.corrected,
    workingDays: c.working_ms === null ? null : Number(c.working_ms) / perDay,
    calendarEstimated: estimated,
    incidents: (snapshot.incidents ?? []).map((i) => ({
      elementId: i.elementId,
      message: i.message,
      ...(i.elements ? { elements: i.elements } : {}),
    })),
    openTasks: openTasksOf(state, calendar),
    timeline: steps.map((s) => ({
      id: s.id,
      elementId: s.element_id,
      name: s.name,
      type: s.type,
      department: s.department,
      status: s.status,
      enteredAt: new Date(s.entered_at).toISOString(),
      completedAt: at(s.completed_at),
      dueAt: at(s.due_at),
      durationMs: s.completed_at === null ? null : s.completed_at - s.entered_at,
      workingDays: s.working_ms === null ? null : Number(s.working_ms) / perDay,
      handler: handlerOf(state.tasks.get(s.id)) ?? handlerOf(s),
    })),
  };
}
