/**
 * The choices of a gov:form field and their labels, one definition for the form the clerk fills in (a select)
 * and for the messages that list the allowed values. Two ways to label them (README, "表单渲染"):
 * - `enum` with `enumNames`, one name per value: `{"enum": ["window", "mail"], "enumNames": ["窗口领取", "邮寄"]}`;
 * - `oneOf` of `const`s with their `title`s (standard JSON Schema): `{"oneOf": [{"const": "window", "title": "窗口领取"}, …]}`.
 * A value without a label is shown as itself.
 */

export interface FormOption {
  value: unknown;
  /** What the user reads: the name or title given, else the value itself. */
  label: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The field's choices, or null when it is not a choice (no `enum`, no `oneOf` made only of `const`s). */
export function formOptions(schema: unknown): FormOption[] | null {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) {
    const names = Array.isArray(s.enumNames) ? s.enumNames : [];
    return s.enum.map((value, i) => ({
      value,
      label: typeof names[i] === 'string' && names[i] ? (names[i] as string) : text(value),
    }));
  }
  const branches = s.oneOf;
  if (
    Array.isArray(branches) &&
    branches.length > 0 &&
    branches.every((b) => typeof b === 'object' && b !== null && 'const' in b)
  )
    return branches.map((b: Record<string, unknown>) => ({
      value: b.const,
      label: typeof b.title === 'string' && b.title ? b.title : text(b.const),
    }));
  return null;
}

/** 窗口领取（window）: the label, then the value when they differ — for messages naming the allowed values. */
export function optionText(option: FormOption): string {
  const value = text(option.value);
  return option.label === value ? value : `${option.label}（${value}）`;
}

/**
 * What is wrong with a schema's `enumNames`, or null: they must come with an `enum`, as strings, one per value.
 * `at` is the schema's JSON pointer in the form.
 */
export function enumNamesProblem(schema: Record<string, unknown>, at: string): string | null {
  if (!('enumNames' in schema)) return null;
  const names = schema.enumNames;
  if (!Array.isArray(schema.enum))
    return `enumNames at ${at} labels the values of an enum, but that schema has no enum: add the enum, or remove enumNames`;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
    return `enumNames at ${at} must be a list of texts, one per value of the enum`;
  if (names.length !== schema.enum.length)
    return `enumNames at ${at} has ${names.length} names for ${schema.enum.length} values of the enum: give one name per value, in the same order`;
  return null;
}
