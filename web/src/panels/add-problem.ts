/**
 * "Report a problem": the user clicks the map, picks a category, writes a description and
 * optionally a photo URL; the answer shows the new id, possible duplicates nearby and whether it
 * recurs an earlier problem.
 */
import { api, ApiError, type Category, type CreatedProblem } from '../api.js';
import { h, render } from '../dom.js';
import { statusLabel, t } from '../i18n/index.js';

export interface AddProblemOptions {
  at: [number, number];
  categories: Category[];
  onCreated: (created: CreatedProblem) => void;
  onCancel: () => void;
}

export function renderAddProblem(root: HTMLElement, opts: AddProblemOptions): void {
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
  );
  const description = h('textarea', { name: 'description', rows: 3, required: true, maxlength: 2000 });
  const photo = h('input', { type: 'url', name: 'photo', placeholder: 'https://…' });
  const result = h('div', { class: 'add-result', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('add.submit'));
  const form = h(
    'form',
    { class: 'add-problem', id: 'add-problem' },
    h('h2', {}, t('add.title')),
    h('p', { class: 'muted small' }, t('coords', { lon: opts.at[0].toFixed(6), lat: opts.at[1].toFixed(6) })),
    h('label', {}, t('add.category'), category),
    h('label', {}, t('add.description'), description),
    h('label', {}, t('add.photo'), photo),
    h(
      'div',
      { class: 'row' },
      submit,
      h('button', { type: 'button', class: 'link', onclick: opts.onCancel }, t('manager.cancel')),
    ),
    result,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const created = await api.createProblem({
        category: category.value,
        description: description.value.trim(),
        lon: opts.at[0],
        lat: opts.at[1],
        photos: photo.value.trim() ? [photo.value.trim()] : [],
      });
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
    } catch (err) {
      submit.disabled = false;
      const details = err instanceof ApiError && err.details ? ` ${JSON.stringify(err.details)}` : '';
      render(result, h('p', { class: 'error' }, t('common.error', { message: `${(err as Error).message}${details}` })));
    }
  });
  render(root, form);
  root.hidden = false;
}
