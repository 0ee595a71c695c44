// bpmn-moddle ships no types for its ESM entry; Reflow reads its elements dynamically.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    // biome-ignore lint/suspicious/noExplicitAny: moddle elements are dynamic
    fromXML(xml: string, typeName?: string): Promise<any>;
    // biome-ignore lint/suspicious/noExplicitAny: moddle elements are dynamic
    toXML(element: any, options?: { format?: boolean }): Promise<{ xml: string }>;
    // biome-ignore lint/suspicious/noExplicitAny: moddle elements are dynamic
    create(type: string, attrs?: Record<string, unknown>): any;
  }
}
