// bpmn-js-differ ships no types; it diffs two bpmn-moddle definitions (engine/model/version-diff.ts reads the result).
declare module 'bpmn-js-differ' {
  export interface DiffResult {
    _added: Record<string, any>;
    _removed: Record<string, any>;
    _changed: Record<string, { model: any; attrs: Record<string, unknown> }>;
    _layoutChanged: Record<string, any>;
  }
  export function diff(a: any, b: any): DiffResult;
}
