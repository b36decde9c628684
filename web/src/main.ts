/**
 * The page: login, then the map (county view for leaders, own-area view for managers) or the
 * admin pages. Owns the view state (filters, level, measure, position), keeps it in the URL, and
 * tells the map what changed: a filter change refetches numbers and the tiles' query only.
 */
import './styles.css';
import {
  api,
  session,
  setUnauthorizedHandler,
  type Category,
  type Meta,
  type PublicUser,
  type RegionStats,
} from './api.js';
import { h, render } from './dom.js';
import { getLang, onLangChange, t } from './i18n/index.js';
import { CountyMap } from './map/county-map.js';
import {
  formatHash,
  formatSearch,
  filtersToParams,
  parseView,
  sameFilters,
  type Level,
  type ViewState,
} from './state/url.js';
import { renderLogin } from './panels/login.js';
import { renderHeader } from './panels/header.js';
import { renderFilters } from './panels/filters.js';
import { renderLegend } from './panels/legend.js';
import { renderSearch } from './panels/search.js';
import { showRegionPanel } from './panels/region-panel.js';
import { ProblemPopup } from './panels/problem-popup.js';
import { ManagerList } from './panels/manager-list.js';
import { renderAddProblem } from './panels/add-problem.js';
import { renderExports } from './panels/exports.js';
import { renderAdmin } from './panels/admin.js';
import { OPEN_STATUSES } from '../../domain/workflow.js';

const app = document.getElementById('app')!;

interface PageState {
  meta: Meta;
  user: PublicUser;
  categories: Category[];
  scopeFeatures: GeoJSON.Feature[] | null;
}

/** Read-only handle for the e2e tests (test/e2e): the map and what was applied to it. */
interface DebugHandle {
  map?: unknown;
  view?: () => ViewState;
  level?: () => Level;
  lastStats?: () => { level: Level; measure: string; rows: RegionStats[]; seq: number } | null;
  problemShown?: () => number | null;
  openProblem?: (id: number) => Promise<boolean>;
  statsLoading?: boolean;
  page?: string;
}
declare global {
  interface Window {
    __problemMap: DebugHandle;
  }
}
window.__problemMap = {};
document.documentElement.lang = getLang();

let teardown: (() => void) | null = null;

function logout(): void {
  void api.logout();
  session.clear();
  showLogin();
}

setUnauthorizedHandler(() => {
  session.clear();
  showLogin();
});

function showLogin(): void {
  teardown?.();
  teardown = null;
  window.__problemMap = { page: 'login' };
  // Where the user was going (a shared link, /admin): they land there after logging in.
  const next = location.pathname === '/login' ? '/' : location.pathname;
  if (location.pathname !== '/login') history.replaceState(null, '', `/login${location.search}${location.hash}`);
  renderLogin(app, () => {
    history.replaceState(null, '', `${next}${location.search}${location.hash}`);
    void start();
  });
}

async function start(): Promise<void> {
  teardown?.();
  teardown = null;
  render(app, h('p', { class: 'muted boot' }, t('common.loading')));
  const meta = await api.meta();
  if (!session.token()) return showLogin();
  let user: PublicUser;
  try {
    user = await api.me();
  } catch {
    return showLogin();
  }
  const [{ categories }, scopeFeatures] = await Promise.all([
    api.categories(),
    user.scope.length
      ? Promise.all(user.scope.map((code) => api.region(code).catch(() => null))).then((fs) =>
          fs.filter((f): f is NonNullable<typeof f> => f !== null),
        )
      : Promise.resolve(null),
  ]);
  const state: PageState = { meta, user, categories, scopeFeatures };
  if (location.pathname.startsWith('/admin') && user.role === 'admin') showAdmin(state);
  else showMap(state);
}

function header(state: PageState, page: 'map' | 'admin'): HTMLElement {
  return renderHeader({
    user: state.user,
    page,
    scopeNames: state.scopeFeatures?.map((f) => String(f.properties?.name ?? f.properties?.code)),
    onNavigate: (p) => {
      history.pushState(null, '', p === 'admin' ? '/admin' : '/');
      if (p === 'admin') showAdmin(state);
      else showMap(state);
    },
    onLogout: logout,
  });
}

function showAdmin(state: PageState): void {
  teardown?.();
  const root = h('div', { class: 'admin-page' });
  const draw = () => {
    render(app, header(state, 'admin'), root);
    renderAdmin(root, { pickOnMap: () => pickRegionOnMap(state), onCategories: (c) => (state.categories = c) });
  };
  draw();
  const off = onLangChange(draw);
  window.__problemMap = { page: 'admin' };
  teardown = () => off();
}

/** A modal map where one click on a region answers its code (admin: scope picking). */
function pickRegionOnMap(state: PageState): Promise<string | null> {
  return new Promise((resolve) => {
    const container = h('div', { class: 'pick-map' });
    const close = (code: string | null) => {
      picker.map.remove();
      modal.remove();
      resolve(code);
    };
    const modal = h(
      'div',
      { class: 'modal' },
      h(
        'div',
        { class: 'modal-box' },
        h(
          'div',
          { class: 'row' },
          h('strong', {}, t('users.pickOnMap')),
          h('button', { class: 'link', onclick: () => close(null) }, '×'),
        ),
        container,
      ),
    );
    document.body.append(modal);
    const picker = new CountyMap({
      container,
      meta: state.meta,
      position: null,
      levelChoice: 'auto',
      problemQuery: 'status=none',
      heat: false,
      onRegionClick: (code) => close(code),
      onProblemClick: () => {},
      onMove: () => {},
      onLevelChange: () => {},
    });
    void picker.loaded.then(() => picker.fitCounty());
  });
}

function showMap(state: PageState): void {
  teardown?.();
  const { user } = state;
  const isManager = user.role === 'manager' && (state.scopeFeatures?.length ?? 0) > 0;
  const canReport = user.role === 'manager' || user.role === 'inspector' || user.role === 'admin';
  let view = parseView(location.search, location.hash);
  if (isManager && view.level === 'auto') view.level = 'block';

  const mapEl = h('div', { id: 'map', class: 'map' });
  const aside = h('aside', { class: 'sidebar', id: 'sidebar' });
  const panel = h('aside', { class: 'panel', id: 'region-panel', hidden: true });
  const legendBox = h('div', { class: 'legend-box' });
  const status = h('div', { class: 'statusbar', id: 'statusbar' });
  const notice = h('div', { class: 'synthetic-notice' }, t('app.synthetic'));
  const toast = h('div', { class: 'toast', role: 'status', hidden: true });
  const main = h(
    'div',
    { class: 'map-page' },
    aside,
    h('div', { class: 'map-wrap' }, mapEl, legendBox, notice, status, toast),
    panel,
  );
  render(app, header(state, 'map'), main);

  const params = () => filtersToParams(view.filters);
  /**
   * The tiles' query: the filters, and open statuses when no status is chosen, because the heat
   * and the points show the work still to do (closed items would drown it after a few months).
   */
  const tileQuery = () => {
    const q = params();
    if (!q.has('status')) q.set('status', OPEN_STATUSES.join(','));
    return q.toString();
  };
  const showToast = (message: string) => {
    toast.textContent = message;
    toast.hidden = false;
    setTimeout(() => (toast.hidden = true), 5000);
  };
  let addMode = false;
  /** Set while the edit form waits for a map click (move a problem). */
  let pickPoint: ((lngLat: [number, number] | null) => void) | null = null;
  const onPickKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && pickPoint) finishPick(null);
  };
  function finishPick(lngLat: [number, number] | null): void {
    const resolve = pickPoint;
    pickPoint = null;
    countyMap.setDraft(lngLat);
    countyMap.map.getCanvas().style.cursor = '';
    document.removeEventListener('keydown', onPickKey);
    resolve?.(lngLat);
  }
  let selectedRegion: string | null = null;

  const countyMap = new CountyMap({
    container: mapEl,
    meta: state.meta,
    position: view.position,
    levelChoice: view.level,
    problemQuery: tileQuery(),
    heat: view.heat,
    onRegionClick: (code) => openRegion(code),
    onProblemClick: (id, at) => void popup.open(id, at),
    onMapClick: (lngLat) => {
      if (pickPoint) {
        finishPick(lngLat);
        return true;
      }
      if (!addMode) return false;
      countyMap.setDraft(lngLat);
      renderAddProblem(panel, {
        at: lngLat,
        categories: state.categories,
        onCreated: () => {
          countyMap.refreshProblems();
          statsCache.clear();
          void refreshStats();
          void list?.load(params());
        },
        onCancel: () => stopAdd(),
      });
      return true;
    },
    onMove: (position) => {
      view.position = position;
      writeUrl();
    },
    onLevelChange: () => void refreshStats(),
    onPointer: (ll) => (status.textContent = ll ? t('coords', { lon: ll[0].toFixed(5), lat: ll[1].toFixed(5) }) : ''),
  });
  const popup = new ProblemPopup(
    countyMap.map,
    () => {
      countyMap.refreshProblems();
      statsCache.clear();
      void refreshStats();
      void list?.load(params());
      if (selectedRegion) openRegion(selectedRegion);
    },
    (ll) => countyMap.selectProblem(ll),
    {
      role: () => user.role,
      categories: () => state.categories,
      endEdit: () => {
        if (pickPoint) finishPick(null);
        countyMap.setDraft(null);
      },
      pickPoint: () =>
        new Promise((resolve) => {
          if (pickPoint) finishPick(null);
          if (addMode) stopAdd();
          pickPoint = resolve;
          countyMap.map.getCanvas().style.cursor = 'crosshair';
          document.addEventListener('keydown', onPickKey);
        }),
    },
  );
  const list = isManager
    ? new ManagerList({
        filters: params(),
        onLocate: (id, at) => {
          countyMap.map.easeTo({ center: at, zoom: Math.max(countyMap.map.getZoom(), 15) });
          void popup.open(id, at);
        },
        onChanged: () => {
          countyMap.refreshProblems();
          statsCache.clear();
          void refreshStats();
        },
      })
    : null;

  function writeUrl(): void {
    const url = `${location.pathname}${formatSearch(view)}${formatHash(view.position)}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
  }

  // Numbers per (level, filters): a measure change or a zoom back re-applies without a request.
  const statsCache = new Map<string, Promise<RegionStats[]>>();
  let statsSeq = 0;
  async function refreshStats(): Promise<void> {
    const level = countyMap.level();
    const key = `${level}|${params()}`;
    let rows = statsCache.get(key);
    if (!rows) {
      rows = api.stats(level, params()).then((r) => r.regions);
      rows.catch(() => statsCache.delete(key));
      statsCache.set(key, rows);
    }
    const mine = ++statsSeq;
    window.__problemMap.statsLoading = true;
    try {
      const data = await rows;
      if (mine !== statsSeq) return;
      const applied = await countyMap.applyStats(level, data, view.measure);
      if (mine !== statsSeq) return;
      render(legendBox, renderLegend(view.measure, level, applied.classes));
    } catch (err) {
      showToast(t('common.error', { message: (err as Error).message }));
    } finally {
      if (mine === statsSeq) window.__problemMap.statsLoading = false;
    }
  }

  function openRegion(code: string): void {
    selectedRegion = code;
    countyMap.selectRegion(code);
    void showRegionPanel(panel, {
      code,
      filters: params(),
      measure: view.measure,
      onClose: () => {
        selectedRegion = null;
        panel.hidden = true;
        countyMap.selectRegion(null);
      },
      onPickRegion: (c) => openRegion(c),
      onOpenProblem: (id) => void popup.open(id),
    });
  }

  function applyView(patch: Partial<ViewState>): void {
    const before = view;
    view = { ...view, ...patch };
    writeUrl();
    if (patch.filters && !sameFilters(before.filters, view.filters)) {
      countyMap.setProblemQuery(tileQuery());
      void refreshStats();
      if (selectedRegion) openRegion(selectedRegion);
      void list?.load(params());
    }
    if (patch.level && patch.level !== before.level) countyMap.setLevelChoice(view.level);
    if (patch.measure && patch.measure !== before.measure) {
      void refreshStats();
      if (selectedRegion) openRegion(selectedRegion);
    }
    if (patch.heat !== undefined && patch.heat !== before.heat) countyMap.setHeat(view.heat);
    drawSidebar();
  }

  function stopAdd(): void {
    addMode = false;
    countyMap.setDraft(null);
    countyMap.map.getCanvas().style.cursor = '';
    panel.hidden = true;
    drawSidebar();
  }

  function drawSidebar(): void {
    const parts: (HTMLElement | null)[] = [];
    if (!isManager) {
      parts.push(
        renderSearch((hit) => {
          countyMap.fitBounds(hit.bbox);
          if (hit.level !== 'county') openRegion(hit.code);
        }),
      );
    }
    if (canReport) {
      parts.push(
        h(
          'div',
          { class: 'add-bar' },
          addMode
            ? [
                h('span', { class: 'notice small' }, t('manager.addHint')),
                h('button', { class: 'link', onclick: stopAdd }, t('manager.cancel')),
              ]
            : h(
                'button',
                {
                  class: 'primary',
                  id: 'add-problem-start',
                  onclick: () => {
                    addMode = true;
                    countyMap.map.getCanvas().style.cursor = 'crosshair';
                    drawSidebar();
                  },
                },
                t('manager.add'),
              ),
        ),
      );
    }
    if (list) parts.push(list.el);
    parts.push(renderFilters({ view, categories: state.categories, onChange: applyView }));
    parts.push(
      renderExports(
        params,
        () => countyMap.level(),
        (m) => showToast(t('common.error', { message: m })),
      ),
    );
    render(aside, ...parts);
  }

  drawSidebar();
  void list?.load(params());
  void countyMap.loaded.then(async () => {
    if (isManager) await countyMap.setActiveArea(state.scopeFeatures, !view.position);
    else if (!view.position) await countyMap.fitCounty();
    void refreshStats();
  });

  const offLang = onLangChange(() => {
    render(app, header(state, 'map'), main);
    notice.textContent = t('app.synthetic');
    drawSidebar();
    void refreshStats();
    if (selectedRegion) openRegion(selectedRegion);
    void list?.load(params());
  });

  window.__problemMap = {
    page: 'map',
    map: countyMap.map,
    view: () => view,
    level: () => countyMap.level(),
    lastStats: () => countyMap.lastApplied(),
    problemShown: () => popup.shown,
    openProblem: (id) => popup.open(id),
    statsLoading: true,
  };
  teardown = () => {
    if (pickPoint) finishPick(null);
    offLang();
    list?.destroy();
    countyMap.map.remove();
  };
}

window.addEventListener('popstate', () => void start());
void start();
