/**
 * Generic properties-panel entries for one `gov:` attribute: a text field (optionally numeric or FEEL-checked)
 * and a checkbox. Each writes with `modeling.updateModdleProperties`, so every edit is one undoable command.
 */
import {
  CheckboxEntry,
  isCheckboxEntryEdited,
  isTextFieldEntryEdited,
  TextFieldEntry,
} from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { feelSyntaxProblem } from '../../analysis/engine-loader.js';

type Any = any;

export type ValueKind = 'text' | 'days' | 'feelOrText' | 'name' | 'identifier';

export interface FieldSpec {
  id: string;
  label: string;
  /** The moddle property, e.g. `gov:department`. */
  property: string;
  kind?: ValueKind;
  description?: string;
  /** The object edited: the element's business object, its process, its loop characteristics… */
  target: (element: Any) => Any;
}

/** The problem with a typed value, in the words of the current language, or null. */
export function valueProblem(
  kind: ValueKind,
  value: string,
  translate: (s: string) => string,
): string | null {
  const text = value.trim();
  if (text === '') return null;
  if (kind === 'days') {
    const days = Number(text);
    return Number.isFinite(days) && days >= 0
      ? null
      : translate('Enter a number of working days (0 or more), e.g. 5 or 0.5');
  }
  if (kind === 'feelOrText' && text.startsWith('=')) {
    const problem = feelSyntaxProblem(text);
    return problem ? `${translate('FEEL syntax error')}: ${problem}` : null;
  }
  if (kind === 'name' && !/^[A-Za-z_\u4e00-\u9fa5][\w\u4e00-\u9fa5]*$/.test(text)) {
    return translate('Use a variable name: letters, digits and _, not starting with a digit');
  }
  if (kind === 'identifier' && !/^[A-Za-z_\u4e00-\u9fa5][\w.\-\u4e00-\u9fa5]*$/.test(text)) {
    return translate('Use an identifier: letters, digits, _ . -, no spaces');
  }
  return null;
}

function GovTextField(props: FieldSpec & { element: Any }): Any {
  const { element, id, label, property, kind = 'text', description, target } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const bo = target(element);
  return h(TextFieldEntry, {
    element,
    id,
    label: translate(label),
    description: description ? translate(description) : undefined,
    debounce,
    validate: (value: string) => valueProblem(kind, value ?? '', translate),
    getValue: () => {
      const value = bo.get(property);
      return value === undefined || value === null ? '' : String(value);
    },
    setValue: (value: string, error: string | null) => {
      const text = (value ?? '').trim();
      if (kind === 'days') {
        if (error) return; // a half-typed number is not written; the message stays under the field
        modeling.updateModdleProperties(element, bo, { [property]: text === '' ? undefined : Number(text) });
        return;
      }
      modeling.updateModdleProperties(element, bo, { [property]: text === '' ? undefined : text });
    },
  });
}

function GovCheckbox(props: FieldSpec & { element: Any }): Any {
  const { element, id, label, property, description, target } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const bo = target(element);
  return h(CheckboxEntry, {
    element,
    id,
    label: translate(label),
    description: description ? translate(description) : undefined,
    getValue: () => bo.get(property) === true,
    // unchecked removes the attribute: `false` is the default
    setValue: (checked: boolean) =>
      modeling.updateModdleProperties(element, bo, { [property]: checked ? true : undefined }),
  });
}

export const textEntry = (element: Any, spec: FieldSpec) => ({
  ...spec,
  element,
  component: GovTextField,
  isEdited: isTextFieldEntryEdited,
});
export const checkboxEntry = (element: Any, spec: FieldSpec) => ({
  ...spec,
  element,
  component: GovCheckbox,
  isEdited: isCheckboxEntryEdited,
});
