/**
 * The assessment panel (对标达标) in the map's sidebar: an inspector's open tasks (a mock
 * assessment's points, nearest-first walking order), the item-by-item inspection form of a point
 * (pass / fail / not applicable, note, photo reference), and for leaders the streets' 达标率.
 * Types come from the server's schemas.
 */
import type { Static } from 'typebox';
import type { Task as TaskSchema } from '../../../server/schemas/samples.js';
import type { Standard as StandardSchema } from '../../../server/schemas/standards.js';
import type { PointFeature as PointSchema } from '../../../server/schemas/points.js';
import type {
  RegionStanding as RegionStandingSchema,
  SubmitInspectionResponse as SubmitSchema,
} from '../../../server/schemas/inspections.js';
import { ApiError, request } from '../api.js';
import { h, render, showStatus } from '../dom.js';
import { formatDateTime, t, type MessageKey } from '../i18n/index.js';

type Task = Static<typeof TaskSchema>;
type Standard = Static<typeof StandardSchema>;
type Point = Static<typeof PointSchema>;
type RegionStanding = Static<typeof RegionStandingSchema>;
type Submitted = Static<typeof SubmitSchema>;

export interface AssessmentPanelOptions {
  role: string;
  /** Fly the map to a point. */
  onLocate: (at: [number, number]) => void;
  /** After an inspection: the map's points and problems changed. */
  onInspected: () => void;
  onError: (message: string) => void;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(1)}%`);

/** The error the page shows for a refused submission, in the user's language. */
function refusalText(err: unknown): string {
  if (err instanceof ApiError) {
    const d = (err.details ?? {}) as { reason?: string; missing?: string[]; photo_missing?: string[] };
    if (d.reason === 'items_invalid' && d.photo_missing?.length)
      return t('assess.err.photo', { items: d.photo_missing.join('、') });
    if (d.reason === 'items_invalid') return t('assess.err.missing', { items: (d.missing ?? []).join('、') });
    if (d.reason === 'standard_changed') return t('assess.err.standard');
    if (d.reason === 'task_done') return t('assess.err.done');
    return t('common.error', { message: err.message });
  }
  return t('common.error', { message: String(err) });
}

export class AssessmentPanel {
  readonly el = h('section', { class: 'assessment', id: 'assessment' });

  constructor(private readonly o: AssessmentPanelOptions) {}

  async load(): Promise<void> {
    const parts: HTMLElement[] = [h('h2', {}, t('assess.title'))];
    if (['inspector', 'manager', 'admin'].includes(this.o.role)) parts.push(await this.tasks());
    if (['leader', 'admin', 'manager', 'department'].includes(this.o.role)) parts.push(await this.standing());
    render(this.el, ...parts);
  }

  private async tasks(): Promise<HTMLElement> {
    const box = h('div', { class: 'assess-tasks' });
    try {
      const { tasks } = await request<{ tasks: Task[] }>('GET', '/api/tasks?open=true');
      render(
        box,
        h('h3', {}, t('assess.tasks', { n: tasks.length })),
        tasks.length === 0
          ? h('p', { class: 'muted small' }, t('assess.noTasks'))
          : h(
              'ol',
              { class: 'task-list' },
              ...tasks.map((task) =>
                h(
                  'li',
                  { class: `task${task.overdue ? ' overdue' : ''}`, 'data-task': task.id },
                  h('strong', {}, task.point_name),
                  h(
                    'span',
                    { class: 'muted small' },
                    ` ${task.type_name} · ${t('assess.due')} ${formatDateTime(task.due_at)}`,
                  ),
                  h(
                    'button',
                    {
                      class: 'primary small inspect-start',
                      onclick: () => {
                        this.o.onLocate([task.lon, task.lat]);
                        void this.openForm(task.point_id, task.id);
                      },
                    },
                    t('assess.inspect'),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      render(box, h('p', { class: 'error' }, refusalText(err)));
    }
    return box;
  }

  private async standing(): Promise<HTMLElement> {
    const box = h('div', { class: 'assess-standing' });
    try {
      const { regions } = await request<{ regions: RegionStanding[] }>('GET', '/api/assessment/standing?level=street');
      render(
        box,
        h('h3', {}, t('assess.standing')),
        h(
          'table',
          { class: 'standing-table' },
          h(
            'tr',
            {},
            ...(
              ['assess.col.street', 'assess.col.rate', 'assess.col.covered', 'assess.col.chronic'] as MessageKey[]
            ).map((k) => h('th', {}, t(k))),
          ),
          ...regions.map((r) =>
            h(
              'tr',
              { 'data-code': r.code },
              h('td', {}, r.name),
              h('td', { class: 'rate' }, pct(r.rate)),
              h('td', {}, `${r.covered}/${r.points}`),
              h('td', {}, String(r.chronic_points)),
            ),
          ),
        ),
      );
    } catch (err) {
      render(box, h('p', { class: 'error' }, refusalText(err)));
    }
    return box;
  }

  /** The inspection form of one point, item by item, in the panel. */
  async openForm(pointId: number, taskId: number | null = null): Promise<void> {
    const point = await request<Point>('GET', `/api/points/${pointId}`);
    const { standards } = await request<{ standards: Standard[] }>(
      'GET',
      `/api/standards?type=${encodeURIComponent(point.properties.type_code)}`,
    );
    const standard = standards[0];
    const status = h('p', { class: 'status' });
    const rows = standard.items.map((item) => {
      const name = `item-${item.id}`;
      const radio = (value: 'pass' | 'fail' | 'na', label: MessageKey) =>
        h('label', { class: 'radio' }, h('input', { type: 'radio', name, value, checked: value === 'pass' }), t(label));
      return {
        item,
        el: h(
          'fieldset',
          { class: 'inspect-item', 'data-item': item.code },
          h('legend', {}, `${item.text}${item.photo_required ? ` 📷` : ''}`),
          radio('pass', 'assess.pass'),
          radio('fail', 'assess.fail'),
          radio('na', 'assess.na'),
          h('input', { type: 'text', class: 'item-note', placeholder: t('assess.note') }),
          h('input', { type: 'text', class: 'item-photo', placeholder: t('assess.photo') }),
        ),
      };
    });
    const submit = async () => {
      const items = rows.map(({ item, el }) => {
        const result = (el.querySelector('input[type=radio]:checked') as HTMLInputElement).value as
          'pass' | 'fail' | 'na';
        const note = (el.querySelector('.item-note') as HTMLInputElement).value.trim();
        const photo = (el.querySelector('.item-photo') as HTMLInputElement).value.trim();
        return { item_id: item.id, result, note: note || null, photos: photo ? [photo] : [] };
      });
      try {
        const device = await currentPosition();
        const r = await request<Submitted>('POST', '/api/inspections', {
          point_id: pointId,
          standard_id: standard.id,
          kind: taskId ? 'mock' : 'inspection',
          task_id: taskId,
          device,
          items,
        });
        showStatus(status, t('assess.submitted', { score: pct(r.inspection.score), n: r.problems.length }), 'good');
        this.o.onInspected();
        setTimeout(() => void this.load(), 1500);
      } catch (err) {
        showStatus(status, refusalText(err), 'error');
      }
    };
    render(
      this.el,
      h('h2', {}, point.properties.name),
      h(
        'p',
        { class: 'muted small' },
        `${point.properties.type_name} · ${t('assess.version', { v: standard.version })}`,
      ),
      h(
        'form',
        { class: 'inspect-form', onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
        ...rows.map((r) => r.el),
        h(
          'div',
          { class: 'row' },
          h('button', { type: 'submit', class: 'primary', id: 'inspect-submit' }, t('assess.submit')),
          h('button', { type: 'button', class: 'link', onclick: () => void this.load() }, t('manager.cancel')),
        ),
      ),
      status,
    );
  }
}

/** The phone's position for the record (null when refused or unavailable within 3 s). */
function currentPosition(): Promise<{ lon: number; lat: number; accuracy_m: number } | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy }),
      () => resolve(null),
      { timeout: 3000, maximumAge: 60_000 },
    );
  });
}
