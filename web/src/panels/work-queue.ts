/**
 * Work queues in the sidebar: 我的待办 for those who resolve (dispatched and in progress, by
 * deadline) and 待核查 for inspectors (resolved, nearest or oldest first) with one-tap 结案 and a
 * 返工 that asks for its note. Counts reload after every action.
 */
import { api, type QueueItem, type QueueResponse } from '../api.js';
import { h, render } from '../dom.js';
import { errorText } from '../i18n/errors.js';
import { actionLabel, formatDateTime, statusLabel, t } from '../i18n/index.js';
import { ApiError } from '../api.js';
import { sendTransition } from './problem-actions.js';
import { devicePosition, photoInput } from './photo-input.js';

export interface WorkQueueOptions {
  kind: 'todo' | 'recheck';
  onOpen: (id: number, at: [number, number]) => void;
  onChanged: () => void;
}

export class WorkQueue {
  readonly el: HTMLElement;
  private sort: 'oldest' | 'nearest' = 'oldest';

  constructor(private readonly o: WorkQueueOptions) {
    this.el = h('section', { class: 'work-queue', id: `queue-${o.kind}`, 'data-count': '' });
  }

  async load(): Promise<void> {
    let res: QueueResponse;
    try {
      const near = this.o.kind === 'recheck' && this.sort === 'nearest' ? await devicePosition(3000) : null;
      res = this.o.kind === 'todo' ? await api.todo() : await api.recheck(near);
    } catch (err) {
      // Offline: keep what is shown.
      if (err instanceof ApiError) render(this.el, h('p', { class: 'error small' }, errorText(err)));
      return;
    }
    this.el.dataset.count = String(res.count);
    const title = this.o.kind === 'todo' ? t('queue.todo') : t('queue.recheck');
    render(
      this.el,
      h(
        'h3',
        {},
        title,
        ' ',
        h('span', { class: 'badge', 'data-queue-count': res.count }, t('queue.count', { n: res.count })),
      ),
      this.o.kind === 'recheck'
        ? h(
            'div',
            { class: 'row small' },
            ...(['oldest', 'nearest'] as const).map((s) =>
              h(
                'button',
                {
                  class: this.sort === s ? 'chip active' : 'chip',
                  onclick: () => {
                    this.sort = s;
                    void this.load();
                  },
                },
                t(s === 'oldest' ? 'queue.oldest' : 'queue.nearest'),
              ),
            ),
          )
        : null,
      res.items.length
        ? h('ol', { class: 'queue-list' }, ...res.items.map((i) => this.item(i)))
        : h('p', { class: 'muted small' }, t('queue.empty')),
    );
  }

  private item(i: QueueItem): HTMLElement {
    const msg = h('div', { class: 'small', role: 'status' });
    const li = h(
      'li',
      { class: i.overdue ? 'queue-item overdue' : 'queue-item', 'data-queue-item': i.id },
      h(
        'button',
        { class: 'link queue-open', onclick: () => this.o.onOpen(i.id, [i.lon, i.lat]) },
        `#${i.id} ${i.category_name}`,
      ),
      h('span', { class: `status status-${i.status}` }, statusLabel(i.status)),
      h('div', { class: 'small muted' }, i.description || '–'),
      h(
        'div',
        { class: 'small' },
        this.o.kind === 'todo'
          ? t('queue.due', { due: formatDateTime(i.due_at) })
          : t('queue.resolvedAt', { at: formatDateTime(i.resolved_at) }),
        i.distance_m != null ? ` · ${t('queue.distance', { m: Math.round(i.distance_m) })}` : '',
        i.region_name ? ` · ${i.region_name}` : '',
      ),
      msg,
    );
    if (this.o.kind === 'recheck') {
      const photos = photoInput(`recheck-photo-${i.id}`, t('photo.recheck'));
      const act = async (action: 'close' | 'rework', note?: string) => {
        const r = await sendTransition({ id: i.id, version: i.version }, action, note ? { note } : {}, photos.files());
        if (r.error) return void (msg.textContent = r.error);
        if (r.message) msg.textContent = r.message;
        this.o.onChanged();
        void this.load();
      };
      const note = h('input', {
        type: 'text',
        name: 'rework-note',
        placeholder: t('problem.note'),
      }) as HTMLInputElement;
      li.append(
        photos.el,
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            { class: 'primary', 'data-quick': 'close', onclick: () => void act('close') },
            actionLabel('close'),
          ),
          note,
          h(
            'button',
            {
              'data-quick': 'rework',
              onclick: () => {
                if (!note.value.trim()) {
                  msg.textContent = errorText({
                    code: 'VALIDATION_FAILED',
                    params: { reason: 'note_required', action: 'rework' },
                  });
                  note.focus();
                  return;
                }
                void act('rework', note.value.trim());
              },
            },
            actionLabel('rework'),
          ),
        ),
      );
    }
    return li;
  }
}
