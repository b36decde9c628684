/**
 * The problem popup: category, status, description, photo links, deadline countdown, chain,
 * history and the caller's workflow buttons. A problem the caller may not see answers 404 and the
 * popup shows nothing at all (no hint that it exists).
 */
import { Popup, type Map as MapLibreMap } from 'maplibre-gl';
import { api, ApiError, session, type Category, type ProblemDetail, type ProblemEvent } from '../api.js';
import { h } from '../dom.js';
import { actionLabel, actorLabel, countdown, formatDateTime, statusLabel, t, type MessageKey } from '../i18n/index.js';
import { OPEN_STATUSES, type Status } from '../../../domain/workflow.js';
import { actionButtons } from './problem-actions.js';
import { canEdit, editControl } from './problem-edit.js';

/** What the popup needs to offer "Edit": the caller's role, the categories, and a map click. */
export interface PopupEditing {
  role: () => string;
  categories: () => Category[];
  /** One map click (WGS84), or null when cancelled. */
  pickPoint: () => Promise<[number, number] | null>;
  /** The edit form went away (saved, cancelled, reloaded): drop the picked-point marker. */
  endEdit: () => void;
}

export function problemDetails(problem: ProblemDetail, events: ProblemEvent[]): (Element | null)[] {
  const p = problem.properties;
  const open = OPEN_STATUSES.includes(p.status as Status);
  const cd = countdown(p.due_at, new Date(), undefined, open);
  return [
    h(
      'div',
      { class: 'problem-head' },
      h('strong', {}, `#${p.id} ${p.category_name}`),
      h('span', { class: `status status-${p.status}` }, statusLabel(p.status)),
    ),
    h(
      'div',
      { class: 'flags' },
      p.overdue ? h('span', { class: 'flag over' }, t('problem.overdue')) : null,
      p.escalated ? h('span', { class: 'flag esc' }, t('problem.escalated')) : null,
    ),
    h('p', { class: 'description' }, p.description || '–'),
    p.address ? h('p', { class: 'small' }, `${t('problem.address')}：${p.address}`) : null,
    h('p', { class: 'small' }, `${t('problem.reported')}：${formatDateTime(p.reported_at)}`),
    h(
      'p',
      { class: 'small' },
      `${t('problem.due')}：${formatDateTime(p.due_at)} `,
      h('span', { class: `countdown ${cd.state}`, 'data-countdown': '' }, cd.text),
    ),
    h('p', { class: 'small chain' }, `${t('problem.chain')}：${p.chain.map((c) => c.name).join(' / ')}`),
    p.photos.length
      ? h(
          'div',
          { class: 'photo-strip', 'data-photos': p.photos.length },
          ...p.photos.map((url, i) => photoLink(url, i)),
        )
      : null,
    h(
      'details',
      { class: 'history' },
      h('summary', {}, `${t('problem.history')} (${events.length})`),
      h(
        'ol',
        {},
        ...events.map((e) =>
          h(
            'li',
            { class: 'small' },
            `${formatDateTime(e.at)} ${actorLabel(e.actor, e.actor_name, e.actor_role)} ${actionLabel(e.action)}`,
            e.to_status ? ` → ${statusLabel(e.to_status)}` : '',
            e.note ? h('div', { class: 'muted' }, e.note) : null,
            e.photos.length
              ? h(
                  'div',
                  { class: 'photo-strip', 'data-event-photos': e.photos.length },
                  ...e.photos.map((u, i) => photoLink(u, i)),
                )
              : null,
            evidenceFlags(e.data),
          ),
        ),
      ),
    ),
  ];
}

/** Our own photos are behind the token: an <img> cannot send a header, so it rides in the query. */
function photoSrc(url: string, thumb: boolean): string {
  if (!url.startsWith('/api/photos/')) return url;
  const token = session.token();
  return `${url}${thumb ? '/thumb' : ''}${token ? `?access_token=${encodeURIComponent(token)}` : ''}`;
}

function photoLink(url: string, i: number): HTMLElement {
  return h(
    'a',
    { href: photoSrc(url, false), target: '_blank', rel: 'noopener noreferrer', class: 'photo-link' },
    url.startsWith('/api/photos/')
      ? h('img', {
          src: photoSrc(url, true),
          alt: t('problem.photo', { n: i + 1 }),
          class: 'photo-thumb',
          loading: 'lazy',
        })
      : t('problem.photo', { n: i + 1 }),
  );
}

/** The evidence check of after-photos, as written in the record's data. */
function evidenceFlags(data: unknown): HTMLElement | null {
  const ev = (data as { evidence?: Record<string, { flags: string[] }> } | null)?.evidence;
  if (!ev) return null;
  const flags = [...new Set(Object.values(ev).flatMap((e) => e.flags))];
  if (!flags.length) return null;
  return h(
    'div',
    { class: 'flags' },
    ...flags.map((f) => h('span', { class: 'flag over', 'data-evidence': f }, t(`photo.flag.${f}` as MessageKey))),
  );
}

/** Loads a problem with its history; null when it does not exist for this caller (404). */
export async function loadProblem(id: number): Promise<{ problem: ProblemDetail; events: ProblemEvent[] } | null> {
  try {
    const [problem, ev] = await Promise.all([api.problem(id), api.events(id)]);
    return { problem, events: ev.events };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null;
    throw err;
  }
}

/** The phone layout's breakpoint (styles.css), where the card is docked above the sheet. */
const PHONE = '(max-width: 768px)';

export class ProblemPopup {
  private popup: Popup | null = null;
  /** Id of the problem whose popup is open, or null. */
  shown: number | null = null;

  constructor(
    private readonly map: MapLibreMap,
    private readonly onChanged: (problem: ProblemDetail) => void,
    private readonly onSelect: (lngLat: [number, number] | null) => void,
    private readonly editing: PopupEditing | null = null,
  ) {}

  close(): void {
    this.popup?.remove();
    this.popup = null;
    this.shown = null;
    this.onSelect(null);
  }

  /** Opens the popup for a problem; shows nothing if the caller may not see it. */
  async open(id: number, at?: [number, number], notice?: string, center = false): Promise<boolean> {
    this.editing?.endEdit();
    let loaded: Awaited<ReturnType<typeof loadProblem>>;
    try {
      loaded = await loadProblem(id);
    } catch (err) {
      // No signal: keep the card that is open and say what happened (the action waits in the outbox).
      const content = this.popup?.getElement()?.querySelector('.problem-popup');
      if (content && notice) {
        content.querySelector('.actions')?.remove();
        content.prepend(h('p', { class: 'notice small', 'data-popup-notice': '' }, notice));
      }
      if (err instanceof ApiError) throw err;
      return false;
    }
    if (!loaded) {
      this.close();
      return false;
    }
    const { problem, events } = loaded;
    const coords = (problem.geometry as { coordinates?: [number, number] }).coordinates ?? at;
    if (!coords) return false;
    if (center) this.map.jumpTo({ center: coords, zoom: Math.max(this.map.getZoom(), 16) });
    const body = h('div', { class: 'problem-popup', 'data-problem-id': id });
    if (notice) body.append(h('p', { class: 'notice small' }, notice));
    const done = (updated: ProblemDetail | null, message?: string) => {
      if (updated) this.onChanged(updated);
      const moved = (updated?.geometry as { coordinates?: [number, number] } | undefined)?.coordinates;
      void this.open(id, moved ?? coords, message);
    };
    const editing = this.editing;
    body.append(
      ...problemDetails(problem, events).filter((e): e is Element => e !== null),
      actionButtons(problem, done),
    );
    if (editing && canEdit(editing.role(), problem.properties.status)) {
      body.append(
        editControl(problem, {
          categories: editing.categories(),
          onDone: done,
          onCancel: () => editing.endEdit(),
          // The click that picks the point also closes the popup (closeOnClick): show it again,
          // form and all, once the click has been handled.
          pickPoint: async () => {
            const picked = await editing.pickPoint();
            setTimeout(() => this.attach(id, coords, body), 0);
            return picked;
          },
        }),
      );
    }
    this.attach(id, coords, body);
    return true;
  }

  /**
   * On a phone the card is docked at the top (styles.css): pans the map so the point sits
   * halfway down the space between the card and the folded sheet when it is not in it. Elsewhere the card hangs from its
   * point: MapLibre picks the side again for the card's new size, and the map pans when the card
   * would still leave the map at the top (under the header) or the bottom.
   */
  private keepInView(popup: Popup, coords: [number, number]): void {
    if (this.popup !== popup) return;
    const margin = 8;
    const area = this.map.getContainer().getBoundingClientRect();
    if (matchMedia(PHONE).matches) {
      // Free: from the card's bottom to the folded sheet and its "在此上报" (about 110 px).
      const top = popup.getElement().getBoundingClientRect().bottom - area.top;
      const bottom = area.height - 110;
      const y = this.map.project(coords).y;
      if (y < top + 3 * margin || y > bottom) this.map.panBy([0, y - (top + bottom) / 2], { duration: 300 });
      return;
    }
    popup.setLngLat(coords);
    const card = popup.getElement().getBoundingClientRect();
    if (card.top < area.top + margin) this.map.panBy([0, card.top - area.top - margin], { duration: 300 });
    else if (card.bottom > area.bottom - margin)
      this.map.panBy([0, card.bottom - area.bottom + margin], { duration: 300 });
  }

  private attach(id: number, coords: [number, number], body: HTMLElement): void {
    this.popup?.remove();
    const popup = new Popup({
      maxWidth: 'min(360px, calc(100vw - 24px))',
      closeOnClick: true,
      className: 'problem-popup-wrap',
    })
      .setLngLat(coords)
      .setDOMContent(body)
      .addTo(this.map);
    popup.on('close', () => {
      if (this.popup === popup && this.shown === id) {
        this.shown = null;
        this.onSelect(null);
        const url = new URL(location.href);
        url.searchParams.delete('problem');
        history.replaceState(history.state, '', url);
      }
    });
    this.popup = popup;
    this.shown = id;
    this.onSelect(coords);
    // The card stays on the map, below the page header, also when it grows (its record opened).
    requestAnimationFrame(() => this.keepInView(popup, coords));
    body.addEventListener('toggle', () => this.keepInView(popup, coords), true);
    // The open problem is part of the address (?problem=<id>), so a link or a reload shows it again.
    const url = new URL(location.href);
    url.searchParams.set('problem', String(id));
    history.replaceState(history.state, '', url);
  }
}
