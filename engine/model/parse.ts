/**
 * Reads BPMN 2.0 XML with bpmn-moddle and the gov descriptor into a typed process graph: the reader's findings
 * (parse-findings.ts), then the graph of the executable process (build-graph.ts).
 */
import { BpmnModdle } from 'bpmn-moddle';
import { buildGraph, globalTaskCallFindings, pickProcess } from './build-graph.js';
import govDescriptor from './gov-descriptor.json' with { type: 'json' };
import { attributeValueFindings, malformedFinding, readerFindings, sourceOf } from './parse-findings.js';
import type { Finding, ParseResult } from './types.js';

const moddle = new BpmnModdle({ gov: govDescriptor });

/** The moddle instance with Reflow's extensions, for callers that need to write XML back. */
export const reflowModdle = moddle;

/** Parses BPMN XML. Never throws on bad input: every problem becomes a finding. */
export async function parseBpmn(xml: string): Promise<ParseResult> {
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
  const process = definitions ? pickProcess(definitions, findings) : null;
  if (!process) return { graph: null, findings };
  const graph = buildGraph(process, findings);
  findings.push(...globalTaskCallFindings(definitions, graph));
  return { graph, findings };
}
