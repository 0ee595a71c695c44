/** The `gov:form` JSON Schema of a process (一表申请) or a user task, edited as JSON with a parse check. */
import { isTextAreaEntryEdited, TextAreaEntry } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { ensureExtension, extensionOf, govTarget, removeExtension } from './gov-model.js';

type Any = any;

function FormSchemaEntry(props: { element: Any; id: string }): Any {
  const { element, id } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const bo = govTarget(element);
  return h(TextAreaEntry, {
    element,
    id,
    label: translate('Form (JSON Schema)'),
    description: translate(
      'Variables given at this point are validated against it, e.g. {"type":"object","required":["applicant"],"properties":{"applicant":{"type":"string"}}}',
    ),
    debounce,
    rows: 4,
    monospace: true,
    validate: (value: string) => {
      if (!value || value.trim() === '') return null;
      try {
        const schema = JSON.parse(value);
        return schema && typeof schema === 'object' && !Array.isArray(schema)
          ? null
          : translate('The form must be a JSON object (a JSON Schema)');
      } catch (error) {
        return `${translate('Not valid JSON')}: ${(error as Error).message}`;
      }
    },
    getValue: () => extensionOf(bo, 'gov:Form')?.get('schema') ?? '',
    setValue: (value: string) => {
      const text = (value ?? '').trim();
      const existing = extensionOf(bo, 'gov:Form');
      if (text === '') {
        if (existing) removeExtension(element, bo, existing, modeling);
        return;
      }
      if (existing) modeling.updateModdleProperties(element, existing, { schema: text });
      else ensureExtension(element, bo, 'gov:Form', { schema: text }, { bpmnFactory, modeling });
    },
  });
}

export const formEntry = (element: Any) => ({
  id: 'gov-form',
  element,
  component: FormSchemaEntry,
  isEdited: isTextAreaEntryEdited,
});
