// Reads every case of a database and reports what would show a half-applied command: the snapshot, the steps,
// tasks and timers rows and the audit log must tell the same story, and each audit chain must verify.
import type { CaseSnapshot } from '../../engine/elements/state.js';
import type { Db } from '../../server/db/database.js';
import { auditHash, GENESIS_HASH } from '../../server/store/audit-log.js';

export interface CaseFacts {
  id: string;
  processKey: string;
  status: string;
  snapshot: CaseSnapshot;
  steps: { id: string; element_id: string; status: string }[];
  tasks: { id: string; element_id: string; status: string }[];
  timers: { id: string }[];
  audit: { seq: number; type: string; payload: any; at: Date }[];
}

export interface IntegrityReport {
  cases: Map<string, CaseFacts>;
  /** One line per inconsistency found (empty when every case is whole). */
  problems: string[];
  /** Timer id → how many timerFired events it has. */
  timerFired: Map<string, number>;
  /** Timer ids that were scheduled, per case. */
  timersScheduled: Map<string, string[]>;
}

const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean => {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

export async function checkIntegrity(db: Db): Promise<IntegrityReport> {
  const problems: string[] = [];
  const cases = new Map<string, CaseFacts>();
  const rows = await db.selectFrom('cases').select(['id', 'process_key', 'status', 'snapshot']).execute();
  for (const row of rows) {
    cases.set(row.id, {
      id: row.id,
      processKey: row.process_key,
      status: row.status,
      snapshot: row.snapshot as CaseSnapshot,
      steps: [],
      tasks: [],
      timers: [],
      audit: [],
    });
  }
  const own = (caseId: string, what: string) => {
    const c = cases.get(caseId);
    if (!c) problems.push(`${what} of case ${caseId}, which does not exist`);
    return c;
  };
  for (const s of await db.selectFrom('steps').select(['id', 'case_id', 'element_id', 'status']).execute())
    own(s.case_id, `step ${s.id}`)?.steps.push(s);
  for (const k of await db.selectFrom('tasks').select(['id', 'case_id', 'element_id', 'status']).execute())
    own(k.case_id, `task ${k.id}`)?.tasks.push(k);
  for (const m of await db.selectFrom('timers').select(['id', 'case_id']).execute())
    own(m.case_id, `timer ${m.id}`)?.timers.push(m);
  const audit = await db.selectFrom('audit_events').selectAll().orderBy('case_id').orderBy('seq').execute();
  const chains = new Map<string, typeof audit>();
  for (const a of audit) {
    if (!chains.has(a.case_id)) chains.set(a.case_id, []);
    chains.get(a.case_id)!.push(a);
    own(a.case_id, `audit event ${a.seq}`)?.audit.push({
      seq: a.seq,
      type: a.type,
      payload: a.payload,
      at: a.at,
    });
  }

  const timerFired = new Map<string, number>();
  const timersScheduled = new Map<string, string[]>();
  for (const c of cases.values()) {
    const p = (message: string) => problems.push(`case ${c.id} (${c.processKey}, ${c.status}): ${message}`);
    // the audit chain: seq 1..n, each prev_hash the previous hash, each hash recomputed
    let prev = GENESIS_HASH;
    const chain = chains.get(c.id) ?? [];
    if (chain.length === 0) p('has no audit events');
    chain.forEach((a, i) => {
      if (a.seq !== i + 1) p(`audit seq ${a.seq} at position ${i + 1}`);
      if (a.prev_hash !== prev) p(`audit event ${a.seq}: prev_hash does not match the previous hash`);
      const hash = auditHash(prev, c.id, a.seq, {
        type: a.type,
        at: a.at,
        actor: a.actor,
        payload: a.payload,
      });
      if (hash !== a.hash) p(`audit event ${a.seq} (${a.type}): hash does not verify`);
      prev = a.hash;
    });
    const ofType = (type: string) => c.audit.filter((a) => a.type === type);
    // status
    if (c.snapshot.status !== c.status) p(`row status ${c.status} but snapshot ${c.snapshot.status}`);
    const ended =
      ofType('caseCompleted').length + ofType('caseCancelled').length + ofType('caseFailed').length;
    if ((c.status === 'active') !== (ended === 0)) p(`status ${c.status} with ${ended} end events`);
    if (ofType('caseStarted').length !== 1) p(`${ofType('caseStarted').length} caseStarted events`);
    // open activities of the snapshot = open task rows
    const waiting = Object.values(c.snapshot.activities ?? {})
      .filter((a) => a.wait === 'task')
      .map((a) => a.id);
    const open = c.tasks.filter((k) => k.status === 'open').map((k) => k.id);
    if (!sameSet(waiting, open)) p(`snapshot waits on tasks [${waiting}] but open task rows are [${open}]`);
    // pending timers of the snapshot = timer rows
    if (
      !sameSet(
        Object.keys(c.snapshot.timers ?? {}),
        c.timers.map((m) => m.id),
      )
    ) {
      p(
        `snapshot timers [${Object.keys(c.snapshot.timers ?? {})}] but timer rows [${c.timers.map((m) => m.id)}]`,
      );
    }
    // steps and tasks rows = their audit events
    const ids = (type: string, key: 'step' | 'task' | 'taskId') =>
      ofType(type).map((a) => (key === 'taskId' ? a.payload.taskId : a.payload[key].id) as string);
    const lastStepStatus = new Map<string, string>();
    for (const a of c.audit) {
      if (a.type === 'stepEntered') lastStepStatus.set(a.payload.step.id, 'active');
      if (a.type === 'stepCompleted') lastStepStatus.set(a.payload.step.id, 'completed');
      if (a.type === 'stepCancelled') lastStepStatus.set(a.payload.step.id, 'cancelled');
      if (a.type === 'stepFailed') lastStepStatus.set(a.payload.step.id, 'failed');
    }
    if (
      !sameSet(
        ids('stepEntered', 'step'),
        c.steps.map((s) => s.id),
      )
    )
      p(`stepEntered events and step rows differ`);
    if (
      !sameSet(
        ids('stepCompleted', 'step'),
        c.steps.filter((s) => s.status === 'completed').map((s) => s.id),
      )
    ) {
      p(
        `stepCompleted events [${ids('stepCompleted', 'step')}] and completed step rows [${c.steps.filter((s) => s.status === 'completed').map((s) => s.id)}] differ`,
      );
    }
    for (const s of c.steps)
      if (lastStepStatus.get(s.id) !== s.status)
        p(`step ${s.id} row ${s.status}, audit ${lastStepStatus.get(s.id)}`);
    if (
      !sameSet(
        ids('taskCreated', 'task'),
        c.tasks.map((k) => k.id),
      )
    )
      p(`taskCreated events and task rows differ`);
    if (
      !sameSet(
        ids('taskCompleted', 'taskId'),
        c.tasks.filter((k) => k.status === 'completed').map((k) => k.id),
      )
    )
      p(`taskCompleted events and completed task rows differ`);
    if (
      !sameSet(
        ids('taskCancelled', 'taskId'),
        c.tasks.filter((k) => k.status === 'cancelled').map((k) => k.id),
      )
    )
      p(`taskCancelled events and cancelled task rows differ`);
    // timers: each scheduled one fired or was cancelled at most once, and is pending exactly when neither happened
    const scheduled = ofType('timerScheduled').map((a) => a.payload.timer.id as string);
    timersScheduled.set(c.id, scheduled);
    for (const a of ofType('timerFired'))
      timerFired.set(a.payload.timerId, (timerFired.get(a.payload.timerId) ?? 0) + 1);
    for (const id of scheduled) {
      const fired = ofType('timerFired').filter((a) => a.payload.timerId === id).length;
      const cancelled = ofType('timerCancelled').filter((a) => a.payload.timerId === id).length;
      const pending = c.timers.some((m) => m.id === id) ? 1 : 0;
      if (fired + cancelled + pending !== 1)
        p(`timer ${id}: fired ${fired}, cancelled ${cancelled}, pending ${pending}`);
    }
  }
  return { cases, problems, timerFired, timersScheduled };
}
