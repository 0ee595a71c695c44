/**
 * The page around the views: navigation, the API token field (kept in localStorage) and, when the server names
 * an identity provider, 统一身份认证登录 (authorization code + PKCE, api/oidc.ts), who is signed in, the language
 * switch, and a hash router (`#/<view>/<params…>`) that builds each view when first visited.
 */
import { api, identity, session, tokenStore } from '../api/client.js';
import { beginSignIn, completeSignIn, type SignInConfig, SignInError } from '../api/oidc.js';
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
  const who = h('span', { id: 'reflow-who', class: 'reflow-who' });
  const signInStatus = h('span', {
    id: 'reflow-sign-in-status',
    class: 'reflow-sign-in-status',
    role: 'alert',
  });
  const signInButton = h(
    'button',
    { id: 'reflow-sign-in', type: 'button', hidden: true, title: t('Sign in at the identity provider') },
    t('Sign in'),
  );
  /** Who the token belongs to (GET /api/me) by name, beside the token field. */
  const showWho = async () => {
    who.textContent = '';
    if (!tokenStore.get()) return;
    try {
      const me = await identity();
      // a person by name; a token of the tokens file without a name (named by its role) shows none
      if (me.name === me.userId) return;
      who.textContent = me.department ? `${me.name}（${me.department}）` : me.name;
      who.title = me.userId;
    } catch {
      // a wrong or expired token: the views say so when they call the API
    }
  };
  const showSignInError = (error: unknown) => {
    signInStatus.textContent =
      error instanceof SignInError ? t(error.key, { detail: error.detail }) : String(error);
  };
  const commitToken = () => {
    tokenStore.set(token.value);
    void showWho();
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
    h(
      'span',
      { class: 'reflow-session' },
      signInStatus,
      who,
      signInButton,
      h('label', null, t('Token'), ' ', token),
      languageSelect,
    ),
  );
  root.replaceChildren(header, main);

  /** Before the first view: finish a sign-in the identity provider sent the browser back from. */
  const signedIn = (async () => {
    try {
      const done = await completeSignIn(location.search, sessionStorage);
      if (done) {
        tokenStore.set(done.token);
        token.value = done.token;
        // the code and state leave the address bar (and the history)
        history.replaceState(null, '', `${location.pathname}${done.hash}`);
      }
    } catch (error) {
      history.replaceState(null, '', `${location.pathname}${location.hash}`);
      showSignInError(error);
    }
    void showWho();
  })();
  /**
   * The sign-in button, when the server names an identity provider (GET /api/auth/config); the first view waits
   * for it, so that its problems point at the right way to sign in.
   */
  const offered = (async () => {
    try {
      const { oidc } = await api<{ oidc: SignInConfig | null }>('/api/auth/config');
      if (!oidc) return;
      session.provider = true;
      signInButton.hidden = false;
      signInButton.addEventListener('click', async () => {
        signInStatus.textContent = '';
        try {
          const redirectUri = `${location.origin}${location.pathname}`;
          location.assign(await beginSignIn(oidc, { redirectUri, hash: location.hash }, sessionStorage));
        } catch (error) {
          showSignInError(error);
        }
      });
    } catch (error) {
      showSignInError(error);
    }
  })();

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
  void Promise.all([signedIn, offered]).then(route);
}
