/**
 * The engine's own reading of a diagram, run in the browser: the findings the server would give at deploy
 * (parse, structural validation, executability), the static metrics and the critical path.
 */
import { executabilityFindings } from '../../../engine/elements/registry.js';
import { criticalPath, type StaticMetrics, staticMetrics } from '../../../engine/metrics/static-metrics.js';
import { dataFindings } from '../../../engine/model/data-checks.js';
import type { Finding, ProcessGraph } from '../../../engine/model/types.js';
import { parseAndValidate } from '../../../engine/model/validate.js';

export { feelSyntaxProblem } from '../../../engine/model/validate.js';

export interface DiagramAnalysis {
  findings: Finding[];
  metrics: StaticMetrics | null;
  /** Element ids (nodes and flows) of the path that gives the time limit. */
  criticalPath: string[];
  graph: ProcessGraph | null;
}

export async function analyseDiagram(xml: string): Promise<DiagramAnalysis> {
  const { graph, findings } = await parseAndValidate(xml);
  if (!graph) return { findings, metrics: null, criticalPath: [], graph };
  const all = [...findings, ...executabilityFindings(graph), ...dataFindings(graph)];
  const seen = new Set<string>();
  const unique = all.filter((f) => {
    const key = `${f.elementId}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { findings: unique, metrics: staticMetrics(graph), criticalPath: criticalPath(graph), graph };
}
