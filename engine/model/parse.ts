/**
 * Reads BPMN 2.0 XML with bpmn-moddle and the gov descriptor into a typed process graph: the reader's findings
 * (parse-findings.ts), then the graph of the executable process (build-graph.ts).
 */
import { BpmnModdle } from 'bpmn-moddle';
import { buildGraph, globalTaskCallFindings, pickProcesses, readCollaboration } from './build-graph.js';
import govDescriptor from './gov-descriptor.json' with { type: 'json' };
import { attributeValueFindings, malformedFinding, readerFindings, sourceOf } from './parse-findings.js';
import type { Finding, ParseResult } from './types.js';

const moddle = new BpmnModdle({ gov: govDescriptor });

/** The moddle instance with Reflow's extensions, for callers that need to write XML back. */
export const reflowModdle = moddle;

/** Which process of the document to read as `graph`: its id (a collaboration's processes are each a key). */
export interface ParseOptions {
  processId?: string;
}

/**
 * Parses BPMN XML: every executable process into `graphs` (a collaboration deploys each as its own key), the
 * one asked for (else the first) as `graph`, and the pools and message flows. Never throws on bad input: every
 * problem becomes a finding.
 */
export async function parseBpmn(xml: string, options: ParseOptions = {}): Promise<ParseResult> {
  const findings: Finding[] = [];
  let result: any; // moddle's result is untyped
  try {
    result = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (error) {
    findings.push(malformedFinding((error as Error).message));
    return { graph: null, findings };
  }
  const source = sourceOf(xml);
  findings.push(...readerFindings(result.warnings ?? [], source));
  findings.push(...attributeValueFindings(source));
  const definitions = result.rootElement;
  if (!definitions) return { graph: null, findings };
  const collaboration = readCollaboration(definitions);
  const processes = pickProcesses(definitions, findings);
  if (processes.length === 0) return { graph: null, findings, graphs: [], collaboration };
  const graphs = processes.map((process) => buildGraph(process, findings));
  for (const graph of graphs) findings.push(...globalTaskCallFindings(definitions, graph));
  const graph = options.processId ? graphs.find((g) => g.key === options.processId) : graphs[0];
  if (!graph) {
    findings.push({
      elementId: options.processId ?? null,
      type: 'noProcess',
      severity: 'error',
      message: `the document holds no executable process '${options.processId}': deploy the document that holds it`,
    });
    return { graph: null, findings, graphs, collaboration };
  }
  return { graph, findings, graphs, collaboration };
}
