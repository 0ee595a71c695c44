/**
 * A BPMN file written by hand often names a sequence flow's ends only on the flow (sourceRef/targetRef), not on
 * its nodes (bpmn:incoming/bpmn:outgoing). Tools that walk the nodes' references (bpmn-auto-layout) then see no
 * flows; this writes the references in. The meaning is unchanged: the engine reads flows from their ends.
 */
import { reflowModdle } from './parse.js';

/** Moddle elements are untyped. */
type El = any;

/** The file with every flow node's incoming and outgoing sequence flows written on the node, in flow order. */
export async function withFlowReferences(xml: string): Promise<string> {
  const { rootElement } = await reflowModdle.fromXML(xml);
  const visit = (container: El): void => {
    const elements = (container.flowElements ?? []) as El[];
    for (const element of elements) {
      if (element.$type === 'bpmn:SequenceFlow') continue;
      if (element.$instanceOf('bpmn:FlowNode')) {
        element.incoming = [];
        element.outgoing = [];
      }
    }
    for (const flow of elements) {
      if (flow.$type !== 'bpmn:SequenceFlow') continue;
      if (flow.sourceRef?.outgoing) flow.sourceRef.outgoing.push(flow);
      if (flow.targetRef?.incoming) flow.targetRef.incoming.push(flow);
    }
    for (const element of elements) if (element.flowElements) visit(element);
  };
  for (const root of (rootElement.rootElements ?? []) as El[]) if (root.$type === 'bpmn:Process') visit(root);
  const { xml: written } = await reflowModdle.toXML(rootElement, { format: true });
  return written;
}
