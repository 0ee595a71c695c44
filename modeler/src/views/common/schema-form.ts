/**
 * A form drawn from a `gov:form` JSON Schema — the subset the sample processes use (README, "表单渲染"): objects
 * (nested as fieldsets), strings, numbers, integers, booleans, enums as selects, arrays with add/remove, dates
 * (`format: date` / `date-time`, or a `YYYY-MM-DD` pattern); titles, descriptions, required marks (*). Values are
 * checked as the server checks them (required, type, enum, length, range, pattern, item counts), and each
 * problem is shown beside its field in the interface language, named by the field's title. A task without a
 * form gets an optional comment only (the 办结 button is the caller's).
 */
import { formOptions, optionText } from '../../../../engine/browser.js';
import { h } from '../../dom.js';
import { t } from '../../i18n/language.js';

export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  /** Labels of the enum's values, one per value (form-options.ts); or `oneOf` of `const`s with titles. */
  enumNames?: string[];
  oneOf?: FieldSchema[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  properties?: Record<string, FieldSchema>;
  items?: FieldSchema;
}

export interface SchemaForm {
  element: HTMLElement;
  /** The variables entered; throws (its message in the interface language) when a field is not valid. */
  variables(): Record<string, unknown>;
}

/** A part of the form: its element, and its value (undefined when empty), problems pushed to `problems`. */
interface Part {
  element: HTMLElement;
  read(problems: string[]): unknown;
}

const DATE_PATTERN = /^\^?\\d\{4\}-\\d\{2\}-\\d\{2\}\$?$/;

const typeOf = (schema: FieldSchema): string | undefined => {
  if (Array.isArray(schema.type)) return schema.type.find((x) => x !== 'null');
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
};

const isDate = (schema: FieldSchema): boolean =>
  schema.format === 'date' || (typeof schema.pattern === 'string' && DATE_PATTERN.test(schema.pattern));

/** A labelled field: title, required mark, description and the place for its problem. */
function labelled(
  name: string,
  schema: FieldSchema,
  required: boolean,
  control: HTMLElement,
  inline = false,
): { element: HTMLElement; error: HTMLElement; title: string } {
  const title = schema.title ?? name;
  const error = h('span', { class: 'reflow-field-error', role: 'alert' });
  const caption = h(
    'span',
    { class: 'reflow-field-title' },
    title,
    required ? h('span', { class: 'reflow-required', title: t('required') }, ' *') : null,
  );
  const description = schema.description
    ? h('small', { class: 'reflow-field-description' }, schema.description)
    : null;
  const element = inline
    ? h(
        'label',
        { class: 'reflow-field reflow-check', 'data-field': name },
        control,
        ' ',
        caption,
        description,
        error,
      )
    : h('label', { class: 'reflow-field', 'data-field': name }, caption, description, control, error);
  return { element, error, title };
}

/** The problems of a scalar value against its schema, in the interface language. */
function scalarProblems(value: unknown, schema: FieldSchema, title: string): string[] {
  const problems: string[] = [];
  const field = { field: title };
  const options = formOptions(schema);
  if (options && !options.some((o) => o.value === value))
    problems.push(
      t('"{field}" must be one of: {values}', { ...field, values: options.map(optionText).join('、') }),
    );
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength)
      problems.push(t('"{field}" needs at least {n} characters', { ...field, n: schema.minLength }));
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength)
      problems.push(t('"{field}" takes at most {n} characters', { ...field, n: schema.maxLength }));
    if (schema.pattern && !isDate(schema)) {
      let pattern: RegExp | null = null;
      try {
        pattern = new RegExp(schema.pattern, 'u');
      } catch {
        // a pattern only RE2 reads: the server checks it
      }
      if (pattern && !pattern.test(value)) problems.push(t('"{field}" is not in the expected form', field));
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(t('"{field}" must be at least {n}', { ...field, n: schema.minimum }));
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(t('"{field}" must be at most {n}', { ...field, n: schema.maximum }));
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      problems.push(t('"{field}" must be more than {n}', { ...field, n: schema.exclusiveMinimum }));
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
      problems.push(t('"{field}" must be less than {n}', { ...field, n: schema.exclusiveMaximum }));
  }
  return problems;
}

/** Shows the field's own problems beside it and adds them to the form's. */
function report(error: HTMLElement, own: string[], problems: string[]): void {
  error.textContent = own.join('；');
  error.closest('.reflow-field')?.classList.toggle('reflow-field-invalid', own.length > 0);
  problems.push(...own);
}

/** `path`: the field's place in the variables (holder-name, scopes-2), which makes its input's id. */
function scalarPart(name: string, path: string, schema: FieldSchema, required: boolean): Part {
  const id = `reflow-task-field-${path}`;
  const type = typeOf(schema);
  const options = formOptions(schema);
  if (type === 'boolean' && !options) {
    const input = h('input', { type: 'checkbox', id, name, checked: schema.default === true });
    const field = labelled(name, schema, false, input, true);
    return { element: field.element, read: () => input.checked };
  }
  if (options) {
    const values = options.map((o) => o.value);
    const select = h(
      'select',
      { id, name },
      h('option', { value: '' }, t('— choose —')),
      options.map((o, i) => h('option', { value: String(i) }, o.label)),
    );
    if (schema.default !== undefined && values.includes(schema.default))
      select.value = String(values.indexOf(schema.default));
    const field = labelled(name, schema, required, select);
    return {
      element: field.element,
      read(problems) {
        const value = select.value === '' ? undefined : values[Number(select.value)];
        const own =
          value === undefined && required
            ? [t('Fill in "{field}": it is required', { field: field.title })]
            : [];
        report(field.error, own, problems);
        return value;
      },
    };
  }
  const numeric = type === 'number' || type === 'integer';
  const dateTime = schema.format === 'date-time';
  const input = h('input', {
    id,
    name,
    type: numeric ? 'number' : isDate(schema) ? 'date' : dateTime ? 'datetime-local' : 'text',
    step: numeric ? (type === 'integer' ? '1' : 'any') : undefined,
    value: schema.default === undefined || typeof schema.default === 'object' ? '' : String(schema.default),
  });
  const field = labelled(name, schema, required, input);
  return {
    element: field.element,
    read(problems) {
      const text = input.value.trim();
      let value: unknown;
      const own: string[] = [];
      if (text === '') {
        if (required) own.push(t('Fill in "{field}": it is required', { field: field.title }));
      } else if (numeric) {
        const number = Number(text);
        if (!Number.isFinite(number) || (type === 'integer' && !Number.isInteger(number)))
          own.push(
            t(type === 'integer' ? '"{field}" must be a whole number' : '"{field}" must be a number', {
              field: field.title,
            }),
          );
        else value = number;
      } else value = dateTime ? `${text.length === 16 ? `${text}:00` : text}+08:00` : input.value;
      if (value !== undefined) own.push(...scalarProblems(value, schema, field.title));
      report(field.error, own, problems);
      return value;
    },
  };
}

function arrayPart(name: string, path: string, schema: FieldSchema, required: boolean): Part {
  const itemSchema: FieldSchema = schema.items ?? { type: 'string' };
  const rows: { element: HTMLElement; part: Part }[] = [];
  let added = 0;
  const list = h('ol', { class: 'reflow-array-items' });
  const add = (value?: unknown) => {
    const part = partFor(
      `${name}[${rows.length + 1}]`,
      `${path}-${++added}`,
      { ...itemSchema, default: value },
      false,
      false,
    );
    const row = { element: h('li', null), part };
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'reflow-array-remove',
        onClick: () => {
          rows.splice(rows.indexOf(row), 1);
          row.element.remove();
        },
      },
      t('Remove'),
    );
    row.element.append(part.element, remove);
    rows.push(row);
    list.append(row.element);
  };
  if (Array.isArray(schema.default)) for (const v of schema.default) add(v);
  const control = h(
    'div',
    { class: 'reflow-array' },
    list,
    h('button', { type: 'button', class: 'reflow-array-add', onClick: () => add() }, t('Add')),
  );
  const field = labelled(name, schema, required, control);
  return {
    element: field.element,
    read(problems) {
      const values = rows.map((r) => r.part.read(problems)).filter((v) => v !== undefined);
      const own: string[] = [];
      if (required && values.length === 0)
        own.push(t('Fill in "{field}": it is required', { field: field.title }));
      else if (schema.minItems !== undefined && values.length < schema.minItems)
        own.push(t('"{field}" needs at least {n} entries', { field: field.title, n: schema.minItems }));
      if (schema.maxItems !== undefined && values.length > schema.maxItems)
        own.push(t('"{field}" takes at most {n} entries', { field: field.title, n: schema.maxItems }));
      report(field.error, own, problems);
      return values.length || required ? values : undefined;
    },
  };
}

function objectPart(name: string, path: string, schema: FieldSchema, required: boolean, top: boolean): Part {
  const needed = new Set(schema.required ?? []);
  const parts = Object.entries(schema.properties ?? {}).map(([key, sub]) => ({
    key,
    part: partFor(key, top ? key : `${path}-${key}`, sub ?? {}, needed.has(key), false),
  }));
  const children = parts.map((p) => p.part.element);
  const element = top
    ? h('div', { class: 'reflow-schema-form' }, children)
    : h(
        'fieldset',
        { class: 'reflow-fieldset', 'data-field': name },
        h(
          'legend',
          null,
          schema.title ?? name,
          required ? h('span', { class: 'reflow-required' }, ' *') : null,
        ),
        schema.description ? h('small', { class: 'reflow-field-description' }, schema.description) : null,
        children,
      );
  return {
    element,
    read(problems) {
      const value: Record<string, unknown> = {};
      for (const { key, part } of parts) {
        const v = part.read(problems);
        if (v !== undefined) value[key] = v;
      }
      return Object.keys(value).length || required || top ? value : undefined;
    },
  };
}

function partFor(name: string, path: string, schema: FieldSchema, required: boolean, top: boolean): Part {
  const type = typeOf(schema);
  if (type === 'object') return objectPart(name, path, schema, required, top);
  if (type === 'array') return arrayPart(name, path, schema, required);
  return scalarPart(name, path, schema, required);
}

/** The form of `schema` (a JSON Schema object), or the comment-only form when there is none. */
export function createSchemaForm(schema: unknown): SchemaForm {
  const form = schema && typeof schema === 'object' ? (schema as FieldSchema) : null;
  if (!form || typeOf(form) !== 'object' || !form.properties || Object.keys(form.properties).length === 0) {
    const comment = h('textarea', { id: 'reflow-task-comment', name: 'comment', rows: 3, cols: 50 });
    return {
      element: h(
        'label',
        { class: 'reflow-field reflow-task-comment' },
        h('span', { class: 'reflow-field-title' }, t('Comment (optional)')),
        comment,
      ),
      variables: () => (comment.value.trim() ? { comment: comment.value.trim() } : {}),
    };
  }
  const root = partFor('', '', form, true, true);
  root.element.classList.add('reflow-schema-form');
  return {
    element: root.element,
    variables() {
      const problems: string[] = [];
      const value = root.read(problems) as Record<string, unknown>;
      if (problems.length) throw new Error(problems.join('；'));
      return value;
    },
  };
}
