/** Which elements two versions of a process add, remove or change (by element id, name, type and gov attributes). */
import type { FlowNode } from '../../../../engine/browser.js';

export interface VersionDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

const signature = (node: FlowNode): string =>
  JSON.stringify([
    node.type,
    node.name,
    node.department,
    node.timeLimit,
    node.inPerson,
    node.correction,
    node.pausesClock,
    node.materials,
    node.loop,
    node.incoming.length,
    node.outgoing.length,
  ]);

/** The changes of process `key` between two versions' diagrams (a collaboration's file holds other processes too). */
export async function diffVersions(beforeXml: string, afterXml: string, key?: string): Promise<VersionDiff> {
  const { parseBpmn } = await import('../../../../engine/browser.js');
  const [before, after] = await Promise.all([
    parseBpmn(beforeXml, { processId: key }),
    parseBpmn(afterXml, { processId: key }),
  ]);
  const a = before.graph?.nodes ?? {};
  const b = after.graph?.nodes ?? {};
  return {
    added: Object.keys(b).filter((id) => !(id in a)),
    removed: Object.keys(a).filter((id) => !(id in b)),
    changed: Object.keys(b).filter((id) => id in a && signature(a[id]) !== signature(b[id])),
  };
}
