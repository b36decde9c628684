/**
 * Admin users: list, create, change role / scope / active / password. Scope is a set of region
 * codes, added by searching a name or code, or by picking a region on the map.
 */
import { describeError } from '../i18n/errors.js';
import { api, type AdminUser, type RegionSearchHit } from '../api.js';
import { h, render, select, showStatus } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import { ROLES } from '../../../domain/workflow.js';
import { renderSearch } from './search.js';

export interface UsersOptions {
  /** Opens the map in pick mode; resolves with the clicked region's code (or null). */
  pickOnMap: () => Promise<string | null>;
}

function scopeEditor(initial: string[], onChange: (codes: string[]) => void, opts: UsersOptions): HTMLElement {
  const codes = [...initial];
  const chips = h('div', { class: 'chips' });
  const draw = () => {
    render(
      chips,
      ...codes.map((c) =>
        h(
          'span',
          { class: 'chip' },
          c,
          h(
            'button',
            {
              class: 'link',
              title: '×',
              onclick: () => (codes.splice(codes.indexOf(c), 1), draw(), onChange([...codes])),
            },
            '×',
          ),
        ),
      ),
    );
  };
  const add = (code: string | null) => {
    if (code && !codes.includes(code)) {
      codes.push(code);
      draw();
      onChange([...codes]);
    }
  };
  draw();
  return h(
    'div',
    { class: 'scope-editor' },
    chips,
    renderSearch((hit: RegionSearchHit) => add(hit.code)),
    h('button', { class: 'link small', onclick: async () => add(await opts.pickOnMap()) }, t('users.pickOnMap')),
  );
}

const roleOptions = (): [string, string][] => ROLES.map((r) => [r, t(`role.${r}` as MessageKey)]);

export async function renderUsers(root: HTMLElement, opts: UsersOptions): Promise<void> {
  render(root, h('p', { class: 'muted' }, t('common.loading')));
  let users: AdminUser[];
  try {
    users = (await api.users()).users;
  } catch (err) {
    render(root, h('p', { class: 'error' }, describeError(err)));
    return;
  }
  const message = h('p', { class: 'small', role: 'status' });
  const rows = users.map((u) => {
    const patch: Record<string, unknown> = {};
    const name = h('input', { value: u.display_name });
    name.addEventListener('change', () => (patch.display_name = name.value));
    const dept = h('input', { value: u.department ?? '' });
    dept.addEventListener('change', () => (patch.department = dept.value || null));
    const active = h('input', { type: 'checkbox' });
    active.checked = u.active;
    active.addEventListener('change', () => (patch.active = active.checked));
    const password = h('input', { type: 'password', placeholder: '••••••••', autocomplete: 'new-password' });
    password.addEventListener('change', () =>
      password.value ? (patch.password = password.value) : delete patch.password,
    );
    return h(
      'tr',
      { 'data-user': u.username },
      h('td', {}, u.username, u.demo ? h('span', { class: 'muted small' }, ' demo') : null),
      h('td', {}, name),
      h(
        'td',
        {},
        select(roleOptions(), u.role, (v) => (patch.role = v)),
      ),
      h(
        'td',
        {},
        scopeEditor(u.scope, (codes) => (patch.scope = codes), opts),
      ),
      h('td', {}, dept),
      h('td', {}, active),
      h('td', {}, password),
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
                await api.patchUser(u.id, patch);
                showStatus(message, `${u.username}: ${t('common.saved')}`, 'good');
              } catch (err) {
                showStatus(message, describeError(err), 'error');
              }
            },
          },
          t('users.save'),
        ),
      ),
    );
  });

  const nu = {
    username: h('input', { name: 'username' }),
    display_name: h('input', { name: 'display_name' }),
    password: h('input', { type: 'password', name: 'password', autocomplete: 'new-password' }),
    department: h('input', { name: 'department' }),
  };
  let role = 'manager';
  let scope: string[] = [];
  const create = h(
    'section',
    { class: 'card' },
    h('h3', {}, t('users.create')),
    h(
      'div',
      { class: 'row wrap' },
      h('label', {}, t('users.username'), nu.username),
      h('label', {}, t('users.name'), nu.display_name),
      h(
        'label',
        {},
        t('users.role'),
        select(roleOptions(), role, (v) => (role = v)),
      ),
      h('label', {}, t('users.department'), nu.department),
      h('label', {}, t('users.password'), nu.password),
    ),
    h(
      'label',
      {},
      t('users.scope'),
      scopeEditor([], (c) => (scope = c), opts),
    ),
    h(
      'button',
      {
        class: 'primary',
        onclick: async () => {
          try {
            await api.createUser({
              username: nu.username.value.trim(),
              display_name: nu.display_name.value.trim(),
              role,
              scope,
              department: nu.department.value.trim() || null,
              password: nu.password.value,
            });
            await renderUsers(root, opts);
          } catch (err) {
            showStatus(message, describeError(err), 'error');
          }
        },
      },
      t('users.create'),
    ),
  );
  render(
    root,
    create,
    message,
    h(
      'table',
      { class: 'grid', id: 'users-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...(
            [
              'users.username',
              'users.name',
              'users.role',
              'users.scope',
              'users.department',
              'users.active',
              'users.password',
            ] as MessageKey[]
          ).map((k) => h('th', {}, t(k))),
          h('th', {}),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}
