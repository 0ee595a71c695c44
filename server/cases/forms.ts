/** The application form (一表申请) and task forms: JSON Schemas from gov:form, compiled once per version and element. */
import { Ajv, type ValidateFunction } from 'ajv';

export interface FieldError {
  field: string;
  message: string;
}

export class FormInvalid extends Error {
  constructor(
    readonly form: string,
    readonly errors: FieldError[],
  ) {
    super(`${form}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** Validates `variables` against `schema` (cached under `cacheKey`); throws FormInvalid naming each field. */
export function checkForm(
  cacheKey: string,
  schema: unknown,
  variables: Record<string, unknown>,
  formName: string,
): void {
  if (!schema || typeof schema !== 'object') return;
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(schema as object);
    compiled.set(cacheKey, validate);
  }
  if (validate(variables)) return;
  const errors = (validate.errors ?? []).map((e) => {
    const missing =
      e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
    const path = `${e.instancePath}${missing}`.replace(/^\//, '').replace(/\//g, '.');
    return { field: `variables.${path || '(root)'}`.replace(/\.$/, ''), message: e.message ?? 'is invalid' };
  });
  throw new FormInvalid(formName, errors);
}
