/**
 * Diagrams without layout: a BPMN file with no diagram interchange (written by another tool or by hand) for its
 * process is laid out with bpmn-auto-layout when deployed, so that every view (modeler, versions, case, heatmap)
 * can show it. The layout never changes the meaning: the laid-out file is compiled again and kept only when
 * every process has the same semantic hash. A collaboration is laid out pool by pool (engine/model/pool-layout.ts).
 */

import { layoutProcess } from 'bpmn-auto-layout';
import {
  calledInFile,
  compileUnit,
  composePools,
  type Finding,
  type PoolFile,
  type ProcessGraph,
  poolFiles,
  unitSemanticHash,
  withFlowReferences,
} from '../../engine/index.js';

/** What deploy does about a file's layout. */
export interface LayoutOutcome {
  /** The XML to store as the version's diagram: the laid-out one, or the file as sent. */
  xml: string;
  /** True when the file had no layout for its process and was laid out automatically. */
  laidOut: boolean;
  /** A notice for the deploy answer (laid out, or could not be laid out); none when the file had its layout. */
  notice?: Finding;
}

const LAID_OUT = '流程图没有布局信息，已自动排版 / the diagram had no layout; it was laid out automatically';

/** The ids of the flow-node shapes of the file's diagram interchange. */
function shapeIds(xml: string): Set<string> {
  const ids = new Set<string>();
  for (const match of xml.matchAll(/<(?:[\w.-]+:)?BPMNShape\b[^>]*?\bbpmnElement\s*=\s*["']([^"']+)["']/g))
    ids.add(match[1]);
  return ids;
}

/** The nodes of a process outside its subprocesses (the ones a laid-out diagram shows at its top level). */
function topLevelNodes(graph: ProcessGraph): string[] {
  return Object.values(graph.nodes)
    .filter((node) => !(node.scope in graph.nodes))
    .map((node) => node.id);
}

/** Whether some top-level node of a process has no shape in the file's diagram interchange. */
export function lacksLayout(xml: string, graph: ProcessGraph): boolean {
  const shapes = shapeIds(xml);
  return topLevelNodes(graph).some((id) => !shapes.has(id));
}

/** A collaboration laid out pool by pool (bpmn-auto-layout lays out one process), stacked in one diagram. */
async function layOutPools(xml: string, pools: PoolFile[]): Promise<string> {
  const laidOut = new Map<string, string | null>();
  for (const pool of pools)
    laidOut.set(pool.participantId, pool.xml === null ? null : await layoutProcess(pool.xml));
  return composePools(xml, laidOut);
}

const meanings = (graphs: ProcessGraph[]) =>
  new Map(graphs.map((g) => [g.key, unitSemanticHash(g, calledInFile(g, graphs))]));

/**
 * Lays out a deployed file whose process has no diagram interchange. `graphs`: the file's executable
 * processes as compiled. bpmn-auto-layout lays out only the first participant of a collaboration, so a
 * collaboration's pools are each laid out alone and stacked.
 */
export async function layOutIfMissing(xml: string, graphs: ProcessGraph[]): Promise<LayoutOutcome> {
  if (!graphs.some((g) => lacksLayout(xml, g))) return { xml, laidOut: false };
  const notLaidOut = (why: { zh: string; en: string }): LayoutOutcome => ({
    xml,
    laidOut: false,
    notice: {
      elementId: null,
      type: 'diagram-not-laid-out',
      severity: 'warning',
      message: `流程图没有布局信息，且无法自动排版（${why.zh}）；在建模器中打开前请用其他工具补充布局 / the diagram has no layout and could not be laid out automatically (${why.en}); add the layout with a modeling tool`,
    },
  });
  const pools = await poolFiles(xml);
  if (pools.length === 0 && graphs.length > 1)
    return notLaidOut({
      zh: '文件有多个流程但没有协作图（泳池），不能自动排版',
      en: 'a file of several processes without a collaboration (pools) is not laid out automatically',
    });
  let laidOutXml: string;
  try {
    laidOutXml =
      pools.length > 0 ? await layOutPools(xml, pools) : await layoutProcess(await withFlowReferences(xml));
  } catch (error) {
    return notLaidOut({ zh: '排版失败', en: `layout failed: ${(error as Error).message}` });
  }
  const again = await compileUnit(laidOutXml);
  const before = meanings(graphs);
  const after = again.ok ? meanings(again.definitions.map((d) => d.graph)) : new Map<string, string>();
  const same = before.size === after.size && [...before].every(([key, hash]) => after.get(key) === hash);
  if (!same || graphs.some((g) => lacksLayout(laidOutXml, g)))
    return notLaidOut({
      zh: '排版结果与原流程不一致',
      en: 'the laid-out file did not keep the process as it was',
    });
  return {
    xml: laidOutXml,
    laidOut: true,
    notice: { elementId: null, type: 'diagram-laid-out', severity: 'warning', message: LAID_OUT },
  };
}
