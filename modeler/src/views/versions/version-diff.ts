/**
 * What version B changes against version A, per element and attribute (engine/model/version-diff.ts, the same diff
 * the API's …/diff route answers), with the ids to mark on each diagram.
 */
import type { ElementChange } from '../../../../engine/browser.js';
import { h } from '../../dom.js';
import { language, t } from '../../i18n/language.js';

export interface VersionDiff {
  added: string[];
  removed: string[];
  changed: string[];
  layoutChanged: string[];
  elements: ElementChange[];
}

/** The changes of process `key` between two versions' diagrams (a collaboration's file holds other processes too). */
export async function diffVersions(beforeXml: string, afterXml: string, key?: string): Promise<VersionDiff> {
  const { diffVersions: diff } = await import('../../../../engine/browser.js');
  const { elements, layoutChanged } = await diff(beforeXml, afterXml, key);
  const ids = (kind: ElementChange['change']) =>
    elements.filter((e) => e.change === kind).map((e) => e.elementId);
  return { added: ids('added'), removed: ids('removed'), changed: ids('changed'), layoutChanged, elements };
}

/** The label's part in the page's language (labels are "中文 / English"). */
const inLanguage = (label: string): string => {
  const [zh, en] = label.split(/\s*\/\s*/);
  return (language === 'en' ? en : zh) ?? label;
};

/** A value as read: yes/no, a list, an expression as code (it is FEEL, not prose). */
const shown = (value: unknown): string | HTMLElement =>
  value === null || value === undefined
    ? '—'
    : value === true
      ? t('yes')
      : value === false
        ? t('no')
        : Array.isArray(value)
          ? value.join('、') || '—'
          : /^[{[=]/.test(String(value)) ||
              (/[A-Za-z]{2}/.test(String(value)) && !/[\u4e00-\u9fff]/.test(String(value)))
            ? h('code', null, String(value))
            : String(value);

/**
 * One line per changed element, one item per attribute: "承诺时限（工作日）: 2 → 1"; materials as added/removed.
 * `onPoint` is told which element the pointer is on (null when it leaves), to light it on the diagrams.
 */
export function changeList(
  diff: Pick<VersionDiff, 'elements' | 'layoutChanged'>,
  options: { id?: string; onPoint?: (elementId: string | null) => void } = {},
): HTMLElement {
  const kind = { added: t('added'), removed: t('removed'), changed: t('changed') };
  const { id = 'reflow-version-changes', onPoint } = options;
  return h(
    'ul',
    { id, class: 'reflow-version-changes' },
    diff.elements.map((e) =>
      h(
        'li',
        {
          class: `reflow-change-${e.change}`,
          'data-element': e.elementId,
          ...(onPoint ? { onMouseenter: () => onPoint(e.elementId), onMouseleave: () => onPoint(null) } : {}),
        },
        h('strong', null, `${kind[e.change]} · ${e.name ?? e.elementId}`),
        ' ',
        h('code', null, `(${e.type} ${e.elementId})`),
        e.attributes.length
          ? h(
              'ul',
              null,
              e.attributes.map((a) =>
                h(
                  'li',
                  { 'data-attribute': a.attribute },
                  `${inLanguage(a.label)}: `,
                  a.added || a.removed
                    ? [
                        a.added?.length ? `+ ${a.added.join('、')} ` : '',
                        a.removed?.length ? `− ${a.removed.join('、')}` : '',
                      ].join('')
                    : [shown(a.before), ' → ', shown(a.after)],
                ),
              ),
            )
          : null,
      ),
    ),
    diff.layoutChanged.length
      ? h(
          'li',
          { class: 'reflow-change-layout' },
          t('layout only: {ids}', { ids: diff.layoutChanged.join(', ') }),
        )
      : null,
  );
}
