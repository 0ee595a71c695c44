declare module 'bpmn-auto-layout' {
  /** Lays out a BPMN document's (first) process: returns the document with its diagram interchange made anew. */
  export function layoutProcess(xml: string): Promise<string>;
}
