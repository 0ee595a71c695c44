// The betsy execution conformance cases (test/conformance/betsy): every case matches its expected
// trace exactly, or its process is refused at deploy with a finding naming the unsupported element.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { type BetsyOutcome, runBetsyCase } from './betsy-runner.js';

const root = new URL('../../conformance/betsy/', import.meta.url);
interface BetsyProcess {
  group: string;
  name: string;
  file: string;
  cases: {
    variables: Record<string, unknown>;
    expect: { trace?: string[]; failed?: boolean; rejected?: boolean };
    delayMs: number;
  }[];
}
const processes = JSON.parse(readFileSync(new URL('cases.json', root), 'utf8')) as BetsyProcess[];

const tally: Record<BetsyOutcome['kind'], string[]> = { pass: [], unsupported: [], wrong: [] };

for (const process of processes) {
  t.test(`${process.group}/${process.name}`, async (t) => {
    const xml = readFileSync(new URL(process.file, root), 'utf8');
    for (const [i, c] of process.cases.entries()) {
      // given the betsy process and the case's start variables
      // when the case runs until it stops moving
      const outcome = await runBetsyCase(xml, c);
      // then it matches the expected trace, or the deployment names what is not supported
      tally[outcome.kind].push(`${process.name}#${i}`);
      if (outcome.kind === 'unsupported') {
        t.ok(outcome.findings.length > 0, 'refused with findings');
        t.ok(
          outcome.findings.some((f) => f.elementId !== null && f.message.includes(`'${f.elementId}'`)),
          `a finding names the element: ${outcome.detail}`,
        );
      } else {
        t.equal(outcome.kind, 'pass', `case ${i} (${JSON.stringify(c.variables)}): ${outcome.detail}`);
      }
    }
  });
}

t.teardown(() => {
  console.log(
    `# betsy tally: pass ${tally.pass.length}, unsupported ${tally.unsupported.length} (${tally.unsupported.join(', ')}), wrong ${tally.wrong.length} (${tally.wrong.join(', ')})`,
  );
});
