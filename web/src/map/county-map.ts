/**
 * The map itself: creates MapLibre with the base style, adds the data sources then layers on
 * `load` (STYLE.md rule 12), and exposes the few operations the page needs. Geometry and numbers
 * travel separately: each region level's polygons are fetched once (ETag-revalidated) and kept;
 * filters only replace feature state (`setFeatureState`) and the problem tiles' query (`setTiles`).
 */
import { getLang, messageAround } from '../i18n/index.js';
import {
  Map as MapLibreMap,
  NavigationControl,
  ScaleControl,
  AttributionControl,
  setWorkerUrl,
  type MapMouseEvent,
  type GeoJSONSource,
  type VectorTileSource,
  type LngLatBoundsLike,
  type ExpressionSpecification,
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { api, authHeaders, fetchRegions, type Meta, type RegionStats } from '../api.js';
import { effectiveLevel, type Level, type LevelChoice, type Measure, type MapPosition } from '../state/url.js';
import { baseStyle } from './style.js';
import {
  REGION_LEVELS,
  SOURCE_ASSESSMENT_POINTS,
  SOURCE_COUNTY,
  SOURCE_DRAFT,
  SOURCE_MASK,
  SOURCE_PROBLEMS,
  SOURCE_SELECTED_PROBLEM,
  emptyGeoJsonSource,
  problemTilesSource,
  problemTilesUrl,
  regionSource,
  regionSourceId,
  assessmentPointsSource,
  assessmentPointsUrl,
} from './sources.js';
import {
  LAYER_BASEMAP_LABELS,
  LAYER_CELLS,
  LAYER_CELL_COUNTS,
  LAYER_HEAT,
  LAYER_MASK,
  LAYER_MASK_LINE,
  LAYER_OMITTED,
  LAYER_POINTS,
  assessmentPointsLayer,
  omittedLayer,
  pointRingPaint,
  cellCountsLayer,
  cellsLayer,
  countyLineLayer,
  draftLayer,
  heatLayer,
  maskLayer,
  maskLineLayer,
  pointsLayer,
  regionFillId,
  regionLabelLayer,
  regionLabelId,
  regionLayers,
  regionLineId,
  regionSelectedId,
  selectedProblemLayer,
} from './layers.js';
import { colourClasses, fillColourExpression, type ColourClass } from './scale.js';
import { bboxOf, maskOutside } from './mask.js';
import { codeVisible } from '../../../domain/regions.js';

setWorkerUrl(workerUrl);

/** Demo county 长沙县 when nothing else is known yet: [lon, lat] WGS84, zoom. */
const DEFAULT_CENTER: [number, number] = [113.2, 28.35];
const DEFAULT_ZOOM = 9.2;

export interface CountyMapOptions {
  container: HTMLElement;
  meta: Meta;
  position: MapPosition | null;
  levelChoice: LevelChoice;
  problemQuery: string;
  heat: boolean;
  onRegionClick: (code: string, level: Level) => void;
  onProblemClick: (id: number, lngLat: [number, number]) => void;
  onMapClick?: (lngLat: [number, number]) => boolean;
  onMove: (position: MapPosition) => void;
  onLevelChange: (level: Level) => void;
  onPointer?: (lngLat: [number, number] | null) => void;
}

/**
 * One region's numbers as the map applies them: the full indicator row of /api/stats/regions
 * (rates), or only open and overdue from /api/stats/map.
 */
export type MapRow = Pick<RegionStats, 'code'> & Partial<Pick<RegionStats, Measure>>;

/** Applied numbers of one level, for the legend and the map element's data-stats-seq. */
export interface AppliedStats {
  level: Level;
  measure: Measure;
  classes: ColourClass[];
  rows: MapRow[];
  /** Increments on every application, so tests can wait for the next one. */
  seq: number;
}

/**
 * The capped-tile label ("另有 N 个未显示") as an expression around the tile's count, in the
 * page's language: the message's text on either side of its `{n}`.
 */
export function omittedLabel(n: ExpressionSpecification): ExpressionSpecification {
  const [before, after] = messageAround('map.omitted', 'n');
  return ['concat', before, n, after];
}

/** MapLibre's UI strings (zoom buttons, attribution, cooperative gestures) in the page's language. */
function mapLocale(): Record<string, string> {
  if (getLang() === 'en') return {};
  return {
    'AttributionControl.ToggleAttribution': '显示/隐藏版权信息',
    'AttributionControl.MapFeedback': '地图反馈',
    'FullscreenControl.Enter': '全屏',
    'FullscreenControl.Exit': '退出全屏',
    'GeolocateControl.FindMyLocation': '定位到我的位置',
    'GeolocateControl.LocationNotAvailable': '无法获取位置',
    'LogoControl.Title': 'MapLibre 标志',
    'Map.Title': '地图',
    'Marker.Title': '标记',
    'NavigationControl.ResetBearing': '重置方向',
    'NavigationControl.ZoomIn': '放大',
    'NavigationControl.ZoomOut': '缩小',
    'Popup.Close': '关闭',
    'ScaleControl.Feet': '英尺',
    'ScaleControl.Meters': '米',
    'ScaleControl.Kilometers': '公里',
    'ScaleControl.Miles': '英里',
    'ScaleControl.NauticalMiles': '海里',
    'GlobeControl.Enable': '启用地球视图',
    'GlobeControl.Disable': '关闭地球视图',
    'TerrainControl.Enable': '启用地形',
    'TerrainControl.Disable': '关闭地形',
    'CooperativeGesturesHandler.WindowsHelpText': '按住 Ctrl 键并滚动以缩放地图',
    'CooperativeGesturesHandler.MacHelpText': '按住 ⌘ 键并滚动以缩放地图',
    'CooperativeGesturesHandler.MobileHelpText': '用两根手指移动地图',
  };
}

export class CountyMap {
  readonly map: MapLibreMap;
  /** MapLibre's own (English) UI strings, to switch back to after Chinese. */
  private readonly englishLocale: Record<string, string>;
  readonly loaded: Promise<void>;
  private levelChoice: LevelChoice;
  private shownLevel: Level | null = null;
  private readonly geometry = new Map<Level | 'county', Promise<GeoJSON.FeatureCollection>>();
  private readonly statesSet = new Map<Level, Set<string>>();
  /** Levels whose polygons are in their source already. */
  private readonly drawn = new Set<Level>();
  private applied: AppliedStats | null = null;
  private seq = 0;
  private hovered: { level: Level; code: string } | null = null;
  private problemQuery: string;
  /** Codes of the regions the user may act in (manager view), or null for everything. */
  private activeArea: string[] | null = null;

  constructor(private readonly opts: CountyMapOptions) {
    this.levelChoice = opts.levelChoice;
    this.problemQuery = opts.problemQuery;
    const origin = location.origin;
    this.map = new MapLibreMap({
      container: opts.container,
      style: baseStyle(opts.meta),
      center: opts.position?.center ?? DEFAULT_CENTER,
      zoom: opts.position?.zoom ?? DEFAULT_ZOOM,
      maxZoom: 18,
      minZoom: 6,
      attributionControl: false,
      // CJK and Latin alike are drawn locally: no glyph server exists offline.
      localIdeographFontFamily:
        '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Zen Hei", sans-serif',
      // The tiles are behind the same bearer token as the API.
      transformRequest: (url) =>
        url.startsWith(`${origin}/tiles/`) || url.startsWith(`${origin}/api/`)
          ? { url, headers: authHeaders() }
          : { url },
    });
    // Control tooltips in the page's language (MapLibre's own strings are English, kept to switch back).
    this.englishLocale = { ...this.map._locale };
    this.applyLocale();
    this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    this.map.addControl(new AttributionControl({ compact: true }), 'bottom-right');
    this.loaded = new Promise((resolve) => this.map.once('load', () => resolve()));
    this.map.once('load', () => this.addDataLayers(opts.heat));
    // Whether every tile of the view is drawn and nothing moves (MapLibre's 'idle'), on the element
    // for the browser tests and the first-load benchmark.
    const container = opts.container;
    container.dataset.idle = 'false';
    this.map.on('idle', () => (container.dataset.idle = 'true'));
    for (const busy of ['movestart', 'dataloading'] as const)
      this.map.on(busy, () => (container.dataset.idle = 'false'));
    this.map.on('moveend', () => {
      const c = this.map.getCenter();
      opts.onMove({ center: [c.lng, c.lat], zoom: this.map.getZoom() });
      void this.syncLevel();
    });
    this.map.on('click', (e) => this.handleClick(e));
    this.map.on('mousemove', (e) => this.handleHover(e));
    this.map.on('mouseout', () => opts.onPointer?.(null));
  }

  private addDataLayers(heat: boolean): void {
    const m = this.map;
    m.addSource(SOURCE_COUNTY, emptyGeoJsonSource());
    for (const level of REGION_LEVELS) m.addSource(regionSourceId(level), regionSource());
    m.addSource(SOURCE_PROBLEMS, problemTilesSource(location.origin, this.problemQuery));
    m.addSource(SOURCE_ASSESSMENT_POINTS, assessmentPointsSource(location.origin));
    m.addSource(SOURCE_MASK, emptyGeoJsonSource());
    m.addSource(SOURCE_SELECTED_PROBLEM, emptyGeoJsonSource());
    m.addSource(SOURCE_DRAFT, emptyGeoJsonSource());

    // Heat under the choropleth: the region fills (half transparent) keep the colours the legend
    // names, and the heat still shows through them.
    m.addLayer(heatLayer);
    for (const level of REGION_LEVELS) for (const layer of regionLayers(level)) m.addLayer(layer);
    m.addLayer(countyLineLayer);
    m.addLayer(maskLayer);
    m.addLayer(maskLineLayer);
    m.addLayer(cellsLayer);
    m.addLayer(cellCountsLayer);
    m.addLayer(assessmentPointsLayer);
    m.addLayer(pointsLayer(Date.now() / 1000));
    m.addLayer(omittedLayer(omittedLabel));
    m.addLayer(selectedProblemLayer);
    for (const level of REGION_LEVELS) m.addLayer(regionLabelLayer(level));
    m.addLayer(draftLayer);
    if (m.getLayer(LAYER_BASEMAP_LABELS)) m.moveLayer(LAYER_BASEMAP_LABELS, regionLabelId('street'));
    this.setHeat(heat);
    // Overdue rings follow the page's clock (the tiles carry deadlines, not flags).
    window.setInterval(() => {
      for (const [k, v] of Object.entries(pointRingPaint(Date.now() / 1000)))
        m.setPaintProperty(LAYER_POINTS, k as 'circle-stroke-color', v);
    }, 60_000);

    for (const layer of [LAYER_POINTS, LAYER_CELLS]) {
      m.on('mouseenter', layer, () => (m.getCanvas().style.cursor = 'pointer'));
      m.on('mouseleave', layer, () => (m.getCanvas().style.cursor = ''));
    }
    void this.loadGeometry('county').then((fc) => (m.getSource(SOURCE_COUNTY) as GeoJSONSource).setData(fc));
    void this.syncLevel();
  }

  /** The level drawn now (the chosen one, or the one for the zoom). */
  level(): Level {
    return effectiveLevel(this.levelChoice, this.map.getZoom());
  }

  setLevelChoice(choice: LevelChoice): void {
    this.levelChoice = choice;
    void this.syncLevel();
  }

  /** Fetches one level's geometry once; later calls reuse the same promise (no refetch on filter change). */
  loadGeometry(level: Level | 'county'): Promise<GeoJSON.FeatureCollection> {
    let p = this.geometry.get(level);
    if (!p) {
      p = fetchRegions(level);
      p.catch(() => this.geometry.delete(level));
      this.geometry.set(level, p);
    }
    return p;
  }

  /** Shows the level for the current zoom/choice, loading its polygons the first time. */
  private async syncLevel(): Promise<void> {
    if (!this.map.getSource(regionSourceId('street'))) return;
    const level = this.level();
    if (level === this.shownLevel) return;
    this.shownLevel = level;
    for (const l of REGION_LEVELS) {
      const on = l === level;
      const v = on ? 'visible' : 'none';
      this.map.setLayoutProperty(regionFillId(l), 'visibility', v);
      this.map.setLayoutProperty(regionSelectedId(l), 'visibility', v);
      this.map.setLayoutProperty(
        regionLabelId(l),
        'visibility',
        on || (l === 'street' && level !== 'street') ? 'visible' : 'none',
      );
      // Coarser boundaries stay drawn under a finer level, for orientation.
      this.map.setLayoutProperty(
        regionLineId(l),
        'visibility',
        REGION_LEVELS.indexOf(l) <= REGION_LEVELS.indexOf(level) ? 'visible' : 'none',
      );
    }
    const needed = REGION_LEVELS.slice(0, REGION_LEVELS.indexOf(level) + 1);
    await Promise.all(
      needed.map(async (l) => {
        const fc = await this.loadGeometry(l);
        if (this.drawn.has(l)) return;
        this.drawn.add(l);
        (this.map.getSource(regionSourceId(l)) as GeoJSONSource).setData(fc);
      }),
    );
    this.opts.onLevelChange(level);
  }

  /**
   * Applies one level's numbers as feature state (`value` drives the fill; every measure is kept
   * for the debug handle and tooltips) and rescales the fill colours.
   */
  async applyStats(level: Level, rows: MapRow[], measure: Measure): Promise<AppliedStats> {
    await this.loaded;
    await this.loadGeometry(level);
    const source = regionSourceId(level);
    const previous = this.statesSet.get(level) ?? new Set<string>();
    const next = new Set<string>();
    for (const row of rows) {
      const state: Record<string, number | null> = { value: row[measure] ?? null };
      // A measure the answer does not carry (the rates, from /api/stats/map) is null, not an older value.
      for (const k of ['open', 'overdue', 'on_time_rate', 'closure_rate'] as const) state[k] = row[k] ?? null;
      this.map.setFeatureState({ source, id: row.code }, state);
      next.add(row.code);
    }
    // Regions the new answer left out have no number any more.
    for (const code of previous) if (!next.has(code)) this.map.removeFeatureState({ source, id: code });
    this.statesSet.set(level, next);
    const classes = colourClasses(
      measure,
      rows.map((r) => r[measure] ?? null),
    );
    this.map.setPaintProperty(regionFillId(level), 'fill-color', fillColourExpression(classes));
    this.applied = { level, measure, classes, rows, seq: ++this.seq };
    return this.applied;
  }

  lastApplied(): AppliedStats | null {
    return this.applied;
  }

  /** New problem filters: only the tiles' query changes; region geometry is untouched. */
  setProblemQuery(query: string): void {
    if (query === this.problemQuery) return;
    this.problemQuery = query;
    const src = this.map.getSource(SOURCE_PROBLEMS) as VectorTileSource | undefined;
    src?.setTiles([problemTilesUrl(location.origin, query)]);
  }

  /** Reloads the problem tiles (after a transition or a new problem). */
  refreshProblems(): void {
    const src = this.map.getSource(SOURCE_PROBLEMS) as VectorTileSource | undefined;
    const bust = `${this.problemQuery ? `${this.problemQuery}&` : ''}_=${Date.now()}`;
    src?.setTiles([problemTilesUrl(location.origin, bust)]);
  }

  /** Reloads the assessment-point tiles (after an inspection changed a standing). */
  refreshAssessmentPoints(): void {
    const src = this.map.getSource(SOURCE_ASSESSMENT_POINTS) as VectorTileSource | undefined;
    src?.setTiles([assessmentPointsUrl(location.origin, String(Date.now()))]);
  }

  /** MapLibre's UI strings in the page's language (the English defaults patched by {@link mapLocale}). */
  private applyLocale(): void {
    this.map._locale = { ...this.englishLocale, ...mapLocale() };
    this.map.getCanvas().setAttribute('aria-label', this.map._getUIString('Map.Title'));
  }

  /**
   * The map's own words after a language change: the capped-tile label, the controls' tooltips
   * and the scale bar's unit (MapLibre's controls read its locale when they are drawn).
   */
  relabel(): void {
    if (this.map.getLayer(LAYER_OMITTED))
      this.map.setLayoutProperty(LAYER_OMITTED, 'text-field', omittedLabel(['to-string', ['get', 'omitted']]));
    this.applyLocale();
    for (const [selector, key] of [
      ['.maplibregl-ctrl-zoom-in', 'NavigationControl.ZoomIn'],
      ['.maplibregl-ctrl-zoom-out', 'NavigationControl.ZoomOut'],
      ['.maplibregl-ctrl-attrib-button', 'AttributionControl.ToggleAttribution'],
    ] as const)
      for (const button of this.map.getContainer().querySelectorAll<HTMLElement>(selector)) {
        button.title = this.map._getUIString(key);
        button.setAttribute('aria-label', this.map._getUIString(key));
      }
    // The scale bar writes its unit on every move.
    this.map.fire('move');
  }

  setHeat(on: boolean): void {
    if (this.map.getLayer(LAYER_HEAT)) this.map.setLayoutProperty(LAYER_HEAT, 'visibility', on ? 'visible' : 'none');
  }

  selectRegion(code: string | null): void {
    for (const l of REGION_LEVELS) this.map.setFilter(regionSelectedId(l), ['==', ['get', 'code'], code ?? '']);
  }

  selectProblem(lngLat: [number, number] | null): void {
    const src = this.map.getSource(SOURCE_SELECTED_PROBLEM) as GeoJSONSource | undefined;
    src?.setData({
      type: 'FeatureCollection',
      features: lngLat ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: lngLat } }] : [],
    });
  }

  setDraft(lngLat: [number, number] | null): void {
    const src = this.map.getSource(SOURCE_DRAFT) as GeoJSONSource | undefined;
    src?.setData({
      type: 'FeatureCollection',
      features: lngLat ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: lngLat } }] : [],
    });
  }

  /**
   * Greys out everything outside `features` (a manager's area) and fits the map to them, keeping
   * `bottom` CSS pixels free for the bottom sheet on a phone.
   */
  async setActiveArea(features: GeoJSON.Feature[] | null, fit = true, bottom = 0): Promise<void> {
    await this.loaded;
    this.activeArea = features ? features.map((f) => String(f.properties?.code ?? '')) : null;
    const src = this.map.getSource(SOURCE_MASK) as GeoJSONSource;
    src.setData({ type: 'FeatureCollection', features: features?.length ? [maskOutside(features)] : [] });
    this.map.setLayoutProperty(LAYER_MASK, 'visibility', features ? 'visible' : 'none');
    this.map.setLayoutProperty(LAYER_MASK_LINE, 'visibility', features ? 'visible' : 'none');
    const box = features ? bboxOf(features) : null;
    if (box && fit) this.fitBounds(box, false, bottom);
  }

  /** Fits `box` (WGS84 degrees), keeping `bottom` CSS pixels free for a sheet or panel over the map. */
  fitBounds(box: [number, number, number, number], animate = true, bottom = 0): void {
    this.map.fitBounds(box as LngLatBoundsLike, {
      padding: { top: 40, left: 40, right: 40, bottom: 40 + bottom },
      animate,
      maxZoom: 16,
    });
  }

  /**
   * Fits one region (`GET /api/regions/:code`), keeping `bottom` CSS pixels free for a panel or
   * bottom sheet lying over the map on a phone. Resolves false when the region could not be read.
   */
  async fitRegion(code: string, bottom = 0): Promise<boolean> {
    const feature = await api.region(code).catch(() => null);
    const box = feature ? bboxOf([feature]) : null;
    if (!box) return false;
    this.map.fitBounds(box as LngLatBoundsLike, {
      padding: { top: 40, left: 40, right: 40, bottom: 40 + bottom },
      maxZoom: 16,
    });
    return true;
  }

  /** Fits the county outline (first load without a position in the URL), `bottom` as in {@link fitBounds}. */
  async fitCounty(bottom = 0): Promise<void> {
    const fc = await this.loadGeometry('county');
    const box = bboxOf(fc.features);
    if (box) this.fitBounds(box, false, bottom);
  }

  private handleClick(e: MapMouseEvent): void {
    const lngLat: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    if (this.opts.onMapClick?.(lngLat)) return;
    const problems = this.map.getLayer(LAYER_POINTS)
      ? this.map.queryRenderedFeatures(e.point, { layers: [LAYER_POINTS] })
      : [];
    const hit = problems[0];
    if (hit && hit.properties.id !== undefined) {
      const coords = (hit.geometry as GeoJSON.Point).coordinates as [number, number];
      this.opts.onProblemClick(Number(hit.properties.id), coords);
      return;
    }
    const cells = this.map.getLayer(LAYER_CELLS)
      ? this.map.queryRenderedFeatures(e.point, { layers: [LAYER_CELLS] })
      : [];
    if (cells.length) {
      this.map.easeTo({ center: e.lngLat, zoom: Math.max(this.map.getZoom() + 2, 13.2) });
      return;
    }
    const level = this.level();
    const regions = this.map.queryRenderedFeatures(e.point, { layers: [regionFillId(level)] });
    const code = regions[0]?.properties.code as string | undefined;
    // The area's regions and their ancestors answer a click (as the server lets the manager see them).
    if (code && codeVisible(this.activeArea, code)) this.opts.onRegionClick(code, level);
  }

  private handleHover(e: MapMouseEvent): void {
    this.opts.onPointer?.([e.lngLat.lng, e.lngLat.lat]);
    const level = this.level();
    const layer = regionFillId(level);
    if (!this.map.getLayer(layer)) return;
    const f = this.map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    const code = f?.properties.code as string | undefined;
    if (this.hovered && (this.hovered.code !== code || this.hovered.level !== level)) {
      this.map.setFeatureState({ source: regionSourceId(this.hovered.level), id: this.hovered.code }, { hover: false });
      this.hovered = null;
    }
    if (code && !this.hovered) {
      this.hovered = { level, code };
      this.map.setFeatureState({ source: regionSourceId(level), id: code }, { hover: true });
    }
  }
}
