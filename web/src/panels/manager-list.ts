/**
 * The block manager's work list: their open items (the API limits them to their area) sorted by
 * deadline, with a live countdown and the workflow buttons inline.
 */
import { describeError } from '../i18n/errors.js';
import { api, type ProblemDetail } from '../api.js';
import { h, render } from '../dom.js';
import { countdown, statusLabel, t } from '../i18n/index.js';
import { OPEN_STATUSES } from '../../../domain/workflow.js';
import { actionButtons } from './problem-actions.js';

export interface ListItem {
  id: number;
  category_name: string;
  description: string;
  status: string;
  due_at: string | null;
  coordinates: [number, number];
}

/** Open items by deadline: the most urgent first, items without a deadline last (pure). */
export function sortByDeadline<T extends { due_at: string | null; id: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    if (a.due_at === b.due_at) return a.id - b.id;
    if (a.due_at === null) return 1;
    if (b.due_at === null) return -1;
    return Date.parse(a.due_at) - Date.parse(b.due_at);
  });
}

export interface ManagerListOptions {
  filters: URLSearchParams;
  onLocate: (id: number, coordinates: [number, number]) => void;
  onChanged: () => void;
}

export class ManagerList {
  readonly el = h('section', { class: 'manager-list', id: 'manager-list' });
  private items: ListItem[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private opts: ManagerListOptions) {
    // Countdowns tick every 30 s without refetching.
    this.timer = setInterval(() => this.tick(), 30_000);
  }

  destroy(): void {
    clearInterval(this.timer);
  }

  async load(filters = this.opts.filters): Promise<void> {
    this.opts.filters = filters;
    const q = new URLSearchParams(filters);
    if (!q.has('status')) q.set('status', OPEN_STATUSES.join(','));
    q.set('limit', '500');
    render(this.el, h('h2', {}, t('manager.list')), h('p', { class: 'muted' }, t('common.loading')));
    try {
      const fc = await api.problems(q);
      this.items = sortByDeadline(
        fc.features.map((f) => {
          const p = f.properties as Record<string, unknown>;
          return {
            id: Number(p.id ?? f.id),
            category_name: String(p.category_name ?? ''),
            description: String(p.description ?? ''),
            status: String(p.status),
            due_at: (p.due_at as string | null) ?? null,
            coordinates: (f.geometry as GeoJSON.Point).coordinates as [number, number],
          };
        }),
      );
      this.draw();
    } catch (err) {
      render(this.el, h('h2', {}, t('manager.list')), h('p', { class: 'error' }, describeError(err)));
    }
  }

  private draw(): void {
    const rows = this.items.map((item) => {
      const cd = countdown(item.due_at);
      const actions = h('div', { class: 'inline-actions' });
      const li = h(
        'li',
        { 'data-id': item.id },
        h(
          'div',
          { class: 'item-head' },
          h(
            'button',
            { class: 'link', onclick: () => this.opts.onLocate(item.id, item.coordinates) },
            `#${item.id} ${item.category_name}`,
          ),
          h('span', { class: `countdown ${cd.state}`, 'data-due': item.due_at ?? '' }, cd.text),
        ),
        h('div', { class: 'muted small' }, `${statusLabel(item.status)} · ${item.description}`),
        h(
          'button',
          { class: 'link small', 'data-expand': item.id, onclick: () => void this.expand(item.id, actions) },
          '⋯',
        ),
        actions,
      );
      return li;
    });
    render(
      this.el,
      h('h2', {}, `${t('manager.list')} (${this.items.length})`),
      rows.length ? h('ul', { class: 'items' }, ...rows) : h('p', { class: 'muted' }, t('manager.empty')),
    );
  }

  /** Loads one item's allowed actions and shows its buttons in the list. */
  private async expand(id: number, into: HTMLElement): Promise<void> {
    const problem = await api.problem(id);
    render(
      into,
      actionButtons(problem, (updated: ProblemDetail | null, message?: string) => {
        if (message) render(into, h('p', { class: 'notice small' }, message));
        if (updated) {
          this.opts.onChanged();
          void this.load();
        }
      }),
    );
  }

  private tick(): void {
    for (const span of this.el.querySelectorAll<HTMLElement>('[data-due]')) {
      const due = span.dataset.due || null;
      const cd = countdown(due);
      span.textContent = cd.text;
      span.className = `countdown ${cd.state}`;
    }
  }
}
