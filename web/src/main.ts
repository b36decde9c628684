/**
 * The page's entry: login, then the map (views/map-view.ts) or the admin pages
 * (views/admin-view.ts); a 401 anywhere or a logout returns to the login form.
 */
import './styles.css';
import { api, session, setUnauthorizedHandler } from './api.js';
import { h, render } from './dom.js';
import { getLang, t } from './i18n/index.js';
import { showAdmin } from './views/admin-view.js';
import { showCampaigns } from './views/campaigns-view.js';
import { showMap } from './views/map-view.js';
import { loadPageState, showLogin } from './views/session.js';
import { app, replaceView, type Nav } from './views/shell.js';
import { startOutbox } from './offline/outbox.js';
import { mountOutboxBadge } from './panels/outbox-badge.js';
import { registerServiceWorkerWhenIdle } from './offline/sw-register.js';

document.documentElement.lang = getLang();
// What waits to be sent survives closing the app: shown and sent again from the first screen on.
mountOutboxBadge(document.body);
startOutbox();
// The service worker registers after the first view is drawn (offline/sw-register.ts): the map
// page once its map is, the other pages here.

const nav: Nav = {
  showMap: (state) => showMap(state, nav),
  showAdmin: (state) => showAdmin(state, nav),
  showCampaigns: (state) => showCampaigns(state, nav),
  logout: () => {
    void api.logout();
    session.clear();
    login();
  },
};

function login(): void {
  showLogin(() => void start());
}

setUnauthorizedHandler(() => {
  session.clear();
  login();
});

async function start(): Promise<void> {
  replaceView();
  render(app, h('p', { class: 'muted boot' }, t('common.loading')));
  const state = await loadPageState();
  if (!state) return login();
  if (location.pathname.startsWith('/admin') && state.user.role === 'admin') nav.showAdmin(state);
  else if (location.pathname.startsWith('/campaigns')) nav.showCampaigns(state);
  else return nav.showMap(state);
  registerServiceWorkerWhenIdle();
}

window.addEventListener('popstate', () => void start());
void start();
