/** The top bar: title, who is logged in (name, role, scope), language toggle, admin link, logout. */
import type { PublicUser } from '../api.js';
import { h } from '../dom.js';
import { getLang, setLang, t, type MessageKey } from '../i18n/index.js';

export interface HeaderOptions {
  user: PublicUser;
  page: 'map' | 'admin';
  /** Names of the scope regions, when known (codes otherwise). */
  scopeNames?: string[];
  onNavigate: (page: 'map' | 'admin') => void;
  onLogout: () => void;
}

export function renderHeader(opts: HeaderOptions): HTMLElement {
  const { user } = opts;
  const scope = user.scope.length
    ? (opts.scopeNames ?? user.scope).join('、')
    : (user.department ?? t('user.scope.all'));
  const nav = h('nav', {});
  if (user.role === 'admin') {
    nav.append(
      h(
        'a',
        {
          href: '/',
          class: opts.page === 'map' ? 'active' : '',
          onclick: (e: Event) => (e.preventDefault(), opts.onNavigate('map')),
        },
        t('nav.map'),
      ),
      h(
        'a',
        {
          href: '/admin',
          class: opts.page === 'admin' ? 'active' : '',
          onclick: (e: Event) => (e.preventDefault(), opts.onNavigate('admin')),
        },
        t('nav.admin'),
      ),
    );
  }
  const header: HTMLElement = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('strong', {}, t('app.title')), h('span', { class: 'muted' }, t('app.subtitle'))),
    // Narrow screens: the rest of the bar folds into this menu.
    h(
      'button',
      {
        class: 'menu-toggle',
        id: 'menu-toggle',
        'aria-label': t('menu.open'),
        onclick: () => header.classList.toggle('menu-open'),
      },
      '☰ ',
      t('menu.open'),
    ),
    nav,
    h('div', { class: 'spacer' }),
    h(
      'div',
      { class: 'who', id: 'who', 'data-role': user.role },
      h('span', { class: 'name' }, user.display_name),
      h('span', { class: 'role-badge' }, t(`role.${user.role}` as MessageKey)),
      h('span', { class: 'scope', title: user.scope.join(', ') }, t('user.scope', { scope })),
    ),
    h(
      'button',
      { class: 'link', id: 'lang-toggle', onclick: () => setLang(getLang() === 'en' ? 'zh-CN' : 'en') },
      t('lang.toggle'),
    ),
    h('button', { class: 'link', id: 'logout', onclick: opts.onLogout }, t('user.logout')),
  );
  return header;
}
