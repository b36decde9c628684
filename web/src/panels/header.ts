/** The top bar: title, who is logged in (name, role, scope), language toggle, admin link, logout. */
import { api, type PublicUser } from '../api.js';
import { h, render } from '../dom.js';
import { getLang, setLang, t, type MessageKey } from '../i18n/index.js';

export type Page = 'map' | 'admin' | 'campaigns';

/** The in-app inbox: a badge with the unread count; a click lists the messages and marks them read. */
function inboxButton(): HTMLElement {
  const badge = h('span', { class: 'badge', id: 'inbox-unread' });
  const list = h('div', { class: 'inbox-list', id: 'inbox-list', hidden: true });
  const refresh = async () => {
    const inbox = await api.inbox();
    badge.textContent = inbox.unread ? String(inbox.unread) : '';
    badge.dataset.unread = String(inbox.unread);
    return inbox;
  };
  const button = h(
    'button',
    {
      class: 'link',
      id: 'inbox',
      onclick: () =>
        void (async () => {
          list.hidden = !list.hidden;
          if (list.hidden) return;
          const inbox = await refresh();
          render(
            list,
            inbox.messages.length
              ? h(
                  'ul',
                  {},
                  ...inbox.messages.map((m) =>
                    h(
                      'li',
                      { class: m.read_at ? 'read' : 'unread' },
                      h('strong', {}, m.subject),
                      h('pre', { class: 'small' }, m.body),
                      m.read_at
                        ? null
                        : h(
                            'button',
                            { class: 'link', onclick: () => void api.markRead(m.id).then(refresh) },
                            t('inbox.markRead'),
                          ),
                    ),
                  ),
                )
              : h('p', { class: 'muted' }, t('inbox.empty')),
          );
        })(),
    },
    t('nav.inbox'),
    ' ',
    badge,
  );
  void refresh().catch(() => undefined);
  return h('div', { class: 'inbox-wrap' }, button, list);
}

export interface HeaderOptions {
  user: PublicUser;
  page: Page;
  /** Names of the scope regions, when known (codes otherwise). */
  scopeNames?: string[];
  onNavigate: (page: Page) => void;
  onLogout: () => void;
}

export function renderHeader(opts: HeaderOptions): HTMLElement {
  const { user } = opts;
  const scope = user.scope.length
    ? (opts.scopeNames ?? user.scope).join('、')
    : (user.department ?? t('user.scope.all'));
  const nav = h('nav', {});
  const link = (page: Page, href: string, label: string) =>
    h(
      'a',
      {
        href,
        class: opts.page === page ? 'active' : '',
        'data-page': page,
        onclick: (e: Event) => (e.preventDefault(), opts.onNavigate(page)),
      },
      label,
    );
  nav.append(link('map', '/', t('nav.map')), link('campaigns', '/campaigns', t('nav.campaigns')));
  if (user.role === 'admin') nav.append(link('admin', '/admin', t('nav.admin')));
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
    inboxButton(),
    h('button', { class: 'link', id: 'logout', onclick: opts.onLogout }, t('user.logout')),
  );
  return header;
}
