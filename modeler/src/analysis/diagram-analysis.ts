/**
 * The engine's own reading of a diagram, run in the browser: the findings the server would give at deploy
 * (parse, structural validation, executability), the static metrics and the critical path.
 */
import {
  criticalPath,
  dataFindings,
  executabilityFindings,
  type Finding,
  givenByCallers,
  messageStarts,
  type ProcessGraph,
  parseAndValidate,
  type StaticMetrics,
  staticMetrics,
} from '../../../engine/browser.js';

export { feelSyntaxProblem } from '../../../engine/browser.js';

export interface DiagramAnalysis {
  findings: Finding[];
  metrics: StaticMetrics | null;
  /** Element ids (nodes and flows) of the path that gives the time limit. */
  criticalPath: string[];
  graph: ProcessGraph | null;
}

export async function analyseDiagram(xml: string): Promise<DiagramAnalysis> {
  const { graph, graphs, findings } = await parseAndValidate(xml);
  if (!graph) return { findings, metrics: null, criticalPath: [], graph };
  // a collaboration: every executable process is checked, as at deploy; the figures are the first process's
  const sameFile = graphs ?? [graph];
  const all = [
    ...findings,
    ...sameFile.flatMap((g) => [
      ...executabilityFindings(g),
      ...dataFindings(g, givenByCallers(g, sameFile)),
    ]),
  ];
  const seen = new Set<string>();
  const unique = all.filter((f) => {
    const key = `${f.elementId}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // called processes and processes started by a message of the file are measured with the first, as at deploy
  const options = {
    resolveCalled: (key: string) => sameFile.find((g) => g.key === key),
    resolveStarted: messageStarts(sameFile),
  };
  return {
    findings: unique,
    metrics: staticMetrics(graph, options),
    criticalPath: criticalPath(graph, options),
    graph,
  };
}
