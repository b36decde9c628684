/**
 * Style-spec source objects (STYLE.md rule 12): plain data with constant kebab-case ids. main.ts
 * adds them on `load`; data arrives later through `setData` / `setFeatureState` / `setTiles`.
 *
 * Region geometry is GeoJSON fetched once per level (ETag-revalidated) and never refetched when
 * a filter changes; the numbers are applied as feature state keyed by the region code
 * (`promoteId: 'code'`). Problems come as vector tiles whose query string carries the filters.
 */
import type { GeoJSONSourceSpecification, RasterSourceSpecification, VectorSourceSpecification } from 'maplibre-gl';
import type { Level } from '../state/url.js';

export const SOURCE_COUNTY = 'county-outline';
export const SOURCE_PROBLEMS = 'problem-tiles';
export const SOURCE_ASSESSMENT_POINTS = 'assessment-point-tiles';
export const SOURCE_MASK = 'scope-mask';
export const SOURCE_DRAFT = 'draft-point';
export const SOURCE_SELECTED_PROBLEM = 'selected-problem';
export const SOURCE_BASEMAP = 'basemap-raster';
export const SOURCE_BASEMAP_LABELS = 'basemap-labels';

export const REGION_LEVELS: readonly Level[] = ['street', 'community', 'block'];

/** Source id of one region level's polygons, e.g. `regions-block`. */
export const regionSourceId = (level: Level): string => `regions-${level}`;

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export function emptyGeoJsonSource(promoteCode = false): GeoJSONSourceSpecification {
  return { type: 'geojson', data: EMPTY, ...(promoteCode ? { promoteId: 'code' } : {}) };
}

/** One region level: polygons whose features are addressed by `code` for setFeatureState. */
export function regionSource(): GeoJSONSourceSpecification {
  return { ...emptyGeoJsonSource(true), tolerance: 0.3 };
}

/**
 * Problem tiles (`/tiles/problems/{z}/{x}/{y}.mvt`, layer `problems`): open problems unless the
 * status filter says otherwise; aggregated cells with `count` and `overdue` below z13, one point
 * per problem (with its deadline `due`) from z13; a capped tile adds one `omitted` feature.
 * Absolute URL: the worker resolves it.
 */
export function problemTilesSource(origin: string, query: string): VectorSourceSpecification {
  return { type: 'vector', tiles: [problemTilesUrl(origin, query)], minzoom: 0, maxzoom: 16, attribution: '' };
}

export function problemTilesUrl(origin: string, query: string): string {
  return `${origin}/tiles/problems/{z}/{x}/{y}.mvt${query ? `?${query}` : ''}`;
}

/**
 * Assessment-point tiles (`/tiles/points/{z}/{x}/{y}.mvt`, layer `points`): one point per active
 * point with `standing`, scope-filtered by the server.
 */
export function assessmentPointsSource(origin: string, bust = ''): VectorSourceSpecification {
  return { type: 'vector', tiles: [assessmentPointsUrl(origin, bust)], minzoom: 0, maxzoom: 16, attribution: '' };
}

export function assessmentPointsUrl(origin: string, bust = ''): string {
  return `${origin}/tiles/points/{z}/{x}/{y}.mvt${bust ? `?_=${bust}` : ''}`;
}

/** Tianditu (天地图) Web-Mercator WMTS tiles: `vec` (vector rendering) or `cva` (labels). CGCS2000, no offset. */
export function tiandituSource(layer: 'vec' | 'cva' | 'img', key: string): RasterSourceSpecification {
  const tiles = Array.from(
    { length: 8 },
    (_, i) =>
      `https://t${i}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`,
  );
  return { type: 'raster', tiles, tileSize: 256, maxzoom: 18, attribution: '© 天地图' };
}

/** Any XYZ raster basemap (`BASEMAP_URL`, `{z}/{x}/{y}` placeholders). */
export function xyzSource(url: string): RasterSourceSpecification {
  return { type: 'raster', tiles: [url], tileSize: 256, maxzoom: 19, attribution: '' };
}
