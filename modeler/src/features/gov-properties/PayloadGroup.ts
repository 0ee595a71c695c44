/**
 * What a message carries (`<gov:payload source="=expr|name" target="name"/>` on a message throw or end event or a
 * send task), as an editable list: with any mapping, the message carries exactly these variables; with none,
 * every variable of the sending scope (engine/elements/events.ts `sendMessage`).
 */
import { ListGroup } from '@bpmn-io/properties-panel';
import { textEntry } from './GovFieldEntries.js';
import { createModdleElement } from './gov-model.js';

type Any = any;

const payloadOf = (bo: Any): Any[] =>
  (bo.get('extensionElements')?.get('values') ?? []).filter((v: Any) => v.$instanceOf('gov:Payload'));

/** The payload list group of an element that sends a message, for the properties panel's group list. */
export function payloadGroup(element: Any, injector: Any): Any {
  const translate = injector.get('translate');
  const modeling = injector.get('modeling');
  const bpmnFactory = injector.get('bpmnFactory');
  const bo = element.businessObject;
  const mappings = payloadOf(bo);
  const items = mappings.map((mapping, index) => {
    const prefix = `gov-payload-${index}`;
    const target = () => mapping;
    return {
      id: prefix,
      label: mapping.get('target') || translate('<unnamed variable>'),
      autoFocusEntry: `${prefix}-source`,
      entries: [
        textEntry(element, {
          id: `${prefix}-source`,
          label: 'Source (variable or =FEEL)',
          property: 'source',
          kind: 'feelOrText',
          target,
          description:
            'Read in the sending case, e.g. companyName or =legalPerson.name. Without any mapping the message carries every variable',
        }),
        textEntry(element, {
          id: `${prefix}-target`,
          label: 'Variable in the message',
          property: 'target',
          kind: 'name',
          target,
        }),
      ],
      remove: () => {
        const extensionElements = bo.get('extensionElements');
        modeling.updateModdleProperties(element, extensionElements, {
          values: extensionElements.get('values').filter((v: Any) => v !== mapping),
        });
      },
    };
  });
  return {
    id: 'gov-payload',
    label: translate('Message payload (gov)'),
    component: ListGroup,
    element,
    items,
    add: (event: Event) => {
      event.stopPropagation();
      let extensionElements = bo.get('extensionElements');
      if (!extensionElements) {
        extensionElements = createModdleElement(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, bo);
        const mapping = createModdleElement(
          bpmnFactory,
          'gov:Payload',
          { source: '', target: '' },
          extensionElements,
        );
        extensionElements.get('values').push(mapping);
        modeling.updateModdleProperties(element, bo, { extensionElements });
        return;
      }
      const mapping = createModdleElement(
        bpmnFactory,
        'gov:Payload',
        { source: '', target: '' },
        extensionElements,
      );
      modeling.updateModdleProperties(element, extensionElements, {
        values: [...extensionElements.get('values'), mapping],
      });
    },
  };
}
