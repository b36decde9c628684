/** The login page: username + password → token (sessionStorage, or localStorage when remembered). */
import { describeError } from '../i18n/errors.js';
import { api, session, ApiError, type PublicUser } from '../api.js';
import { h, render } from '../dom.js';
import { t } from '../i18n/index.js';

export function renderLogin(root: HTMLElement, onLoggedIn: (user: PublicUser) => void): void {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const remember = h('input', { type: 'checkbox', name: 'remember' });
  const message = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', id: 'login-form' },
    h('h1', {}, t('app.title')),
    h('p', { class: 'muted' }, t('app.subtitle')),
    h('label', {}, t('login.username'), username),
    h('label', {}, t('login.password'), password),
    h('label', { class: 'inline' }, remember, t('login.remember')),
    button,
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    message.textContent = '';
    try {
      const res = await api.login(username.value.trim(), password.value);
      session.save(res.token, res.user, remember.checked);
      onLoggedIn(res.user);
    } catch (err) {
      message.textContent =
        err instanceof ApiError && (err.status === 401 || err.status === 400) ? t('login.failed') : describeError(err);
    } finally {
      button.disabled = false;
    }
  });
  render(root, h('div', { class: 'login-page' }, form));
  username.focus();
}
