/**
 * The interface language: Chinese by default, English switchable. One function translates both our own
 * labels and bpmn-js's (it is registered as bpmn-js's `translate` service), so the keys are the English texts.
 */
import { zh } from './zh.js';

export type Language = 'zh' | 'en';

const LANGUAGE_KEY = 'reflow.lang';

export const language: Language = localStorage.getItem(LANGUAGE_KEY) === 'en' ? 'en' : 'zh';

/** The text in the current language, `{name}` placeholders replaced. */
export function t(template: string, replacements: Record<string, string | number> = {}): string {
  const text = language === 'zh' ? (zh[template] ?? template) : template;
  return text.replace(/{([^}]+)}/g, (whole, name: string) =>
    name in replacements ? String(replacements[name]) : whole,
  );
}

/** A bpmn-js module that replaces its `translate` service. */
export const translateModule = { translate: ['value', t] };

/** Switches language; the page reloads so that the palette and panels are drawn again. */
export function switchLanguage(next: Language): void {
  localStorage.setItem(LANGUAGE_KEY, next);
  location.reload();
}
