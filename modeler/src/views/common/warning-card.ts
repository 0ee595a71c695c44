/**
 * The pieces of a yellow or red card (电子监察) every view draws the same way: its badge (黄牌 / 红牌) and its
 * follow-up notes (督办意见) — in the supervision view, on the case, and on the task in the department's inbox.
 */
import type { WarningCard, WarningNote } from '../../api/types.js';
import { formatTime, h } from '../../dom.js';
import { t } from '../../i18n/language.js';

/** 黄牌 / 红牌, as the interface names a level. */
const levelName = (level: WarningCard['level']): string =>
  level === 'red' ? t('Red card') : t('Yellow card');

/** The card's coloured badge. */
export const cardBadge = (level: WarningCard['level']): HTMLElement =>
  h('span', { class: `reflow-card-badge reflow-card-badge-${level}` }, levelName(level));

/** The card's follow-up notes, oldest first: when, who, what (null without any). */
export const notesList = (notes: readonly WarningNote[]): HTMLElement | null =>
  notes.length === 0
    ? null
    : h(
        'ul',
        { class: 'reflow-card-notes' },
        notes.map((n) => h('li', null, `${formatTime(n.createdAt)} ${n.author}：${n.text}`)),
      );
