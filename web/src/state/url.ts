/**
 * The view lives in the URL so a link reproduces it: filters, level and measure in the query
 * string (`?status=filed,dispatched&group=06&overdue=1&level=block&measure=overdue`), the map
 * position in the hash (`#map=12.50/28.23000/113.08000`, zoom/lat/lon in WGS84 degrees).
 *
 * Pure functions over strings: unit tested in Node (test/web/url.test.ts).
 */

export type Level = 'street' | 'community' | 'block';
export type LevelChoice = 'auto' | Level;
export type Measure = 'open' | 'overdue' | 'on_time_rate' | 'closure_rate';

export const LEVEL_CHOICES: readonly LevelChoice[] = ['auto', 'street', 'community', 'block'];
export const MEASURES: readonly Measure[] = ['open', 'overdue', 'on_time_rate', 'closure_rate'];
export const SOURCES = ['inspection', 'citizen', 'hotline', 'other'] as const;
export const TAGS = ['创文', '创卫'] as const;

/** The problem filters the API accepts (server/schemas/filters.ts ProblemFilterQuery). */
export interface Filters {
  group: string[];
  category: string[];
  status: string[];
  source: string[];
  /** Reported on or after this Asia/Shanghai day, YYYY-MM-DD. */
  from: string | null;
  /** Reported on or before this Asia/Shanghai day (inclusive), YYYY-MM-DD. */
  to: string | null;
  overdue: boolean;
  tag: (typeof TAGS)[number] | null;
  /** Only this campaign's member problems (its rule, evaluated on the server). */
  campaign: number | null;
}

export interface MapPosition {
  /** [lon, lat] in WGS84 degrees. */
  center: [number, number];
  zoom: number;
}

export interface ViewState {
  filters: Filters;
  level: LevelChoice;
  measure: Measure;
  heat: boolean;
  /** Null until the map has a position (first load fits the county). */
  position: MapPosition | null;
}

export const EMPTY_FILTERS: Filters = {
  group: [],
  category: [],
  status: [],
  source: [],
  from: null,
  to: null,
  overdue: false,
  tag: null,
  campaign: null,
};

export function defaultView(): ViewState {
  return { filters: { ...EMPTY_FILTERS }, level: 'auto', measure: 'open', heat: true, position: null };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CODE_LIST = /^[0-9A-Za-z_]+$/;

function list(value: string | null, ok: (s: string) => boolean = (s) => CODE_LIST.test(s)): string[] {
  if (!value) return [];
  return [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && ok(s)),
    ),
  ];
}

/** Reads a view from `location.search` and `location.hash`; anything malformed falls back to defaults. */
export function parseView(search: string, hash: string): ViewState {
  const q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const view = defaultView();
  const f = view.filters;
  f.group = list(q.get('group'));
  f.category = list(q.get('category'));
  f.status = list(q.get('status'));
  f.source = list(q.get('source'), (s) => (SOURCES as readonly string[]).includes(s));
  const from = q.get('from');
  const to = q.get('to');
  f.from = from && DAY.test(from) ? from : null;
  f.to = to && DAY.test(to) ? to : null;
  f.overdue = q.get('overdue') === '1' || q.get('overdue') === 'true';
  const tag = q.get('tag');
  f.tag = tag && (TAGS as readonly string[]).includes(tag) ? (tag as Filters['tag']) : null;
  const campaign = Number(q.get('campaign'));
  f.campaign = Number.isInteger(campaign) && campaign > 0 ? campaign : null;
  const level = q.get('level') as LevelChoice | null;
  if (level && LEVEL_CHOICES.includes(level)) view.level = level;
  const measure = q.get('measure') as Measure | null;
  if (measure && MEASURES.includes(measure)) view.measure = measure;
  if (q.get('heat') === '0') view.heat = false;
  view.position = parsePosition(hash);
  return view;
}

/** `#map=zoom/lat/lon` → position, or null when absent or out of range. */
export function parsePosition(hash: string): MapPosition | null {
  const m = /(?:^#?|&)map=(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/.exec(hash);
  if (!m) return null;
  const zoom = Number(m[1]);
  const lat = Number(m[2]);
  const lon = Number(m[3]);
  if (!(zoom >= 0 && zoom <= 24 && lat >= -85 && lat <= 85 && lon >= -180 && lon <= 180)) return null;
  return { zoom, center: [lon, lat] };
}

/** Query string (with `?`, or '' when everything is default) for the view's filters and choices. */
export function formatSearch(view: ViewState): string {
  const q = filtersToParams(view.filters, true);
  if (view.level !== 'auto') q.set('level', view.level);
  if (view.measure !== 'open') q.set('measure', view.measure);
  if (!view.heat) q.set('heat', '0');
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `#map=z/lat/lon` with 2 decimals of zoom and 5 of degrees (≈1 m). */
export function formatHash(position: MapPosition | null): string {
  if (!position) return '';
  const [lon, lat] = position.center;
  return `#map=${position.zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`;
}

/**
 * The filters as API query parameters (ProblemFilterQuery): lists comma-separated, `overdue=true`.
 * With `forUrl` the page's own URL uses `overdue=1`, shorter to share.
 */
export function filtersToParams(filters: Filters, forUrl = false): URLSearchParams {
  const q = new URLSearchParams();
  if (filters.group.length) q.set('group', filters.group.join(','));
  if (filters.category.length) q.set('category', filters.category.join(','));
  if (filters.status.length) q.set('status', filters.status.join(','));
  if (filters.source.length) q.set('source', filters.source.join(','));
  if (filters.from) q.set('from', filters.from);
  if (filters.to) q.set('to', filters.to);
  if (filters.overdue) q.set('overdue', forUrl ? '1' : 'true');
  if (filters.tag) q.set('tag', filters.tag);
  if (filters.campaign) q.set('campaign', String(filters.campaign));
  return q;
}

/** True when two filter sets select the same problems. */
export function sameFilters(a: Filters, b: Filters): boolean {
  return filtersToParams(a).toString() === filtersToParams(b).toString();
}

/** The region level shown at a zoom when the level follows the zoom: streets < 10 ≤ communities < 12 ≤ blocks. */
export function levelForZoom(zoom: number): Level {
  if (zoom < 10) return 'street';
  if (zoom < 12) return 'community';
  return 'block';
}

export function effectiveLevel(choice: LevelChoice, zoom: number): Level {
  return choice === 'auto' ? levelForZoom(zoom) : choice;
}
