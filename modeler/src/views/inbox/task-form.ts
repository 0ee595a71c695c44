/**
 * The variables to complete a task with: a form generated from the task's `gov:form` JSON Schema when it is
 * simple (an object of strings, numbers, integers, booleans and enums), else the variables as JSON.
 */
import { h } from '../../dom.js';
import { t } from '../../i18n/language.js';

interface FieldSchema {
  type?: string | string[];
  title?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
}

interface ObjectSchema {
  type?: string;
  required?: string[];
  properties?: Record<string, FieldSchema>;
}

const SIMPLE_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

/** The schema's fields when a plain form can ask for them all, else null. */
export function simpleFields(schema: unknown): [string, FieldSchema][] | null {
  const object = schema as ObjectSchema | null;
  if (
    !object ||
    typeof object !== 'object' ||
    (object.type !== undefined && object.type !== 'object') ||
    !object.properties
  )
    return null;
  const fields = Object.entries(object.properties);
  const simple = fields.every(
    ([, f]) =>
      f &&
      typeof f === 'object' &&
      ((typeof f.type === 'string' && SIMPLE_TYPES.has(f.type)) || Array.isArray(f.enum)),
  );
  return simple && fields.length > 0 ? fields : null;
}

export interface TaskForm {
  element: HTMLElement;
  /** The variables entered; throws with a message naming the field when one is not valid. */
  variables(): Record<string, unknown>;
}

function fieldInput(
  name: string,
  field: FieldSchema,
  required: boolean,
): { element: HTMLElement; read(): unknown } {
  const id = `reflow-task-field-${name}`;
  const label = `${field.title ?? name}${required ? ' *' : ''}`;
  if (field.type === 'boolean') {
    const input = h('input', { type: 'checkbox', id, name, checked: field.default === true });
    return {
      element: h('label', { class: 'reflow-field reflow-check' }, input, ' ', label),
      read: () => input.checked,
    };
  }
  if (Array.isArray(field.enum)) {
    const select = h(
      'select',
      { id, name },
      required ? null : h('option', { value: '' }, '—'),
      field.enum.map((v, i) => h('option', { value: String(i) }, String(v))),
    );
    if (field.default !== undefined) select.value = String(field.enum.indexOf(field.default));
    return {
      element: h('label', { class: 'reflow-field' }, label, select),
      read: () => (select.value === '' ? undefined : field.enum?.[Number(select.value)]),
    };
  }
  const numeric = field.type === 'number' || field.type === 'integer';
  const input = h('input', {
    id,
    name,
    type: numeric ? 'number' : 'text',
    step: field.type === 'integer' ? '1' : 'any',
    value: field.default === undefined ? '' : String(field.default),
  });
  return {
    element: h('label', { class: 'reflow-field' }, label, input),
    read: () => {
      if (input.value.trim() === '') return undefined;
      if (!numeric) return input.value;
      const value = Number(input.value);
      if (!Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value)))
        throw new Error(t('{field}: enter a number', { field: field.title ?? name }));
      return value;
    },
  };
}

export function createTaskForm(schema: unknown): TaskForm {
  const fields = simpleFields(schema);
  if (!fields) {
    const textarea = h(
      'textarea',
      { id: 'reflow-task-variables', rows: 5, cols: 50, spellcheck: false },
      '{}',
    );
    return {
      element: h('label', { class: 'reflow-field' }, t('Variables (JSON)'), textarea),
      variables() {
        let value: unknown;
        try {
          value = JSON.parse(textarea.value || '{}');
        } catch (error) {
          throw new Error(`${t('Not valid JSON')}: ${(error as Error).message}`);
        }
        if (!value || typeof value !== 'object' || Array.isArray(value))
          throw new Error(t('The variables must be a JSON object'));
        return value as Record<string, unknown>;
      },
    };
  }
  const required = new Set((schema as ObjectSchema).required ?? []);
  const inputs = fields.map(([name, field]) => ({ name, ...fieldInput(name, field, required.has(name)) }));
  return {
    element: h(
      'div',
      { class: 'reflow-task-form' },
      inputs.map((i) => i.element),
    ),
    variables() {
      const variables: Record<string, unknown> = {};
      for (const input of inputs) {
        const value = input.read();
        if (value !== undefined) variables[input.name] = value;
      }
      return variables;
    },
  };
}
