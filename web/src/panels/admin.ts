/** The admin page (role admin): imports, users, categories, working calendar, in tabs. */
import type { Category } from '../api.js';
import { h, render } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import { renderImports } from './admin-imports.js';
import { renderUsers, type UsersOptions } from './admin-users.js';
import { renderCategories } from './admin-categories.js';
import { renderCalendar } from './admin-calendar.js';
import { renderJobs } from './admin-jobs.js';

const TABS = ['imports', 'users', 'categories', 'calendar', 'jobs'] as const;
type Tab = (typeof TABS)[number];

export function renderAdmin(
  root: HTMLElement,
  opts: UsersOptions & { onCategories: (c: Category[]) => void; tab?: Tab },
): void {
  const body = h('div', { class: 'admin-body' });
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const show = (tab: Tab) => {
    for (const b of tabs.children) b.classList.toggle('active', (b as HTMLElement).dataset.tab === tab);
    history.replaceState(null, '', `/admin?tab=${tab}`);
    if (tab === 'imports') render(body, renderImports());
    else if (tab === 'users') void renderUsers(body, opts);
    else if (tab === 'categories') void renderCategories(body, opts.onCategories);
    else if (tab === 'calendar') void renderCalendar(body);
    else void renderJobs(body);
  };
  for (const tab of TABS)
    tabs.append(
      h(
        'button',
        { class: 'tab', role: 'tab', 'data-tab': tab, onclick: () => show(tab) },
        t(`admin.${tab}` as MessageKey),
      ),
    );
  render(root, h('main', { class: 'admin' }, h('h1', {}, t('admin.title')), tabs, body));
  const fromUrl = new URLSearchParams(location.search).get('tab') as Tab | null;
  show(opts.tab ?? (fromUrl && TABS.includes(fromUrl) ? fromUrl : 'imports'));
}
