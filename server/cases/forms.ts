/** The application form (一表申请) and task forms: JSON Schemas from gov:form, compiled once per version and element. */
import type { ValidateFunction } from 'ajv';
import { formValidator } from '../../engine/index.js';
import { Problem } from '../problems.js';
import { type BilingualError, describeErrors } from '../validation-text.js';

/** A field's problem: `message` in English, `messageZh` in Chinese naming the field by its title. */
export type FieldError = BilingualError;

export class FormInvalid extends Error {
  constructor(
    readonly form: string,
    readonly errors: FieldError[],
    /** The form's name in Chinese (申请表、待办的表单), for the Chinese detail. */
    readonly formZh: string = form,
  ) {
    super(`${form}: ${errors.map((e) => e.message).join('; ')}`);
  }
}

const compiled = new Map<string, ValidateFunction>();

/**
 * Validates `variables` against `schema` (cached under `cacheKey`); throws FormInvalid naming each field. The
 * schema was checked at deploy (engine/model/form-schema.ts); one stored before those checks that cannot be
 * compiled at all is a 422 naming the form, not a 500 on every request.
 */
export function checkForm(
  cacheKey: string,
  schema: unknown,
  variables: Record<string, unknown>,
  formName: string,
  formNameZh: string = formName,
): void {
  if (!schema || typeof schema !== 'object') return;
  let validate = compiled.get(cacheKey);
  if (!validate) {
    try {
      validate = formValidator(schema);
    } catch (error) {
      throw new Problem(422, 'form-unusable', 'The form cannot be checked', {
        zh: `${formNameZh}无法使用（${(error as Error).message}）：请部署改正后的流程版本`,
        en: `${formName} cannot be used: ${(error as Error).message}; deploy a corrected version of the process`,
      });
    }
    compiled.set(cacheKey, validate);
  }
  let valid: boolean;
  try {
    valid = validate(variables) === true;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new FormInvalid(
      formName,
      [
        {
          field: 'variables',
          message: 'are nested too deeply to check against the form: send flatter values',
          messageZh: '填报的数据嵌套层级过深，无法按表单校验：请提交层级更浅的数据',
        },
      ],
      formNameZh,
    );
  }
  if (valid) return;
  throw new FormInvalid(formName, describeErrors(validate.errors ?? [], schema, 'variables'), formNameZh);
}
