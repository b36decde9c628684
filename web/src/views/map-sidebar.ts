/**
 * The map page's sidebar: search (not for managers), the report button, the manager's list,
 * filters, the rankings view's entry, exports.
 */
import type { Category, RegionSearchHit } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { renderExports } from '../panels/exports.js';
import { renderFilters } from '../panels/filters.js';
import { showRankings } from '../panels/rankings.js';
import { renderSearch } from '../panels/search.js';
import type { Level, ViewState } from '../state/url.js';

export interface SidebarOptions {
  view: ViewState;
  categories: Category[];
  showSearch: boolean;
  canReport: boolean;
  adding: boolean;
  list: HTMLElement | null;
  /** The assessment panel (tasks, inspection form, streets' 达标率). */
  assessment: HTMLElement | null;
  /** 我的待办 or 待核查 (views/map-view.ts picks by role). */
  queue: HTMLElement | null;
  onSearchHit: (hit: RegionSearchHit) => void;
  onStartAdd: () => void;
  onStopAdd: () => void;
  onViewChange: (patch: Partial<ViewState>) => void;
  params: () => URLSearchParams;
  level: () => Level;
  onError: (message: string) => void;
  /** The rankings view opens in this panel; a picked row selects its unit and zooms to it. */
  rankings?: { panel: HTMLElement; onPick: (code: string) => void };
}

export function sidebarParts(o: SidebarOptions): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (o.showSearch) parts.push(renderSearch(o.onSearchHit));
  if (o.canReport) {
    parts.push(
      h(
        'div',
        { class: 'add-bar' },
        o.adding
          ? [
              h('span', { class: 'notice small' }, t('manager.addHint')),
              h('button', { class: 'link', onclick: o.onStopAdd }, t('manager.cancel')),
            ]
          : h('button', { class: 'primary', id: 'add-problem-start', onclick: o.onStartAdd }, t('manager.add')),
      ),
    );
  }
  if (o.queue) parts.push(o.queue);
  if (o.list) parts.push(o.list);
  if (o.assessment) parts.push(o.assessment);
  parts.push(renderFilters({ view: o.view, categories: o.categories, onChange: o.onViewChange }));
  const rankings = o.rankings;
  if (rankings)
    parts.push(
      h(
        'section',
        { class: 'rankings-entry' },
        h('h2', {}, t('rankings.title')),
        h(
          'button',
          {
            id: 'rankings-open',
            onclick: () =>
              showRankings(rankings.panel, {
                level: o.level(),
                filters: o.params,
                onPick: rankings.onPick,
                onClose: () => (rankings.panel.hidden = true),
              }),
          },
          t('rankings.open'),
        ),
      ),
    );
  parts.push(renderExports(o.params, o.level, (m) => o.onError(t('common.error', { message: m }))));
  return parts;
}
