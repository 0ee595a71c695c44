// Runs one betsy case on the in-memory engine in virtual time, checking the snapshot round trip as it goes.
import type { Finding } from '../../../engine/model/types.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { LocalEngine } from '../../../engine/runtime/local-engine.js';

export type BetsyOutcome =
  | { kind: 'pass'; detail: string }
  | { kind: 'wrong'; detail: string }
  | { kind: 'unsupported'; findings: Finding[]; detail: string };

// markers are the plain `task`s named task1…task5 or marker (the adaptation's convention)
const MARKERS = /^(task[1-5]|marker)$/;

export async function runBetsyCase(
  xml: string,
  c: {
    variables: Record<string, unknown>;
    expect: { trace?: string[]; failed?: boolean; rejected?: boolean };
    delayMs: number;
  },
): Promise<BetsyOutcome> {
  const { main, called } = splitCalledProcesses(xml);
  const compiled = await compileDefinition(main);
  if (!compiled.ok) {
    const errors = compiled.findings.filter((f) => f.severity === 'error');
    if (c.expect.rejected) return { kind: 'pass', detail: 'rejected as expected' };
    return { kind: 'unsupported', findings: errors, detail: errors.map((f) => f.message).join('; ') };
  }
  if (c.expect.rejected) return { kind: 'wrong', detail: 'expected the deployment to be refused' };
  const trace: string[] = [];
  const engine = new LocalEngine({
    roundTrip: true,
    onEvents: (_id, events) => {
      for (const e of events)
        if (e.type === 'stepCompleted' && e.step.type === 'task' && e.step.name && MARKERS.test(e.step.name))
          trace.push(e.step.name);
    },
  });
  for (const other of called) await engine.deploy(other);
  await engine.deploy(main);
  const start = engine.now;
  const snapshot = engine.start(compiled.definition.key, c.variables);
  engine.advanceTo(start + Math.max(c.delayMs, 0));
  const final = engine.cases.get(snapshot.id)!;
  const got = [...trace].sort();
  const want = [...(c.expect.trace ?? [])].sort();
  if (c.expect.failed) {
    return final.status === 'failed'
      ? { kind: 'pass', detail: 'failed as expected' }
      : { kind: 'wrong', detail: `expected failed, got ${final.status} with trace ${got}` };
  }
  const same = JSON.stringify(got) === JSON.stringify(want);
  return same && final.status !== 'failed'
    ? { kind: 'pass', detail: `trace ${got}` }
    : {
        kind: 'wrong',
        detail: `trace ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}, status ${final.status} ${JSON.stringify(final.incidents)}`,
      };
}

/**
 * A betsy document that holds a caller and the process it calls (CallActivity_Process) is deployed as
 * two definitions, as a user would deploy them: Reflow takes one executable process per deployment.
 */
function splitCalledProcesses(xml: string): { main: string; called: string[] } {
  const ids = [...xml.matchAll(/<bpmn2:process id="([^"]+)" isExecutable="true"/g)].map((m) => m[1]);
  const calledIds = [...xml.matchAll(/calledElement="([^"]+)"/g)]
    .map((m) => m[1])
    .filter((id) => ids.includes(id));
  if (ids.length < 2 || calledIds.length === 0) return { main: xml, called: [] };
  const only = (keep: string): string =>
    xml.replace(/<bpmn2:process id="([^"]+)" isExecutable="true"/g, (all, id) =>
      id === keep ? all : `<bpmn2:process id="${id}" isExecutable="false"`,
    );
  const mainId = ids.find((id) => !calledIds.includes(id))!;
  return { main: only(mainId), called: calledIds.map(only) };
}
