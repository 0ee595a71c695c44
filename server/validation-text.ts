/**
 * Validation problems in Chinese and English: each ajv error becomes one message naming the field by the schema's
 * `title` (身份证号码) and listing allowed values; Chinese wording from ajv-i18n where we add nothing of our own.
 * The language of an answer is chosen by `Accept-Language` (Chinese unless English is preferred).
 */
import type { ErrorObject } from 'ajv';
import localizeModule from 'ajv-i18n/localize/zh/index.js';
import { formOptions, optionText } from '../engine/index.js';
import type { Text } from './problem-text.js';

// a CommonJS module whose typings declare a default export: at run time the import is the function itself
const localizeZh = localizeModule as unknown as (errors: ErrorObject[]) => void;

export type Language = 'zh' | 'en';

/** `Accept-Language: en`, `en-US,en;q=0.9` → en; `zh-CN`, none, `*` → zh (the interface is Chinese first). */
export function preferredLanguage(header: string | string[] | undefined): Language {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  let best: { lang: Language; q: number } | null = null;
  for (const part of value.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const lang: Language | null = tag.startsWith('zh') ? 'zh' : tag.startsWith('en') ? 'en' : null;
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'zh';
}

/** One field's problem in both languages; `message` is English, ajv's wording after the field's path and title. */
export interface BilingualError {
  field: string;
  message: string;
  messageZh: string;
}

type Schema = Record<string, unknown>;

/** JSON types as a clerk says them (ajv-i18n leaves `integer`, `string` in English). */
const TYPE_ZH: Record<string, string> = {
  integer: '整数',
  number: '数字',
  string: '文本（字符串）',
  boolean: '布尔值（true 或 false）',
  object: '对象',
  array: '数组',
  null: 'null',
};

/** The sub-schema at a JSON pointer into the data (properties and items followed), or null. */
function schemaAt(schema: unknown, segments: string[]): Schema | null {
  let node = schema as Schema | null;
  for (const segment of segments) {
    if (!node || typeof node !== 'object') return null;
    const properties = node.properties as Record<string, Schema> | undefined;
    if (properties && Object.hasOwn(properties, segment)) node = properties[segment];
    else if (node.items && typeof node.items === 'object' && /^\d+$/.test(segment))
      node = node.items as Schema;
    else return null;
  }
  return node && typeof node === 'object' ? node : null;
}

const segmentsOf = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** A `const` error from one branch of a `oneOf` of `const`s: said once, by the `oneOf` error listing them all. */
const isChoiceBranch = (e: ErrorObject, schema: unknown): boolean =>
  e.keyword === 'const' &&
  /\/oneOf\/\d+\/const$/.test(e.schemaPath) &&
  formOptions(schemaAt(schema, segmentsOf(e.instancePath ?? ''))) !== null;

/**
 * Both messages for each ajv error. `schema` is the schema validated against (for titles; null for a route's
 * schema compiled by fastify), `prefix` names the part of the request (`variables`, `body`, `querystring`).
 */
export function describeErrors(
  errors: ErrorObject[],
  schema: unknown,
  prefix: string | undefined,
): BilingualError[] {
  const kept = errors.filter((e) => !isChoiceBranch(e, schema));
  const zhErrors = kept.map((e) => ({ ...e }));
  localizeZh(zhErrors);
  return kept.map((e, i) => {
    const params = e.params as Record<string, unknown>;
    const missing = e.keyword === 'required' ? String(params.missingProperty) : null;
    const extra = e.keyword === 'additionalProperties' ? String(params.additionalProperty) : null;
    const segments = [...segmentsOf(e.instancePath ?? ''), ...(missing ? [missing] : [])];
    const path = [prefix, segments.join('.')].filter(Boolean).join('.') || (prefix ?? '(body)');
    const field = extra ? `${path}.${extra}` : path;
    const node = schemaAt(schema, segments);
    const title = typeof node?.title === 'string' && node.title ? node.title : null;
    const key = segments.at(-1) ?? prefix ?? '';
    const nameZh = title ? `“${title}”（${key}）` : `字段 ${field} `;
    const nameEn = title ? `${field} (${title})` : field;
    const english = e.message ?? 'is invalid';
    if (missing)
      return {
        field,
        message: `${nameEn} ${english}`,
        messageZh: `请填写${nameZh.trimEnd()}：此项为必填项`,
      };
    // a choice: its values by their labels (enumNames, or the titles of a oneOf's consts)
    const options =
      e.keyword === 'enum'
        ? (formOptions(node) ?? formOptions({ enum: params.allowedValues ?? [] }))
        : e.keyword === 'oneOf'
          ? formOptions(node)
          : null;
    if (options) {
      const english = (o: (typeof options)[number]) =>
        o.label === JSON.stringify(o.value) || o.label === o.value
          ? JSON.stringify(o.value)
          : `${JSON.stringify(o.value)} (${o.label})`;
      return {
        field,
        message: `${nameEn} must be equal to one of the allowed values: ${options.map(english).join(', ')}`,
        messageZh: `${nameZh}只能是以下值之一：${options.map(optionText).join('、')}`,
      };
    }
    if (extra)
      return {
        field,
        message: `${field} ${english}`,
        messageZh: `${title ? nameZh : `字段 ${path} `}中不允许有属性“${extra}”：请删除或改正其名称`,
      };
    // a keyword ajv-i18n does not know gets "应当通过 … 关键词校验" from it: its own English wording says more
    const zh =
      e.keyword === 'type' && typeof params.type === 'string'
        ? `应当是${String(params.type)
            .split(',')
            .map((t) => TYPE_ZH[t] ?? t)
            .join('或')}`
        : zhErrors[i].message;
    const translated = zh && zh !== english && !zh.startsWith('应当通过 "') ? zh : english;
    return { field, message: `${nameEn} ${english}`, messageZh: `${nameZh}${translated}` };
  });
}

/** The detail and error list of a problem, each in both languages. */
export function inBothLanguages(errors: BilingualError[]): {
  detail: Text;
  errors: { field: string; message: Text }[];
} {
  return {
    detail: {
      zh: errors.map((e) => e.messageZh).join('；'),
      en: errors.map((e) => e.message).join('; '),
    },
    errors: errors.map((e) => ({ field: e.field, message: { zh: e.messageZh, en: e.message } })),
  };
}
