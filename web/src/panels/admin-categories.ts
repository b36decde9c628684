/** Admin categories: deadline value, clock type, department and active flag (PATCH /api/categories/:code). */
import { describeError } from '../i18n/errors.js';
import { api, type Category } from '../api.js';
import { h, render, select, showStatus } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';

const CLOCKS = ['continuous_hours', 'working_hours', 'working_days', 'natural_days'] as const;

export async function renderCategories(root: HTMLElement, onChanged: (c: Category[]) => void): Promise<void> {
  render(root, h('p', { class: 'muted' }, t('common.loading')));
  const { categories } = await api.categories();
  const message = h('p', { class: 'small', role: 'status' });
  const rows = categories.map((c) => {
    const patch: Record<string, unknown> = {};
    const limit = h('input', {
      type: 'number',
      min: 0.5,
      step: 0.5,
      value: String(c.limit_value),
      style: { width: '5em' },
    });
    limit.addEventListener('change', () => (patch.limit_value = Number(limit.value)));
    const dept = h('input', { value: c.department });
    dept.addEventListener('change', () => (patch.department = dept.value));
    const active = h('input', { type: 'checkbox' });
    active.checked = c.active;
    active.addEventListener('change', () => (patch.active = active.checked));
    return h(
      'tr',
      { 'data-code': c.code },
      h('td', {}, c.code),
      h('td', {}, c.name, c.local ? h('span', { class: 'muted small' }, ' local') : null),
      h('td', {}, `${c.group_code} ${c.group_name}`),
      h('td', {}, dept),
      h('td', {}, limit),
      h(
        'td',
        {},
        select(
          CLOCKS.map((k) => [k, t(`clock.${k}` as MessageKey)]),
          c.clock,
          (v) => (patch.clock = v),
        ),
      ),
      h('td', {}, active),
      h(
        'td',
        {},
        h(
          'button',
          {
            class: 'small',
            onclick: async () => {
              if (!Object.keys(patch).length) return;
              try {
                const updated = await api.patchCategory(c.code, patch);
                Object.assign(c, updated);
                showStatus(message, `${c.code} ${c.name}: ${t('common.saved')}`, 'good');
                onChanged(categories);
              } catch (err) {
                showStatus(message, describeError(err), 'error');
              }
            },
          },
          t('common.save'),
        ),
      ),
    );
  });
  render(
    root,
    message,
    h(
      'table',
      { class: 'grid', id: 'categories-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...(
            [
              'cat.code',
              'cat.name',
              'cat.group',
              'cat.department',
              'cat.limit',
              'cat.clock',
              'cat.active',
            ] as MessageKey[]
          ).map((k) => h('th', {}, t(k))),
          h('th', {}),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}
