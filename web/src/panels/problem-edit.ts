/**
 * "编辑 / Edit" in the problem popup: correct the description, address, category, severity, add a
 * photo link, or move the point (click the map). Sends only what changed, with the version the
 * user saw, so a concurrent change is a 409 the user is told about, never a silent overwrite.
 * Errors are shown in the page's language from the error code, not the server's English text.
 */
import { describeError } from '../i18n/errors.js';
import { api, ApiError, type Category, type EditBody, type ProblemDetail } from '../api.js';
import { h, render } from '../dom.js';
import { getLang, t, type Lang, type MessageKey } from '../i18n/index.js';
import { OPEN_STATUSES, REPORT_ROLES, type Role, type Status } from '../../../domain/workflow.js';

export type { EditBody };

/**
 * Whether to offer "Edit": a role the server lets report and edit (PATCH /api/problems/:id; a
 * leader only looks), on a problem still open (closed/voided ones are the record).
 */
export function canEdit(role: string, status: string): boolean {
  return REPORT_ROLES.includes(role as Role) && OPEN_STATUSES.includes(status as Status);
}

/** Whether to offer "Report a problem" (POST /api/problems): the same roles the server allows. */
export function canReport(role: string): boolean {
  return REPORT_ROLES.includes(role as Role);
}

/** What the edit form holds (strings as typed; `move` in WGS84 degrees when a new point was picked). */
export interface EditValues {
  description: string;
  address: string;
  category: string;
  severity: number;
  photo: string;
  note: string;
  move: [number, number] | null;
}

/**
 * The PATCH body: only the fields that differ from the problem as shown, plus its version; null
 * when nothing changed (the form says so instead of writing an empty edit event). A cleared
 * address is sent as null; a photo link is added to the existing ones.
 */
export function editBody(p: ProblemDetail['properties'], v: EditValues): EditBody | null {
  const body: EditBody = { version: p.version };
  const description = v.description.trim();
  if (description !== (p.description ?? '')) body.description = description;
  const address = v.address.trim();
  if (address !== (p.address ?? '')) body.address = address || null;
  if (v.category && v.category !== p.category_code) body.category = v.category;
  if (v.severity !== p.severity) body.severity = v.severity;
  const photo = v.photo.trim();
  if (photo && !p.photos.includes(photo)) body.photos = [...p.photos, photo];
  if (v.move) {
    // The map's click point is WGS84 (the basemap is drawn in WGS84/CGCS2000).
    body.lon = v.move[0];
    body.lat = v.move[1];
    body.crs = 'wgs84';
  }
  if (Object.keys(body).length === 1) return null;
  const note = v.note.trim();
  if (note) body.note = note;
  return body;
}

const KNOWN_ERRORS = new Set([
  'VERSION_CONFLICT',
  'CONFLICT',
  'FORBIDDEN',
  'NOT_FOUND',
  'OUTSIDE_COVERAGE',
  'UNKNOWN_CATEGORY',
  'VALIDATION_FAILED',
  'UNPROCESSABLE',
]);

/**
 * The message for a refused edit, from the status and code. FORBIDDEN has two causes the server
 * tells apart only in its English message (a move out of the caller's area, a category of another
 * department), so the message picks the sentence; anything unknown keeps the code and message.
 */
export function editErrorMessage(
  err: { status: number; code: string; message: string },
  lang: Lang = getLang(),
): string {
  if (err.code === 'FORBIDDEN') {
    if (/department/i.test(err.message)) return t('edit.err.department', {}, lang);
    if (/area|scope|outside/i.test(err.message)) return t('edit.err.area', {}, lang);
    return t('edit.err.FORBIDDEN', {}, lang);
  }
  if (KNOWN_ERRORS.has(err.code)) return t(`edit.err.${err.code}` as MessageKey, {}, lang);
  return t('common.error', { message: `${err.code} ${err.message}` }, lang);
}

export interface EditFormOptions {
  categories: Category[];
  /** Asks the page for one map click; resolves with the point, or null if cancelled. */
  pickPoint: () => Promise<[number, number] | null>;
  /** Saved: the updated problem. Conflict: null, with the message to show after reloading. */
  onDone: (updated: ProblemDetail | null, message?: string) => void;
  onCancel: () => void;
}

/** The "Edit" button and, once pressed, its form. */
export function editControl(problem: ProblemDetail, opts: EditFormOptions): HTMLElement {
  const box = h('div', { class: 'edit-box' });
  const open = h(
    'button',
    { class: 'action', 'data-edit': problem.properties.id, onclick: () => showForm() },
    t('edit.button'),
  );
  box.append(open);

  function showForm(): void {
    const p = problem.properties;
    const description = h('textarea', { name: 'description', rows: 3, maxlength: 4000 });
    description.value = p.description ?? '';
    const address = h('input', { type: 'text', name: 'address', maxlength: 500 });
    address.value = p.address ?? '';
    const groups = new Map<string, Category[]>();
    for (const c of opts.categories.filter((c) => c.active || c.code === p.category_code)) {
      const key = `${c.group_code} ${c.group_name}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(c);
    }
    const category = h(
      'select',
      { name: 'category' },
      ...[...groups].map(([g, cs]) =>
        h('optgroup', { label: g }, ...cs.map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`))),
      ),
    );
    category.value = p.category_code;
    const severity = h('select', { name: 'severity' }, ...[1, 2, 3].map((n) => h('option', { value: n }, String(n))));
    severity.value = String(p.severity);
    const photo = h('input', { type: 'url', name: 'photo', placeholder: 'https://…' });
    const note = h('input', { type: 'text', name: 'note', maxlength: 2000 });
    let move: [number, number] | null = null;
    const moveText = h('span', { class: 'small muted', 'data-move': '' });
    const moveButton = h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: async () => {
          moveText.textContent = t('edit.moveHint');
          const picked = await opts.pickPoint();
          if (picked) move = picked;
          moveText.textContent = move ? t('edit.moveTo', { lon: move[0].toFixed(6), lat: move[1].toFixed(6) }) : '';
        },
      },
      t('edit.move'),
    );
    const message = h('p', { class: 'error small', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'primary' }, t('common.save'));
    const form = h(
      'form',
      { class: 'edit-form', 'data-edit-form': p.id },
      h('strong', {}, t('edit.title', { version: p.version })),
      h('label', {}, t('problem.description'), description),
      h('label', {}, t('problem.address'), address),
      h('label', {}, t('problem.category'), category),
      h('label', {}, t('edit.severity'), severity),
      h('label', {}, t('edit.photo'), photo),
      h('label', {}, t('problem.note'), note),
      h('div', { class: 'row' }, moveButton, moveText),
      h(
        'div',
        { class: 'row' },
        save,
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              render(box, open);
              opts.onCancel();
            },
          },
          t('manager.cancel'),
        ),
      ),
      message,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      message.textContent = '';
      const body = editBody(p, {
        description: description.value,
        address: address.value,
        category: category.value,
        severity: Number(severity.value),
        photo: photo.value,
        note: note.value,
        move,
      });
      if (!body) {
        message.textContent = t('edit.nothing');
        return;
      }
      save.disabled = true;
      try {
        opts.onDone(await api.editProblem(p.id, body), t('edit.saved'));
      } catch (err) {
        save.disabled = false;
        if (err instanceof ApiError && err.code === 'VERSION_CONFLICT') {
          opts.onDone(null, editErrorMessage(err));
        } else if (err instanceof ApiError) {
          message.textContent = editErrorMessage(err);
        } else {
          message.textContent = describeError(err);
        }
        // The popup scrolls; the message is under the form's last field.
        message.scrollIntoView?.({ block: 'nearest' });
      }
    });
    render(box, form);
  }
  return box;
}
