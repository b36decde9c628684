/**
 * The assessment panel (对标达标) in the map's sidebar: an inspector's open tasks (a mock
 * assessment's points, nearest-first walking order), the item-by-item inspection form of a point
 * (pass / fail / not applicable, note, photos from the camera), the inspection's record once
 * submitted (results, photo thumbnails, the problems it filed), and for leaders the streets' 达标率.
 *
 * The form goes through the outbox like a report: photos are uploaded (kind `inspection_item`)
 * and attached by id per item, and without signal the whole inspection waits on the phone.
 * Types come from the server's schemas.
 */
import type { Static } from 'typebox';
import type { Task as TaskSchema } from '../../../server/schemas/samples.js';
import type { Standard as StandardSchema } from '../../../server/schemas/standards.js';
import type { PointFeature as PointSchema } from '../../../server/schemas/points.js';
import type { RegionStanding as RegionStandingSchema } from '../../../server/schemas/inspections.js';
import { request, type InspectionBody, type SubmittedInspection } from '../api.js';
import { h, render, showStatus } from '../dom.js';
import { errorText } from '../i18n/errors.js';
import { formatDateTime, t, type MessageKey } from '../i18n/index.js';
import { submit as send } from '../offline/outbox.js';
import { devicePosition, photoInput, photoSrc, type PhotoInput } from './photo-input.js';

/** The standing table's rows shown before "show all" (the worst first). */
const STANDING_ROWS = 5;

type Task = Static<typeof TaskSchema>;
type Standard = Static<typeof StandardSchema>;
type Point = Static<typeof PointSchema>;
type RegionStanding = Static<typeof RegionStandingSchema>;
type InspectionRecord = SubmittedInspection['inspection'];
type Result = 'pass' | 'fail' | 'na';
const RESULT_LABEL: Record<Result, MessageKey> = { pass: 'assess.pass', fail: 'assess.fail', na: 'assess.na' };

export interface AssessmentPanelOptions {
  role: string;
  /** Fly the map to a point. */
  onLocate: (at: [number, number]) => void;
  /** After an inspection: the map's points and problems changed. */
  onInspected: () => void;
  onError: (message: string) => void;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(1)}%`);

/** An API refusal as the outbox keeps it, or as a request throws it. */
interface Refusal {
  code: string;
  status: number;
  params?: Record<string, unknown>;
  details?: unknown;
}

/** The error the page shows for a refused submission, in the user's language. */
function refusalText(err: unknown): string {
  const e = err as Refusal | null;
  if (e && typeof e.code === 'string' && typeof e.status === 'number' && e.status > 0) {
    const d = (e.details ?? {}) as { reason?: string; missing?: string[]; photo_missing?: string[] };
    if (d.reason === 'items_invalid' && d.photo_missing?.length)
      return t('assess.err.photo', { items: d.photo_missing.join('、') });
    if (d.reason === 'items_invalid') return t('assess.err.missing', { items: (d.missing ?? []).join('、') });
    if (d.reason === 'standard_changed') return t('assess.err.standard');
    if (d.reason === 'task_done') return t('assess.err.done');
    return errorText(e);
  }
  return t('assess.err.network');
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

  /** Whether the standing table shows every street (the user's choice, kept across redraws). */
  private standingAll = false;

  /**
   * The button under the standing table that shows the rest of its rows or folds them again: a
   * county's 18 streets would push what follows in the side panel (the filters) off the screen.
   */
  private standingToggle(box: HTMLElement, count: number): HTMLElement {
    const label = () => (this.standingAll ? t('assess.showFewer') : t('assess.showAll', { n: count }));
    const button = h(
      'button',
      {
        type: 'button',
        class: 'link standing-toggle',
        id: 'standing-toggle',
        'aria-controls': 'standing-rows',
        'aria-expanded': String(this.standingAll),
        onclick: () => {
          this.standingAll = !this.standingAll;
          box.querySelectorAll<HTMLElement>('#standing-rows > tr').forEach((tr, i) => {
            tr.hidden = !this.standingAll && i >= STANDING_ROWS;
          });
          button.setAttribute('aria-expanded', String(this.standingAll));
          button.textContent = label();
        },
      },
      label(),
    );
    return button;
  }

  private async standing(): Promise<HTMLElement> {
    const box = h('div', { class: 'assess-standing' });
    try {
      const { regions: byCode } = await request<{ regions: RegionStanding[] }>(
        'GET',
        '/api/assessment/standing?level=street',
      );
      // Worst first (lowest 达标率, the streets not inspected yet last), so the rows shown before
      // "show all" are the ones a leader has to act on; the server answers in code order.
      const regions = [...byCode].sort((a, b) => (a.rate ?? Infinity) - (b.rate ?? Infinity));
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
          h(
            'tbody',
            { id: 'standing-rows' },
            ...regions.map((r, i) =>
              h(
                'tr',
                { 'data-code': r.code, hidden: !this.standingAll && i >= STANDING_ROWS },
                h('td', {}, r.name),
                h('td', { class: 'rate' }, pct(r.rate)),
                h('td', {}, `${r.covered}/${r.points}`),
                h('td', {}, String(r.chronic_points)),
              ),
            ),
          ),
        ),
        regions.length > STANDING_ROWS ? this.standingToggle(box, regions.length) : null,
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
    const startedAt = new Date().toISOString();
    const status = h('p', { class: 'status', role: 'status', 'data-inspect-status': '' });
    const rows = standard.items.map((item) => {
      const name = `item-${item.id}`;
      const radio = (value: Result) =>
        h(
          'label',
          { class: 'radio' },
          h('input', { type: 'radio', name, value, checked: value === 'pass' }),
          t(RESULT_LABEL[value]),
        );
      const photos: PhotoInput = photoInput(
        `photo-${item.id}`,
        item.photo_required ? t('assess.photoRequired') : t('assess.photo'),
      );
      const el = h(
        'fieldset',
        { class: 'inspect-item', 'data-item': item.code, 'data-item-id': item.id },
        h('legend', {}, item.text),
        h('div', { class: 'results' }, radio('pass'), radio('fail'), radio('na')),
        h('input', { type: 'text', class: 'item-note', placeholder: t('assess.note'), maxlength: 2000 }),
        photos.el,
      );
      const result = () => (el.querySelector('input[type=radio]:checked') as HTMLInputElement).value as Result;
      return { item, el, photos, result };
    });
    const submitButton = h(
      'button',
      { type: 'submit', class: 'primary', id: 'inspect-submit' },
      t('assess.submit'),
    ) as HTMLButtonElement;
    const submit = async () => {
      // A failure the standard wants photographed is refused here already (the server refuses it too).
      const needPhoto = rows.filter((r) => r.item.photo_required && r.result() === 'fail' && !r.photos.files().length);
      for (const r of rows) r.el.classList.toggle('needs-photo', needPhoto.includes(r));
      if (needPhoto.length) {
        showStatus(status, t('assess.err.photo', { items: needPhoto.map((r) => r.item.text).join('、') }), 'error');
        needPhoto[0].el.scrollIntoView({ block: 'center' });
        return;
      }
      submitButton.disabled = true;
      status.textContent = t('assess.sending');
      const position = await devicePosition(1500);
      const body: InspectionBody = {
        point_id: pointId,
        standard_id: standard.id,
        kind: taskId ? 'mock' : 'inspection',
        task_id: taskId,
        started_at: startedAt,
        device: position ? { lon: position.lon, lat: position.lat, accuracy_m: position.accuracy } : null,
        items: rows.map(({ item, el, result }) => {
          const note = (el.querySelector('.item-note') as HTMLInputElement).value.trim();
          return { item_id: item.id, result: result(), note: note || null };
        }),
      };
      const outcome = await send({
        type: 'inspection',
        pointName: point.properties.name,
        body,
        photos: rows.flatMap(({ item, photos }) =>
          photos.files().map((blob) => ({ blob, kind: 'inspection_item' as const, position, itemId: item.id })),
        ),
      });
      if (outcome.state === 'sent') {
        this.o.onInspected();
        this.showRecord((outcome.result as SubmittedInspection).inspection);
      } else if (outcome.state === 'queued') {
        render(
          this.el,
          h('h2', {}, point.properties.name),
          h('p', { class: 'notice', 'data-queued': '' }, t('outbox.savedOffline')),
          h('button', { class: 'primary', id: 'inspect-back', onclick: () => void this.load() }, t('assess.back')),
        );
      } else {
        submitButton.disabled = false;
        showStatus(status, refusalText(outcome.error), 'error');
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
        {
          class: 'inspect-form',
          id: 'inspect-form',
          'data-point': pointId,
          onsubmit: (e: Event) => (e.preventDefault(), void submit()),
        },
        ...rows.map((r) => r.el),
        h(
          'div',
          { class: 'row' },
          submitButton,
          h('button', { type: 'button', class: 'link', onclick: () => void this.load() }, t('manager.cancel')),
        ),
      ),
      status,
    );
    this.el.scrollIntoView({ block: 'start' });
  }

  /** An inspection's record: who and when, every item's result, note and photos, the problems it filed. */
  showRecord(r: InspectionRecord): void {
    const photo = (url: string, n: number) =>
      h(
        'a',
        { href: photoSrc(url, false), target: '_blank', rel: 'noopener noreferrer', class: 'photo-link' },
        url.startsWith('/api/photos/')
          ? h('img', { src: photoSrc(url, true), alt: t('problem.photo', { n: n + 1 }), class: 'photo-thumb' })
          : t('problem.photo', { n: n + 1 }),
      );
    render(
      this.el,
      h('h2', {}, r.point_name),
      h(
        'section',
        { class: 'inspection-record', 'data-inspection': r.id },
        h('h3', {}, t('assess.record')),
        h(
          'p',
          { class: 'muted small' },
          t('assess.recordMeta', {
            inspector: r.inspector_name ?? r.inspector,
            at: formatDateTime(r.submitted_at),
            score: pct(r.score),
          }),
        ),
        h(
          'ol',
          { class: 'record-items' },
          ...(r.items ?? []).map((i) =>
            h(
              'li',
              { class: 'record-item', 'data-item': i.code, 'data-result': i.result },
              h('span', { class: `result ${i.result}` }, t(RESULT_LABEL[i.result])),
              ' ',
              i.text,
              i.note ? h('div', { class: 'muted small' }, i.note) : null,
              i.photos.length
                ? h('div', { class: 'photo-strip', 'data-photos': i.photos.length }, ...i.photos.map(photo))
                : null,
              i.problem_id !== null
                ? h(
                    'div',
                    { class: 'notice small', 'data-problem': i.problem_id },
                    t('assess.filed', {
                      id: i.problem_id,
                      category: i.category_name,
                      due: i.problem_due_at ? formatDateTime(i.problem_due_at) : '—',
                    }),
                  )
                : null,
            ),
          ),
        ),
      ),
      h('button', { class: 'primary', id: 'inspect-back', onclick: () => void this.load() }, t('assess.back')),
    );
    this.el.scrollIntoView({ block: 'start' });
  }
}
