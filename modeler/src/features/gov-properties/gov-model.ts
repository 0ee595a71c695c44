/** Reading and writing the `gov:` extensions of a diagram element through bpmn-js commands (undoable). */

type Any = any;

/** The business object whose gov attributes an element edits: a pool edits its process. */
export function govTarget(element: Any): Any {
  const bo = element.businessObject;
  if (bo?.$instanceOf?.('bpmn:Participant')) return bo.processRef ?? null;
  return bo ?? null;
}

export const isProcessTarget = (element: Any): boolean =>
  govTarget(element)?.$instanceOf?.('bpmn:Process') === true;

/** The first extension element of a type (`gov:Materials`, `gov:Form`), or undefined. */
export function extensionOf(bo: Any, type: string): Any {
  return (bo.get('extensionElements')?.get('values') ?? []).find((value: Any) => value.$instanceOf(type));
}

function create(bpmnFactory: Any, type: string, attrs: Record<string, unknown>, parent: Any): Any {
  const created = bpmnFactory.create(type, attrs);
  created.$parent = parent;
  return created;
}

/**
 * Puts an extension element of `type` on `bo`, creating `bpmn:extensionElements` when needed, in one command;
 * returns the extension element (new or existing).
 */
export function ensureExtension(
  element: Any,
  bo: Any,
  type: string,
  attrs: Record<string, unknown>,
  services: { bpmnFactory: Any; modeling: Any },
): Any {
  const existing = extensionOf(bo, type);
  if (existing) return existing;
  const { bpmnFactory, modeling } = services;
  let extensionElements = bo.get('extensionElements');
  if (!extensionElements) {
    extensionElements = create(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, bo);
    const extension = create(bpmnFactory, type, attrs, extensionElements);
    extensionElements.get('values').push(extension);
    modeling.updateModdleProperties(element, bo, { extensionElements });
    return extension;
  }
  const extension = create(bpmnFactory, type, attrs, extensionElements);
  modeling.updateModdleProperties(element, extensionElements, {
    values: [...extensionElements.get('values'), extension],
  });
  return extension;
}

/** Removes an extension element from `bo`. */
export function removeExtension(element: Any, bo: Any, extension: Any, modeling: Any): void {
  const extensionElements = bo.get('extensionElements');
  if (!extensionElements) return;
  modeling.updateModdleProperties(element, extensionElements, {
    values: extensionElements.get('values').filter((v: Any) => v !== extension),
  });
}

export { create as createModdleElement };
