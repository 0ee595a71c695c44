/**
 * 发布 — what the views show of publishing: a version's status (草稿 / 已发布 / 已停用), the version in force, and
 * the confirmation dialog that shows what a deployment or a publication changes against the version in force.
 */
import type { DefinitionSummary, VersionStatus } from '../../api/types.js';
import { formatTime, h } from '../../dom.js';
import { t } from '../../i18n/language.js';

const STATUS_TEXT: Record<VersionStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  retired: 'Retired',
};

/** 草稿 / 已发布 / 已停用 as a badge. */
export function statusBadge(status: VersionStatus | undefined): HTMLElement | null {
  if (!status) return null;
  return h(
    'span',
    { class: `reflow-badge reflow-status-${status}`, 'data-status': status },
    t(STATUS_TEXT[status]),
  );
}

/** "在用版本：v2（… 起）", or that none is in force. */
export function inForceText(summary: DefinitionSummary | undefined): string {
  if (!summary) return '';
  if (summary.inForce === null || summary.inForce === undefined) return t('No version in force');
  return t('In force: v{version} since {time}', {
    version: summary.inForce,
    time: formatTime(summary.inForceSince),
  });
}

/**
 * A modal dialog with a title, a body and 确认 / 取消; resolves true when confirmed. `extra` is read before the
 * dialog closes (a field of the body, e.g. 生效时间).
 */
export function confirmDialog(options: {
  id: string;
  title: string;
  body: (Node | string | null)[];
  confirm: string;
}): Promise<boolean> {
  const dialog = h('dialog', { id: options.id, class: 'reflow-dialog' });
  return new Promise((resolve) => {
    const close = (confirmed: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(confirmed);
    };
    dialog.append(
      h('h3', null, options.title),
      h('div', { class: 'reflow-dialog-body' }, options.body),
      h(
        'div',
        { class: 'reflow-dialog-actions' },
        h('button', { id: `${options.id}-cancel`, onClick: () => close(false) }, t('Cancel')),
        h(
          'button',
          { id: `${options.id}-confirm`, class: 'reflow-primary', onClick: () => close(true) },
          options.confirm,
        ),
      ),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
