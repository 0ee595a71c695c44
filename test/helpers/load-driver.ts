// A load generator for the business start-up AFTER process (processes/business-startup.after.bpmn): N clients
// each drive one case at a time through HTTP — start it with a valid application form, complete 企业设立登记
// with materialsComplete=true (the main path), the five parallel registrations, then 窗口领取 or 邮寄 — and
// record every acknowledged (2xx) command and the latency of every request. Used by the CI load test, the
// database-restart test and test/bench/load.bench.ts; checkLoadOutcome() then reads the database.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAudit } from '../../server/audit/verify.js';
import type { Db } from '../../server/db/database.js';
import { checkIntegrity } from './case-integrity.js';

export const STARTUP_PROCESS = 'business_startup';
export const STARTUP_FILE = new URL('../../processes/business-startup.after.bpmn', import.meta.url).pathname;

/** One token per department (lane) of the AFTER process, and the intake window. */
export const LOAD_TOKENS = {
  intake: 'load-intake-000001',
  auditor: 'load-auditor-00001',
  admin: 'load-admin-000001',
  departments: {
    市场监管局: 'load-samr-0000001',
    公安局: 'load-police-000001',
    税务局: 'load-tax-00000001',
    人社局: 'load-hrss-0000001',
    公积金中心: 'load-fund-0000001',
    银行: 'load-bank-0000001',
    政务服务中心: 'load-centre-00001',
  } as Record<string, string>,
};

/** Writes REFLOW_TOKENS_FILE for a child server and returns its path. */
export function writeLoadTokens(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'load-tokens.json');
  writeFileSync(
    file,
    JSON.stringify([
      { token: LOAD_TOKENS.intake, role: 'intake' },
      { token: LOAD_TOKENS.auditor, role: 'auditor' },
      { token: LOAD_TOKENS.admin, role: 'admin' },
      ...Object.entries(LOAD_TOKENS.departments).map(([department, token]) => ({
        token,
        role: 'department',
        department,
      })),
    ]),
  );
  return file;
}

/** The main path: the five registrations done in parallel by their departments after 企业设立登记. */
export const PARALLEL_STEPS = ['seal_making', 'invoices', 'social_insurance', 'housing_fund', 'bank_account'];

export interface LoadOptions {
  url: string;
  cases: number;
  concurrency: number;
  version?: number;
  /** Complete the five parallel tasks of a case at once (concurrent commands on one case) or one by one. */
  parallelTasks?: boolean;
  /** Keep going after a failed request (the fault test); otherwise a failure stops that client. */
  tolerateErrors?: boolean;
  /** Stop starting new cases once this returns true. */
  stop?: () => boolean;
  /** Prefix of the business keys (LOAD-0 …). */
  prefix?: string;
  requestTimeoutMs?: number;
  /** Instead of starting cases, take these (started earlier) to their end. */
  resume?: string[];
}

export interface LoadResult {
  /** Case id → the delivery the applicant chose, for every acknowledged start. */
  started: Map<string, { delivery: 'window' | 'mail'; businessKey: string }>;
  /** Every acknowledged task completion. */
  completed: { caseId: string; taskId: string; elementId: string }[];
  /** Cases this driver saw reach `completed`. */
  finished: Set<string>;
  /** Milliseconds per request, by kind. */
  latencies: { start: number[]; complete: number[]; read: number[] };
  /** Failed requests: status (0 = no answer) and what was asked. */
  errors: { status: number; what: string; detail: string; at: number }[];
  requests: number;
  wallMs: number;
}

interface Step {
  id: string;
  elementId: string;
  type: string;
  department: string | null;
  status: string;
}
interface CaseView {
  id: string;
  status: string;
  timeline: Step[];
}

/** p-th percentile (0..1) of sorted numbers, interpolated linearly between ranks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function summarize(values: number[]): {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length),
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    started: new Map(),
    completed: [],
    finished: new Set(),
    latencies: { start: [], complete: [], read: [] },
    errors: [],
    requests: 0,
    wallMs: 0,
  };
  const timeout = options.requestTimeoutMs ?? 60_000;
  const prefix = options.prefix ?? 'LOAD';

  /** One request; null when it failed (recorded). */
  const call = async (
    kind: 'start' | 'complete' | 'read',
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<CaseView | null> => {
    const began = performance.now();
    result.requests++;
    try {
      const res = await fetch(`${options.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
      const text = await res.text();
      if (res.status >= 300) {
        result.errors.push({
          status: res.status,
          what: `${method} ${path}`,
          detail: text.slice(0, 300),
          at: Date.now(),
        });
        return null;
      }
      result.latencies[kind].push(performance.now() - began);
      return JSON.parse(text) as CaseView;
    } catch (error) {
      result.errors.push({
        status: 0,
        what: `${method} ${path}`,
        detail: (error as Error).message,
        at: Date.now(),
      });
      return null;
    }
  };

  const tokenOf = (step: Step) =>
    (step.department ? LOAD_TOKENS.departments[step.department] : undefined) ?? LOAD_TOKENS.admin;
  const variablesOf = (step: Step) =>
    step.elementId === 'registration_review' ? { materialsComplete: true } : {};

  /** Drives one case to its end; false when a request failed. */
  const driveCase = async (n: number): Promise<boolean> => {
    const delivery = n % 2 === 0 ? 'window' : 'mail';
    const businessKey = `${prefix}-${n}`;
    const started = await call('start', 'POST', '/api/cases', LOAD_TOKENS.intake, {
      process: STARTUP_PROCESS,
      ...(options.version ? { version: options.version } : {}),
      businessKey,
      channel: 'online',
      variables: {
        companyName: `瑞流科技${n}号有限公司`,
        legalPerson: `法人${n % 97}`,
        registeredCapital: 100 + (n % 900),
        address: `某市某区创业路${n % 300}号`,
        businessScope: '软件开发；信息技术咨询',
        bank: '中国工商银行',
        delivery,
      },
    });
    if (!started) return false;
    result.started.set(started.id, { delivery, businessKey });
    return advance(started.id, [started]);
  };

  /** Completes the open tasks of a case, round after round, until it ends; false when a request failed. */
  const advance = async (caseId: string, first: CaseView[]): Promise<boolean> => {
    const done = new Set<string>();
    let views = first;
    for (let rounds = 0; rounds < 20; rounds++) {
      if (views.some((v) => v.status === 'completed')) {
        result.finished.add(caseId);
        return true;
      }
      const open = new Map<string, Step>();
      for (const view of views)
        for (const s of view.timeline)
          if (s.status === 'active' && s.type === 'userTask' && !done.has(s.id)) open.set(s.id, s);
      if (open.size === 0) {
        // the responses of concurrent completions may each miss the step the last one opened: read the case
        const view = await call('read', 'GET', `/api/cases/${caseId}`, LOAD_TOKENS.auditor);
        if (!view) return false;
        if (view.status !== 'active' && view.status !== 'completed') {
          result.errors.push({
            status: 200,
            what: `case ${caseId}`,
            detail: `ended as ${view.status}`,
            at: Date.now(),
          });
          return false;
        }
        views = [view];
        if (
          view.status !== 'completed' &&
          !view.timeline.some((s) => s.status === 'active' && s.type === 'userTask' && !done.has(s.id))
        ) {
          result.errors.push({
            status: 200,
            what: `case ${caseId}`,
            detail: 'active with no open task',
            at: Date.now(),
          });
          return false;
        }
        continue;
      }
      const complete = async (step: Step): Promise<CaseView | null> => {
        const view = await call('complete', 'POST', `/api/tasks/${step.id}/complete`, tokenOf(step), {
          variables: variablesOf(step),
        });
        if (view) {
          done.add(step.id);
          result.completed.push({ caseId, taskId: step.id, elementId: step.elementId });
        }
        return view;
      };
      const steps = [...open.values()];
      let answers: (CaseView | null)[];
      if (options.parallelTasks) answers = await Promise.all(steps.map(complete));
      else {
        answers = [];
        for (const step of steps) answers.push(await complete(step));
      }
      if (answers.some((a) => a === null)) return false;
      views = answers as CaseView[];
    }
    result.errors.push({
      status: 200,
      what: `case ${caseId}`,
      detail: 'did not end after 20 rounds',
      at: Date.now(),
    });
    return false;
  };

  let next = 0;
  const began = performance.now();
  const resume = options.resume ?? [];
  const client = async (): Promise<void> => {
    if (resume.length > 0) {
      for (let caseId = resume.pop(); caseId !== undefined; caseId = resume.pop()) {
        const view = await call('read', 'GET', `/api/cases/${caseId}`, LOAD_TOKENS.auditor);
        const ok = view !== null && (await advance(caseId, [view]));
        if (!ok && !options.tolerateErrors) return;
      }
      return;
    }
    for (let n = next++; n < options.cases && !options.stop?.(); n = next++) {
      const ok = await driveCase(n);
      if (!ok && !options.tolerateErrors) return;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  result.wallMs = performance.now() - began;
  return result;
}

export interface LoadOutcome {
  problems: string[];
  cases: number;
  completedCases: number;
}

/**
 * Reads what the load left in the database: every acknowledged start and completion is there; with `complete`,
 * every started case ended `completed` along the main path with the delivery it asked for; the integrity
 * helper finds nothing half-applied and every audit chain and derived row verifies.
 */
export async function checkLoadOutcome(
  db: Db,
  load: LoadResult,
  options: { complete: boolean },
): Promise<LoadOutcome> {
  const problems: string[] = [];
  const report = await checkIntegrity(db);
  problems.push(...report.problems.slice(0, 50));
  const missing = [...load.started.keys()].filter((id) => !report.cases.has(id));
  if (missing.length > 0)
    problems.push(
      `${missing.length} acknowledged starts are not in the database: ${missing.slice(0, 5).join(', ')}`,
    );
  const lost = load.completed.filter((c) => {
    const facts = report.cases.get(c.caseId);
    return (
      facts?.tasks.find((k) => k.id === c.taskId)?.status !== 'completed' ||
      facts?.steps.find((s) => s.id === c.taskId)?.status !== 'completed'
    );
  });
  if (lost.length > 0)
    problems.push(
      `${lost.length} acknowledged task completions are not recorded: ${JSON.stringify(lost.slice(0, 3))}`,
    );
  let completedCases = 0;
  if (options.complete) {
    const expected = (delivery: string) =>
      ['registration_review', ...PARALLEL_STEPS, delivery === 'window' ? 'pick_up' : 'mail'].sort();
    for (const [id, { delivery }] of load.started) {
      const facts = report.cases.get(id);
      if (!facts) continue;
      if (facts.status !== 'completed') {
        problems.push(`case ${id} is ${facts.status}, not completed`);
        continue;
      }
      completedCases++;
      const steps = facts.steps.map((s) => s.element_id).sort();
      if (JSON.stringify(steps) !== JSON.stringify(expected(delivery)))
        problems.push(`case ${id} (${delivery}) took the steps ${steps.join(', ')}`);
      if (facts.steps.some((s) => s.status !== 'completed'))
        problems.push(`case ${id} has steps that are not completed`);
      if ((facts.snapshot.trips ?? 0) !== (delivery === 'window' ? 1 : 0))
        problems.push(`case ${id} (${delivery}) has ${facts.snapshot.trips} trips`);
    }
  }
  const verified = await verifyAudit(db, {}, { pageSize: 500 });
  if (!verified.ok)
    problems.push(
      `audit verification: ${verified.brokenCases} broken cases, first ${JSON.stringify(verified.broken[0])}`,
    );
  return { problems, cases: report.cases.size, completedCases };
}
