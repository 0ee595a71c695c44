// bpmn-engine (a popular open-source BPMN engine for Node) running a process in memory, without persistence:
// the baseline the engine and service benchmarks divide by, measured in the same process and run.
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { BpmnModdle } from 'bpmn-moddle';

/** Milliseconds bpmn-engine takes to run `cases` cases of `xml` one after another, every wait signalled at once. */
export async function bpmnEngineRun(xml: string, cases: number): Promise<{ ms: number }> {
  const moddleContext = await new BpmnModdle().fromXML(xml); // parsed once, as for Reflow
  const run = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const listener = new EventEmitter();
      listener.on('wait', (api: { signal: (v: unknown) => void }) => api.signal({ ok: true }));
      const engine = new Engine({ name: `c${i}`, moddleContext, listener } as never);
      engine.execute((error: Error | null) => (error ? reject(error) : undefined));
      engine.once('end', () => resolve());
      engine.once('error', reject);
    });
  for (let i = 0; i < 100; i++) await run(-i - 1); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) await run(i);
  return { ms: performance.now() - t0 };
}
