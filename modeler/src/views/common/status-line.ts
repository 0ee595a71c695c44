/** A one-line message under a toolbar: what just happened, or what went wrong and how to fix it. */
import { ApiError, session } from '../../api/client.js';
import { h } from '../../dom.js';
import { t } from '../../i18n/language.js';

export type StatusKind = 'info' | 'ok' | 'error';

export interface StatusLine {
  element: HTMLElement;
  set(kind: StatusKind, message: string): void;
  /** Shows an error; API errors get a hint for the usual causes (no token, wrong role, missing route). */
  error(error: unknown): void;
  clear(): void;
}

/** What a caller without a valid token is told: the sign-in button when there is one, else the token field. */
export const notSignedIn = (): string =>
  session.provider
    ? t('Not signed in, or the sign-in has expired: press Sign in at the top right')
    : t('Not signed in: enter an API token at the top right');

export function explainError(error: unknown): string {
  if (!(error instanceof ApiError)) return String((error as Error)?.message ?? error);
  if (error.status === 401) return `${notSignedIn()} (${error.detail || error.title})`;
  if (error.status === 403) return `${t('This token may not do that')}: ${error.detail || error.title}`;
  return error.message;
}

export function createStatusLine(id?: string): StatusLine {
  const element = h('div', { class: 'reflow-status', role: 'status', id });
  const set = (kind: StatusKind, message: string) => {
    element.className = `reflow-status reflow-status-${kind}`;
    element.dataset.kind = kind;
    element.textContent = message;
  };
  return {
    element,
    set,
    error: (error) => set('error', explainError(error)),
    clear: () => set('info', ''),
  };
}
