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
  const { main, called, partners } = splitProcesses(xml);
  const compiled = await compileDefinition(main);
  const others = await Promise.all([...called, ...partners].map((x) => compileDefinition(x)));
  const refused = [compiled, ...others].filter((r) => !r.ok);
  if (!compiled.ok || refused.length > 0) {
    const errors = refused.flatMap((r) => r.findings).filter((f) => f.severity === 'error');
    if (c.expect.rejected) return { kind: 'pass', detail: 'rejected as expected' };
    return { kind: 'unsupported', findings: errors, detail: errors.map((f) => f.message).join('; ') };
  }
  if (c.expect.rejected) return { kind: 'wrong', detail: 'expected the deployment to be refused' };
  const trace: string[] = [];
  const sent: { from: string; name: string; variables: Record<string, unknown> }[] = [];
  const engine = new LocalEngine({
    roundTrip: true,
    onEvents: (id, events) => {
      for (const e of events) {
        if (e.type === 'stepCompleted' && e.step.type === 'task' && e.step.name && MARKERS.test(e.step.name))
          trace.push(e.step.name);
        if (e.type === 'messageSent') sent.push({ from: id, name: e.name, variables: e.variables });
      }
    },
  });
  /** Carries thrown messages to the partner case waiting for them (the message flows of the collaboration). */
  const deliver = () => {
    for (let m = sent.shift(); m; m = sent.shift()) {
      const message = m;
      for (const [id, snapshot] of engine.cases) {
        if (
          id === message.from ||
          !snapshot.subscriptions.some((sub) => sub.kind === 'message' && sub.name === message.name)
        )
          continue;
        engine.command(id, { type: 'deliverMessage', name: message.name, variables: message.variables });
        break;
      }
    }
  };
  for (const other of called) await engine.deploy(other);
  for (const partner of partners) engine.start((await engine.deploy(partner)).key, c.variables);
  await engine.deploy(main);
  const start = engine.now;
  const snapshot = engine.start(compiled.definition.key, c.variables);
  deliver();
  engine.advanceTo(start + Math.max(c.delayMs, 0));
  deliver();
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
 * A betsy document with several executable processes is deployed as one definition each (Reflow would also take
 * the whole document as one unit, a collaboration; split, each partner is started on its own): a caller and the process it calls
 * (CallActivity_Process), or partners in a collaboration that talk by message flows (ReceiveTask, SendTask),
 * which are started before the main process — the first in the document — so they wait for its messages.
 */
function splitProcesses(xml: string): { main: string; called: string[]; partners: string[] } {
  const ids = [...xml.matchAll(/<bpmn2:process id="([^"]+)" isExecutable="true"/g)].map((m) => m[1]);
  if (ids.length < 2) return { main: xml, called: [], partners: [] };
  const only = (keep: string): string =>
    xml.replace(/<bpmn2:process id="([^"]+)" isExecutable="true"/g, (all, id) =>
      id === keep ? all : `<bpmn2:process id="${id}" isExecutable="false"`,
    );
  const calledIds = [...xml.matchAll(/calledElement="([^"]+)"/g)]
    .map((m) => m[1])
    .filter((id) => ids.includes(id));
  if (calledIds.length > 0) {
    const mainId = ids.find((id) => !calledIds.includes(id))!;
    return { main: only(mainId), called: calledIds.map(only), partners: [] };
  }
  if (!xml.includes('<bpmn2:messageFlow')) return { main: xml, called: [], partners: [] };
  return { main: only(ids[0]), called: [], partners: ids.slice(1).map(only) };
}
