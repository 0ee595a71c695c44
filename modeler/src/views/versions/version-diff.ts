/**
 * What version B changes against version A, per element and attribute (engine/model/version-diff.ts, the same diff
 * the API's …/diff route answers), with the ids to mark on each diagram.
 */
import type { ElementChange } from '../../../../engine/browser.js';

export interface VersionDiff {
  added: string[];
  removed: string[];
  changed: string[];
  layoutChanged: string[];
  elements: ElementChange[];
}

/** The changes of process `key` between two versions' diagrams (a collaboration's file holds other processes too). */
export async function diffVersions(beforeXml: string, afterXml: string, key?: string): Promise<VersionDiff> {
  const { diffVersions: diff } = await import('../../../../engine/browser.js');
  const { elements, layoutChanged } = await diff(beforeXml, afterXml, key);
  const ids = (kind: ElementChange['change']) =>
    elements.filter((e) => e.change === kind).map((e) => e.elementId);
  return { added: ids('added'), removed: ids('removed'), changed: ids('changed'), layoutChanged, elements };
}
