/**
 * The page around the views: navigation, the API token field (kept in localStorage), the language switch,
 * and a hash router (`#/<view>/<params…>`) that builds each view when first visited.
 */
import { tokenStore } from '../api/client.js';
import { h } from '../dom.js';
import { type Language, language, switchLanguage, t } from '../i18n/language.js';
import type { View, ViewDefinition } from '../views/common/view.js';

export function startAppShell(root: HTMLElement, definitions: ViewDefinition[]): void {
  const built = new Map<string, View>();
  const main = h('main', { class: 'reflow-main' });
  const links = definitions.map((d) =>
    h('a', { href: `#/${d.id}`, 'data-view': d.id, class: 'reflow-nav-link' }, t(d.title)),
  );

  const token = h('input', {
    id: 'reflow-token',
    type: 'password',
    autocomplete: 'off',
    placeholder: t('API token'),
    value: tokenStore.get(),
    size: 22,
  });
  const commitToken = () => {
    tokenStore.set(token.value);
    void route();
  };
  token.addEventListener('change', commitToken);
  token.addEventListener('keydown', (e) => e.key === 'Enter' && commitToken());

  const languageSelect = h(
    'select',
    { id: 'reflow-language', 'aria-label': 'Language / 语言' },
    h('option', { value: 'zh' }, '中文'),
    h('option', { value: 'en' }, 'English'),
  );
  languageSelect.value = language;
  languageSelect.addEventListener('change', () => switchLanguage(languageSelect.value as Language));

  const header = h(
    'header',
    { class: 'reflow-header' },
    h(
      'span',
      { class: 'reflow-brand' },
      'Reflow',
      h('small', null, t('Government service process reengineering')),
    ),
    h('nav', { class: 'reflow-nav' }, links),
    h('span', { class: 'reflow-session' }, h('label', null, t('Token'), ' ', token), languageSelect),
  );
  root.replaceChildren(header, main);

  async function route(): Promise<void> {
    const [name = '', ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const definition = definitions.find((d) => d.id === name) ?? definitions[0];
    let view = built.get(definition.id);
    if (!view) {
      view = definition.create();
      built.set(definition.id, view);
      main.append(view.element);
    }
    for (const [id, other] of built) other.element.hidden = id !== definition.id;
    for (const link of links) link.classList.toggle('reflow-nav-active', link.dataset.view === definition.id);
    document.body.dataset.view = definition.id;
    await view.show(params.filter((p) => p !== ''));
  }
  window.addEventListener('hashchange', () => void route());
  void route();
}
