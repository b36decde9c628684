/**
 * The map page: county view for leaders, own-area view for managers. Owns the view state
 * (filters, level, measure, position), keeps it in the URL, and tells the map what changed: a
 * filter change refetches numbers and the tiles' query only.
 */
import { render } from '../dom.js';
import { onLangChange, t } from '../i18n/index.js';
import { CountyMap } from '../map/county-map.js';
import { canReport } from '../panels/problem-edit.js';
import { ProblemPopup } from '../panels/problem-popup.js';
import { filtersToParams, parseView, sameFilters, type ViewState } from '../state/url.js';
import { tileQuery, writeUrl } from '../state/url-sync.js';
import { MapClickModes } from './map-clicks.js';
import { mapLayout } from './map-layout.js';
import { rolePanels, type RolePanels } from './map-panels.js';
import { RegionSelection } from './map-region.js';
import { DraftReport } from './map-report.js';
import { sidebarParts } from './map-sidebar.js';
import { MapStats } from './map-stats.js';
import { registerServiceWorker } from '../offline/sw-register.js';
import { app, pageHeader, replaceView, type Nav, type PageState } from './shell.js';

/** What the address asks for at start: the view, and a problem or region to open once the map is there. */
function startOf(state: PageState) {
  const isManager = state.user.role === 'manager' && (state.scopeFeatures?.length ?? 0) > 0;
  const view = parseView(location.search, location.hash);
  // Read before the map writes its position into the address.
  const search = new URLSearchParams(location.search);
  if (isManager && view.level === 'auto') view.level = 'block';
  return {
    isManager,
    view,
    position: view.position,
    openProblem: Number(search.get('problem')),
    openRegion: search.get('region'),
  };
}

export function showMap(state: PageState, nav: Nav): void {
  replaceView();
  const page = new MapPage(state, nav);
  page.start();
  replaceView(() => page.destroy());
}

/** The map page's parts and the steps that tie them together. */
class MapPage {
  private readonly start0: ReturnType<typeof startOf>;
  private view: ViewState;
  private readonly layout = mapLayout();
  private readonly countyMap: CountyMap;
  private readonly clicks: MapClickModes;
  private readonly stats: MapStats;
  private readonly popup: ProblemPopup;
  private readonly region: RegionSelection;
  private readonly report: DraftReport;
  private readonly panels: RolePanels;
  private offLang: () => void = () => undefined;

  constructor(
    private readonly state: PageState,
    private readonly nav: Nav,
  ) {
    this.start0 = startOf(state);
    this.view = this.start0.view;
    render(app, pageHeader(state, 'map', nav), this.layout.root);
    this.countyMap = this.createMap();
    this.clicks = new MapClickModes(this.countyMap, () => {
      this.layout.panel.hidden = true;
      this.drawSidebar();
    });
    this.stats = new MapStats({
      countyMap: this.countyMap,
      mapEl: this.layout.mapEl,
      legendBox: this.layout.legendBox,
      params: this.params,
      measure: () => this.view.measure,
      onError: this.layout.showToast,
    });
    this.popup = this.createPopup();
    this.region = new RegionSelection({
      countyMap: this.countyMap,
      panel: this.layout.panel,
      params: this.params,
      measure: () => this.view.measure,
      onOpenProblem: (id) => void this.popup.open(id),
    });
    this.report = new DraftReport({
      countyMap: this.countyMap,
      panel: this.layout.panel,
      clicks: this.clicks,
      categories: () => state.categories,
      onCreated: this.problemsChanged,
    });
    if (canReport(state.user.role)) this.layout.mapEl.parentElement!.append(this.report.button());
    this.panels = rolePanels({
      role: state.user.role,
      isManager: this.start0.isManager,
      countyMap: this.countyMap,
      params: this.params,
      openProblem: (id, at) => void this.popup.open(id, at),
      problemsChanged: this.problemsChanged,
      numbersChanged: this.numbersChanged,
      onError: this.layout.showToast,
    });
  }

  private readonly params = () => filtersToParams(this.view.filters);

  /**
   * CSS pixels at the bottom of the map that the open bottom sheet covers on a phone (0 on a
   * desktop, where the sidebar sits beside the map): what a fit leaves free so the area shows.
   */
  private readonly sheetCover = (): number => {
    const sheet = document.getElementById('sheet');
    if (!sheet || !matchMedia('(max-width: 768px)').matches) return 0;
    return Math.max(0, this.layout.mapEl.getBoundingClientRect().bottom - sheet.getBoundingClientRect().top);
  };

  /** The map, and what a click, a move or a level change on it does. */
  private createMap(): CountyMap {
    const { view, layout } = this;
    return new CountyMap({
      container: layout.mapEl,
      meta: this.state.meta,
      position: view.position,
      levelChoice: view.level,
      problemQuery: tileQuery(view.filters),
      heat: view.heat,
      onRegionClick: (code) => this.region.open(code, 'phone'),
      onProblemClick: (id, at) => void this.popup.open(id, at),
      onMapClick: (lngLat): boolean => this.clicks.click(lngLat, (ll) => this.report.place(ll)),
      onMove: (position) => {
        this.view.position = position;
        writeUrl(this.view);
      },
      onLevelChange: () => void this.stats.refresh(),
      onPointer: (ll) =>
        (layout.status.textContent = ll ? t('coords', { lon: ll[0].toFixed(5), lat: ll[1].toFixed(5) }) : ''),
    });
  }

  /** A problem's card over the map, with its actions and the edit form (which may pick a new point). */
  private createPopup(): ProblemPopup {
    const { countyMap, clicks, state } = this;
    return new ProblemPopup(
      countyMap.map,
      () => {
        this.problemsChanged();
        this.region.refresh();
      },
      (ll) => {
        countyMap.selectProblem(ll);
        // On a phone the card needs the screen: fold the bottom sheet away.
        if (ll && matchMedia('(max-width: 768px)').matches)
          document.getElementById('sheet')?.classList.add('collapsed');
      },
      {
        role: () => state.user.role,
        categories: () => state.categories,
        endEdit: () => {
          clicks.cancelPick();
          countyMap.setDraft(null);
        },
        pickPoint: () => clicks.pick(),
      },
    );
  }

  /** The map's points and numbers after a problem changed. */
  private readonly numbersChanged = () => {
    this.countyMap.refreshProblems();
    this.stats.clear();
    void this.stats.refresh();
  };

  /** After a problem was created or changed: its points, numbers, the manager's list and the queue. */
  private readonly problemsChanged = () => {
    this.numbersChanged();
    void this.panels.list?.load(this.params());
    void this.panels.queue?.load();
  };

  /** A change of filters, level, measure or heat: the address, then only what depends on it. */
  private readonly applyView = (patch: Partial<ViewState>): void => {
    const before = this.view;
    const view = (this.view = { ...before, ...patch });
    writeUrl(view);
    if (patch.filters && !sameFilters(before.filters, view.filters)) {
      this.countyMap.setProblemQuery(tileQuery(view.filters));
      void this.stats.refresh();
      this.region.refresh();
      void this.panels.list?.load(this.params());
    }
    if (patch.level && patch.level !== before.level) this.countyMap.setLevelChoice(view.level);
    if (patch.measure && patch.measure !== before.measure) {
      void this.stats.refresh();
      this.region.refresh();
    }
    if (patch.heat !== undefined && patch.heat !== before.heat) this.countyMap.setHeat(view.heat);
    this.drawSidebar();
  };

  private drawSidebar(): void {
    const { countyMap, clicks, region, panels, layout } = this;
    render(
      layout.aside,
      ...sidebarParts({
        view: this.view,
        categories: this.state.categories,
        showSearch: !this.start0.isManager,
        canReport: canReport(this.state.user.role),
        adding: clicks.adding,
        list: panels.list?.el ?? null,
        assessment: panels.assessment.el,
        queue: panels.queue?.el ?? null,
        onSearchHit: (hit) => {
          countyMap.fitBounds(hit.bbox, true, this.sheetCover());
          // On a phone the region's panel then covers more than the sheet did: framed again above it.
          if (hit.level !== 'county') region.open(hit.code, 'phone');
        },
        onStartAdd: () => {
          clicks.startAdd();
          this.drawSidebar();
        },
        onStopAdd: () => clicks.stopAdd(),
        onViewChange: this.applyView,
        // Exports follow the selected region as well as the filters.
        params: () => {
          const q = this.params();
          if (region.selected && !q.has('region')) q.set('region', region.selected);
          return q;
        },
        level: () => countyMap.level(),
        onError: layout.showToast,
        rankings: {
          panel: layout.panel,
          // Selected as a click on the map selects it (highlight, address, what the exports follow);
          // the rankings keep the panel (not the region's).
          onPick: (c) => {
            region.select(c);
            void countyMap.fitRegion(c, matchMedia('(max-width: 768px)').matches ? layout.panel.offsetHeight : 0);
          },
        },
      }),
    );
  }

  /** The sidebar's panels load their data (at start and when the language changes). */
  private loadPanels(): void {
    void this.panels.list?.load(this.params());
    void this.panels.assessment.load();
    void this.panels.queue?.load();
  }

  /** The panels load; once the map is there, the area, the numbers and what the address opens. */
  start(): void {
    const { countyMap, start0 } = this;
    this.drawSidebar();
    this.loadPanels();
    void countyMap.loaded.then(async () => {
      if (start0.isManager)
        await countyMap.setActiveArea(this.state.scopeFeatures, !this.view.position, this.sheetCover());
      else if (!this.view.position) await countyMap.fitCounty(this.sheetCover());
      void this.stats.refresh();
      if (start0.openRegion && /^\d{6,15}$/.test(start0.openRegion)) {
        this.region.open(start0.openRegion);
        // A link to a region without a map position opens on that region.
        if (!start0.position) void countyMap.fitRegion(start0.openRegion, this.sheetCover());
      }
      if (Number.isInteger(start0.openProblem) && start0.openProblem > 0)
        void this.popup.open(start0.openProblem, undefined, undefined, true);
    });
    this.offLang = onLangChange(() => {
      render(app, pageHeader(this.state, 'map', this.nav), this.layout.root);
      this.layout.relabel();
      this.countyMap.relabel();
      this.drawSidebar();
      void this.stats.refresh();
      this.region.refresh();
      this.loadPanels();
    });
    // Only now: the worker's install would fetch MapLibre's worker script again while the map
    // still loads it (offline/sw-register.ts).
    countyMap.map.once('idle', registerServiceWorker);
    exposeMapForTests(countyMap);
  }

  destroy(): void {
    this.clicks.cancelPick();
    this.report.dropPin();
    this.offLang();
    this.panels.list?.destroy();
    this.countyMap.map.remove();
  }
}

/**
 * The browser tests' one view into the canvas (feature state, rendered labels, pixel positions),
 * which no DOM shows. Only in the e2e build (`vite build --mode e2e`, dist/web-e2e): in the
 * production build `import.meta.env.MODE` is 'production' and this body is removed.
 */
function exposeMapForTests(countyMap: CountyMap): void {
  if (import.meta.env.MODE === 'e2e') (window as unknown as { __e2eMap: unknown }).__e2eMap = countyMap.map;
}
