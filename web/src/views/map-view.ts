/**
 * The map page: county view for leaders, own-area view for managers. Owns the view state
 * (filters, level, measure, position), keeps it in the URL, and tells the map what changed: a
 * filter change refetches numbers and the tiles' query only.
 */
import { Marker } from 'maplibre-gl';
import { h, render } from '../dom.js';
import { devicePosition } from '../panels/photo-input.js';
import { WorkQueue } from '../panels/work-queue.js';
import { onLangChange, t } from '../i18n/index.js';
import { CountyMap } from '../map/county-map.js';
import { renderAddProblem } from '../panels/add-problem.js';
import { ManagerList } from '../panels/manager-list.js';
import { AssessmentPanel } from '../panels/assessment.js';
import { canReport } from '../panels/problem-edit.js';
import { ProblemPopup } from '../panels/problem-popup.js';
import { showRegionPanel } from '../panels/region-panel.js';
import { filtersToParams, parseView, sameFilters, type ViewState } from '../state/url.js';
import { tileQuery, writeUrl } from '../state/url-sync.js';
import { MapClickModes } from './map-clicks.js';
import { mapLayout } from './map-layout.js';
import { sidebarParts } from './map-sidebar.js';
import { MapStats } from './map-stats.js';
import { app, pageHeader, replaceView, type Nav, type PageState } from './shell.js';

export function showMap(state: PageState, nav: Nav): void {
  replaceView();
  const { user } = state;
  const isManager = user.role === 'manager' && (state.scopeFeatures?.length ?? 0) > 0;
  let view = parseView(location.search, location.hash);
  // Read before the map writes its position into the address.
  const openAtStart = Number(new URLSearchParams(location.search).get('problem'));
  const regionAtStart = new URLSearchParams(location.search).get('region');
  const positionAtStart = view.position;
  if (isManager && view.level === 'auto') view.level = 'block';

  const layout = mapLayout();
  const { mapEl, panel } = layout;
  render(app, pageHeader(state, 'map', nav), layout.root);

  const params = () => filtersToParams(view.filters);
  let selectedRegion: string | null = null;

  const countyMap: CountyMap = new CountyMap({
    container: mapEl,
    meta: state.meta,
    position: view.position,
    levelChoice: view.level,
    problemQuery: tileQuery(view.filters),
    heat: view.heat,
    onRegionClick: (code) => openRegion(code),
    onProblemClick: (id, at) => void popup.open(id, at),
    onMapClick: (lngLat): boolean => clicks.click(lngLat, placeNewProblem),
    onMove: (position) => {
      view.position = position;
      writeUrl(view);
    },
    onLevelChange: () => void stats.refresh(),
    onPointer: (ll) =>
      (layout.status.textContent = ll ? t('coords', { lon: ll[0].toFixed(5), lat: ll[1].toFixed(5) }) : ''),
  });
  const clicks: MapClickModes = new MapClickModes(countyMap, () => {
    panel.hidden = true;
    drawSidebar();
  });
  const stats = new MapStats({
    countyMap,
    mapEl,
    legendBox: layout.legendBox,
    params,
    measure: () => view.measure,
    onError: layout.showToast,
  });
  /** After a problem was created or changed: its points, numbers and the manager's list. */
  const problemsChanged = () => {
    countyMap.refreshProblems();
    stats.clear();
    void stats.refresh();
    void list?.load(params());
    void queue?.load();
  };
  const popup = new ProblemPopup(
    countyMap.map,
    () => {
      problemsChanged();
      if (selectedRegion) openRegion(selectedRegion);
    },
    (ll) => {
      countyMap.selectProblem(ll);
      // On a phone the card needs the screen: fold the bottom sheet away.
      if (ll && matchMedia('(max-width: 768px)').matches) document.getElementById('sheet')?.classList.add('collapsed');
    },
    {
      role: () => user.role,
      categories: () => state.categories,
      endEdit: () => {
        clicks.cancelPick();
        countyMap.setDraft(null);
      },
      pickPoint: () => clicks.pick(),
    },
  );
  const queue =
    user.role === 'inspector' || user.role === 'manager' || user.role === 'department'
      ? new WorkQueue({
          kind: user.role === 'inspector' ? 'recheck' : 'todo',
          onOpen: (id, at) => {
            countyMap.map.easeTo({ center: at, zoom: Math.max(countyMap.map.getZoom(), 15) });
            void popup.open(id, at);
          },
          onChanged: () => problemsChanged(),
        })
      : null;
  const list = isManager
    ? new ManagerList({
        filters: params(),
        onLocate: (id, at) => {
          countyMap.map.easeTo({ center: at, zoom: Math.max(countyMap.map.getZoom(), 15) });
          void popup.open(id, at);
        },
        onChanged: () => {
          countyMap.refreshProblems();
          stats.clear();
          void stats.refresh();
        },
      })
    : null;

  const assessment = new AssessmentPanel({
    role: user.role,
    onLocate: (at) => countyMap.map.easeTo({ center: at, zoom: Math.max(countyMap.map.getZoom(), 16) }),
    onInspected: () => {
      countyMap.refreshAssessmentPoints();
      problemsChanged();
    },
    onError: layout.showToast,
  });

  let pin: Marker | null = null;
  const dropPin = () => {
    pin?.remove();
    pin = null;
  };
  function placeNewProblem(lngLat: [number, number]): void {
    dropPin();
    const form = renderAddProblem(panel, {
      at: lngLat,
      categories: state.categories,
      onCreated: problemsChanged,
      onCancel: () => {
        dropPin();
        clicks.stopAdd();
        panel.hidden = true;
      },
    });
    // A pin to drag when the tap or the device position is not quite right.
    pin = new Marker({ draggable: true, color: '#d35400' }).setLngLat(lngLat).addTo(countyMap.map);
    pin.getElement().dataset.pin = 'draft';
    pin.on('dragend', () => {
      const ll = pin!.getLngLat();
      countyMap.setDraft([ll.lng, ll.lat]);
      form.setAt([ll.lng, ll.lat]);
    });
    document.body.classList.add('sheet-open');
  }

  /** One thumb: report at the device position when allowed, else at the map centre, then drag the pin. */
  async function reportHere(): Promise<void> {
    const here = await devicePosition(4000);
    const c = countyMap.map.getCenter();
    const at: [number, number] = here ? [here.lon, here.lat] : [c.lng, c.lat];
    if (here) countyMap.map.easeTo({ center: at, zoom: Math.max(countyMap.map.getZoom(), 16) });
    countyMap.setDraft(at);
    placeNewProblem(at);
  }
  if (canReport(user.role)) {
    layout.mapEl.parentElement!.append(
      h('button', { class: 'fab primary', id: 'report-here', onclick: () => void reportHere() }, t('add.here')),
    );
  }

  /** The selected region is part of the address (?region=<code>), like the open problem. */
  function regionInUrl(code: string | null): void {
    const url = new URL(location.href);
    if (code) url.searchParams.set('region', code);
    else url.searchParams.delete('region');
    history.replaceState(history.state, '', url);
  }

  function openRegion(code: string): void {
    selectedRegion = code;
    regionInUrl(code);
    countyMap.selectRegion(code);
    void showRegionPanel(panel, {
      code,
      filters: params(),
      measure: view.measure,
      onClose: () => {
        selectedRegion = null;
        regionInUrl(null);
        panel.hidden = true;
        countyMap.selectRegion(null);
      },
      // A region picked in the panel's ranking: open it and zoom the map to it.
      onPickRegion: (c) => {
        openRegion(c);
        void countyMap.fitRegion(c);
      },
      onOpenProblem: (id) => void popup.open(id),
    });
  }

  function applyView(patch: Partial<ViewState>): void {
    const before = view;
    view = { ...view, ...patch };
    writeUrl(view);
    if (patch.filters && !sameFilters(before.filters, view.filters)) {
      countyMap.setProblemQuery(tileQuery(view.filters));
      void stats.refresh();
      if (selectedRegion) openRegion(selectedRegion);
      void list?.load(params());
    }
    if (patch.level && patch.level !== before.level) countyMap.setLevelChoice(view.level);
    if (patch.measure && patch.measure !== before.measure) {
      void stats.refresh();
      if (selectedRegion) openRegion(selectedRegion);
    }
    if (patch.heat !== undefined && patch.heat !== before.heat) countyMap.setHeat(view.heat);
    drawSidebar();
  }

  function drawSidebar(): void {
    render(
      layout.aside,
      ...sidebarParts({
        view,
        categories: state.categories,
        showSearch: !isManager,
        canReport: canReport(user.role),
        adding: clicks.adding,
        list: list?.el ?? null,
        assessment: assessment.el,
        queue: queue?.el ?? null,
        onSearchHit: (hit) => {
          countyMap.fitBounds(hit.bbox);
          if (hit.level !== 'county') openRegion(hit.code);
        },
        onStartAdd: () => {
          clicks.startAdd();
          drawSidebar();
        },
        onStopAdd: () => clicks.stopAdd(),
        onViewChange: applyView,
        // Exports follow the selected region as well as the filters.
        params: () => {
          const q = params();
          if (selectedRegion && !q.has('region')) q.set('region', selectedRegion);
          return q;
        },
        level: () => countyMap.level(),
        onError: layout.showToast,
        rankings: {
          panel,
          // Selected on the map and in the address; the rankings keep the panel (not the region's).
          onPick: (c) => {
            regionInUrl(c);
            countyMap.selectRegion(c);
            void countyMap.fitRegion(c, matchMedia('(max-width: 768px)').matches ? panel.offsetHeight : 0);
          },
        },
      }),
    );
  }

  drawSidebar();
  void list?.load(params());
  void assessment.load();
  void queue?.load();
  void countyMap.loaded.then(async () => {
    if (isManager) await countyMap.setActiveArea(state.scopeFeatures, !view.position);
    else if (!view.position) await countyMap.fitCounty();
    void stats.refresh();
    if (regionAtStart && /^\d{6,15}$/.test(regionAtStart)) {
      openRegion(regionAtStart);
      // A link to a region without a map position opens on that region.
      if (!positionAtStart) void countyMap.fitRegion(regionAtStart);
    }
    if (Number.isInteger(openAtStart) && openAtStart > 0) void popup.open(openAtStart, undefined, undefined, true);
  });

  const offLang = onLangChange(() => {
    render(app, pageHeader(state, 'map', nav), layout.root);
    layout.notice.textContent = t('app.synthetic');
    drawSidebar();
    void stats.refresh();
    if (selectedRegion) openRegion(selectedRegion);
    void list?.load(params());
    void assessment.load();
    void queue?.load();
  });

  exposeMapForTests(countyMap);
  replaceView(() => {
    clicks.cancelPick();
    dropPin();
    offLang();
    list?.destroy();
    countyMap.map.remove();
  });
}

/**
 * The browser tests' one view into the canvas (feature state, rendered labels, pixel positions),
 * which no DOM shows. Only in the e2e build (`vite build --mode e2e`, dist/web-e2e): in the
 * production build `import.meta.env.MODE` is 'production' and this body is removed.
 */
function exposeMapForTests(countyMap: CountyMap): void {
  if (import.meta.env.MODE === 'e2e') (window as unknown as { __e2eMap: unknown }).__e2eMap = countyMap.map;
}
