/**
 * "Report a problem": at the point the user tapped, at the device position, or where they drag
 * the pin; a category, a description and photos from the camera. Sent through the outbox, so
 * without signal the report waits on the phone ("N 条待上传") and goes out when the connection
 * returns, with its idempotency key (never twice).
 */
import { type Category, type CreatedProblem } from '../api.js';
import { h, render } from '../dom.js';
import { errorText } from '../i18n/errors.js';
import { statusLabel, t } from '../i18n/index.js';
import { submit } from '../offline/outbox.js';
import { devicePosition, photoInput } from './photo-input.js';

export interface AddProblemOptions {
  at: [number, number];
  categories: Category[];
  onCreated: (created: CreatedProblem | null) => void;
  onCancel: () => void;
}

export interface AddProblemForm {
  /** The pin moved (dragged or tapped again). */
  setAt(at: [number, number]): void;
}

export function renderAddProblem(root: HTMLElement, opts: AddProblemOptions): AddProblemForm {
  let at = opts.at;
  const groups = new Map<string, Category[]>();
  for (const c of opts.categories.filter((c) => c.active)) {
    const key = `${c.group_code} ${c.group_name}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(c);
  }
  const category = h(
    'select',
    { name: 'category_code', required: true },
    ...[...groups].map(([g, cs]) =>
      h('optgroup', { label: g }, ...cs.map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`))),
    ),
  ) as HTMLSelectElement;
  const description = h('textarea', {
    name: 'description',
    rows: 3,
    required: true,
    maxlength: 2000,
  }) as HTMLTextAreaElement;
  const photos = photoInput('photos');
  const result = h('div', { class: 'add-result', role: 'status' });
  const submitButton = h('button', { type: 'submit', class: 'primary' }, t('add.submit')) as HTMLButtonElement;
  const where = h('p', { class: 'muted small', 'data-at': '' });
  const showAt = () => (where.textContent = t('coords', { lon: at[0].toFixed(6), lat: at[1].toFixed(6) }));
  showAt();
  const form = h(
    'form',
    { class: 'add-problem', id: 'add-problem' },
    h('h2', {}, t('add.title')),
    where,
    h('p', { class: 'muted small' }, t('add.dragHint')),
    h('label', {}, t('add.category'), category),
    h('label', {}, t('add.description'), description),
    photos.el,
    h(
      'div',
      { class: 'row' },
      submitButton,
      h('button', { type: 'button', class: 'link', onclick: opts.onCancel }, t('manager.cancel')),
    ),
    result,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submitButton.disabled = true;
    const position = await devicePosition(1500);
    const outcome = await submit({
      type: 'create',
      body: { category: category.value, description: description.value.trim(), lon: at[0], lat: at[1] },
      photos: photos.files().map((blob) => ({ blob, kind: 'report' as const, position })),
    });
    if (outcome.state === 'sent') {
      const created = outcome.result as CreatedProblem;
      render(
        result,
        h('p', { class: 'good', 'data-created': created.id }, t('add.created', { id: created.id })),
        created.recurrence_of ? h('p', { class: 'notice' }, t('add.recurrence', { id: created.recurrence_of })) : null,
        created.possible_duplicates?.length
          ? h(
              'div',
              { class: 'notice' },
              t('add.duplicates'),
              h(
                'ul',
                {},
                ...created.possible_duplicates.map((d) =>
                  h('li', {}, `#${d.id} ${statusLabel(d.status)} ${Math.round(d.distance_m)} m`),
                ),
              ),
            )
          : null,
      );
      opts.onCreated(created);
    } else if (outcome.state === 'queued') {
      render(result, h('p', { class: 'notice', 'data-queued': '' }, t('outbox.savedOffline')));
      opts.onCreated(null);
    } else {
      submitButton.disabled = false;
      render(result, h('p', { class: 'error' }, errorText(outcome.error)));
    }
  });
  render(root, form);
  root.hidden = false;
  return {
    setAt(next) {
      at = next;
      showAt();
    },
  };
}
