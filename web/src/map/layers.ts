/**
 * Style-spec layer objects (STYLE.md rule 12): plain data with constant kebab-case ids, in draw
 * order. Behaviour (which are visible, the fill colour scale) is changed by main.ts / county-map.ts
 * through setLayoutProperty / setPaintProperty, which are safe to repeat.
 */
import type {
  BackgroundLayerSpecification,
  CircleLayerSpecification,
  ExpressionSpecification,
  FillLayerSpecification,
  HeatmapLayerSpecification,
  LayerSpecification,
  LineLayerSpecification,
  RasterLayerSpecification,
  SymbolLayerSpecification,
} from 'maplibre-gl';
import type { Level } from '../state/url.js';
import {
  SOURCE_BASEMAP,
  SOURCE_BASEMAP_LABELS,
  SOURCE_COUNTY,
  SOURCE_DRAFT,
  SOURCE_MASK,
  SOURCE_PROBLEMS,
  SOURCE_ASSESSMENT_POINTS,
  SOURCE_SELECTED_PROBLEM,
  regionSourceId,
} from './sources.js';
import { NO_DATA_COLOUR } from './scale.js';

export const LAYER_BACKGROUND = 'background';
export const LAYER_BASEMAP = 'basemap-raster';
export const LAYER_BASEMAP_LABELS = 'basemap-labels';
export const LAYER_COUNTY_LINE = 'county-line';
export const LAYER_HEAT = 'problems-heat';
export const LAYER_CELLS = 'problems-cells';
export const LAYER_CELL_COUNTS = 'problems-cell-counts';
export const LAYER_POINTS = 'problems-points';
export const LAYER_OMITTED = 'problems-omitted';
export const LAYER_SELECTED_PROBLEM = 'problem-selected';
export const LAYER_MASK = 'scope-mask-fill';
export const LAYER_MASK_LINE = 'scope-mask-line';
export const LAYER_DRAFT = 'draft-point';
export const LAYER_ASSESSMENT_POINTS = 'assessment-points';

export const regionFillId = (level: Level) => `regions-${level}-fill`;
export const regionLineId = (level: Level) => `regions-${level}-line`;
export const regionLabelId = (level: Level) => `regions-${level}-label`;
export const regionSelectedId = (level: Level) => `regions-${level}-selected`;

/** Problem tiles switch from aggregated cells to single problems at this zoom (the server's rule). */
export const POINT_MINZOOM = 13;

/** Status colours: the loop's progress from red (new) to green (closed). */
export const STATUS_COLOURS: Record<string, string> = {
  reported: '#d7191c',
  filed: '#f46d43',
  dispatched: '#fdae61',
  in_progress: '#fee08b',
  resolved: '#66bd63',
  closed: '#1a9850',
  voided: '#969696',
};

const statusColour: ExpressionSpecification = [
  'match',
  ['get', 'status'],
  ...Object.entries(STATUS_COLOURS).flat(),
  '#555555',
] as unknown as ExpressionSpecification;

/** Font stack for symbol labels. No glyphs URL is set, so MapLibre draws every glyph locally. */
export const LABEL_FONT = ['sans-serif'];

export const backgroundLayer: BackgroundLayerSpecification = {
  id: LAYER_BACKGROUND,
  type: 'background',
  paint: { 'background-color': '#eef1f4' },
};

export const basemapLayer: RasterLayerSpecification = { id: LAYER_BASEMAP, type: 'raster', source: SOURCE_BASEMAP };
export const basemapLabelsLayer: RasterLayerSpecification = {
  id: LAYER_BASEMAP_LABELS,
  type: 'raster',
  source: SOURCE_BASEMAP_LABELS,
};

const LINE_STYLE: Record<Level, { colour: string; width: number; minzoom: number }> = {
  street: { colour: '#5b6573', width: 1.6, minzoom: 0 },
  community: { colour: '#7b8593', width: 1.0, minzoom: 9 },
  block: { colour: '#9aa3ad', width: 0.6, minzoom: 11 },
};

/** The chosen measure's colour per region (the `fill-color` is replaced when the scale changes). */
export function regionFillLayer(level: Level): FillLayerSpecification {
  return {
    id: regionFillId(level),
    type: 'fill',
    source: regionSourceId(level),
    layout: { visibility: 'none' },
    paint: {
      'fill-color': NO_DATA_COLOUR,
      'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.8, 0.5],
    },
  };
}

export function regionLineLayer(level: Level): LineLayerSpecification {
  const s = LINE_STYLE[level];
  return {
    id: regionLineId(level),
    type: 'line',
    source: regionSourceId(level),
    minzoom: s.minzoom,
    layout: { visibility: 'none', 'line-join': 'round' },
    paint: { 'line-color': s.colour, 'line-width': s.width },
  };
}

export function regionSelectedLayer(level: Level): LineLayerSpecification {
  return {
    id: regionSelectedId(level),
    type: 'line',
    source: regionSourceId(level),
    layout: { visibility: 'none' },
    filter: ['==', ['get', 'code'], ''],
    paint: { 'line-color': '#1f4e9a', 'line-width': 3 },
  };
}

/** Region names at the polygon's pole of inaccessibility (MapLibre's placement for polygons). */
export function regionLabelLayer(level: Level): SymbolLayerSpecification {
  return {
    id: regionLabelId(level),
    type: 'symbol',
    source: regionSourceId(level),
    minzoom: level === 'block' ? 13.5 : 0,
    // Polygon labels repeat once per tile the polygon crosses: zoomed far into a street, its name
    // would show several times, so a level's labels stop where its children's take over.
    maxzoom: level === 'street' ? 12.5 : level === 'community' ? 15 : 24,
    layout: {
      visibility: 'none',
      'text-field': ['get', 'name'],
      'text-font': LABEL_FONT,
      'text-size': level === 'street' ? 14 : level === 'community' ? 12 : 11,
      'text-max-width': 6,
      'text-padding': 4,
    },
    paint: { 'text-color': '#1d2733', 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.4 },
  };
}

export const countyLineLayer: LineLayerSpecification = {
  id: LAYER_COUNTY_LINE,
  type: 'line',
  source: SOURCE_COUNTY,
  layout: { 'line-join': 'round' },
  paint: { 'line-color': '#1d2733', 'line-width': 2.4 },
};

/**
 * Heat of open problems from the server's tiles: aggregated cells carry `count`, so the weight
 * is the count (a point weighs 1). Fades out where single points take over.
 */
export const heatLayer: HeatmapLayerSpecification = {
  id: LAYER_HEAT,
  type: 'heatmap',
  source: SOURCE_PROBLEMS,
  'source-layer': 'problems',
  maxzoom: 15,
  // The one feature a capped tile carries to count what it left out is not a problem.
  filter: ['!', ['has', 'omitted']],
  paint: {
    'heatmap-weight': [
      'interpolate',
      ['linear'],
      ['to-number', ['coalesce', ['get', 'count'], 1]],
      0,
      0,
      1,
      0.35,
      5,
      0.7,
      20,
      1,
    ],
    'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 1.2, 13, 2],
    'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 12, 11, 18, 13, 24, 15, 30],
    'heatmap-opacity': ['interpolate', ['linear'], ['zoom'], 12, 0.85, 14.5, 0.25],
    'heatmap-color': [
      'interpolate',
      ['linear'],
      ['heatmap-density'],
      0,
      'rgba(255,255,255,0)',
      0.2,
      'rgba(254,217,118,0.6)',
      0.45,
      'rgba(253,141,60,0.75)',
      0.7,
      'rgba(227,26,28,0.85)',
      1,
      'rgba(128,0,38,0.95)',
    ],
  },
};

/**
 * Server-side bins below the point zoom: one circle per cell of the tile's 64 × 64 grid (~2.4 km
 * at z8, ~150 m at z12), sized by its count (the area grows with it) and coloured by the share of
 * it that is overdue (amber none, red all).
 */
export const cellsLayer: CircleLayerSpecification = {
  id: LAYER_CELLS,
  type: 'circle',
  source: SOURCE_PROBLEMS,
  'source-layer': 'problems',
  maxzoom: POINT_MINZOOM,
  filter: ['has', 'count'],
  paint: {
    'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'count']]], 1, 5, 3, 8, 10, 14, 30, 22],
    'circle-color': [
      'interpolate',
      ['linear'],
      ['/', ['to-number', ['coalesce', ['get', 'overdue'], 0]], ['max', 1, ['to-number', ['get', 'count']]]],
      0,
      '#e6a23c',
      0.5,
      '#d9622b',
      1,
      '#b3261e',
    ],
    'circle-opacity': 0.8,
    'circle-stroke-color': '#ffffff',
    'circle-stroke-width': 1,
  },
};

export const cellCountsLayer: SymbolLayerSpecification = {
  id: LAYER_CELL_COUNTS,
  type: 'symbol',
  source: SOURCE_PROBLEMS,
  'source-layer': 'problems',
  maxzoom: POINT_MINZOOM,
  filter: ['has', 'count'],
  layout: {
    // Single problems need no label; the rest show their count (crowded labels give way).
    'text-field': ['case', ['>', ['to-number', ['get', 'count']], 1], ['to-string', ['get', 'count']], ''],
    'text-font': LABEL_FONT,
    'text-size': 10,
  },
  paint: { 'text-color': '#ffffff', 'text-halo-color': 'rgba(0,0,0,0.35)', 'text-halo-width': 0.8 },
};

/**
 * A capped tile's note (the server draws at most 2,000 features a tile): "+N" at the tile's
 * centre, N the matching problems it left out; zooming in shows them.
 */
export function omittedLayer(label: (n: ExpressionSpecification) => ExpressionSpecification): SymbolLayerSpecification {
  return {
    id: LAYER_OMITTED,
    type: 'symbol',
    source: SOURCE_PROBLEMS,
    'source-layer': 'problems',
    filter: ['has', 'omitted'],
    layout: {
      'text-field': label(['to-string', ['get', 'omitted']]),
      'text-font': LABEL_FONT,
      'text-size': 12,
      'text-allow-overlap': true,
    },
    paint: { 'text-color': '#7a1f12', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 1.6 },
  };
}

/**
 * Whether a point is overdue at `nowSeconds`: the tiles carry each deadline (`due`, Unix
 * seconds) rather than a flag, so a tile stays valid while deadlines pass; the page re-evaluates
 * this every minute with its own clock.
 */
export function overdueExpression(nowSeconds: number): ExpressionSpecification {
  return ['all', ['has', 'due'], ['<', ['to-number', ['get', 'due']], nowSeconds]];
}

/** The ring of a point: dark and thicker when overdue at `nowSeconds`. */
export function pointRingPaint(nowSeconds: number): {
  'circle-stroke-color': ExpressionSpecification;
  'circle-stroke-width': ExpressionSpecification;
} {
  const overdue = overdueExpression(nowSeconds);
  return {
    'circle-stroke-color': ['case', overdue, '#000000', '#ffffff'],
    'circle-stroke-width': ['case', overdue, 2, 1],
  };
}

/** One problem per point from z13, coloured by status; overdue ones get a dark ring. */
export function pointsLayer(nowSeconds: number): CircleLayerSpecification {
  return {
    id: LAYER_POINTS,
    type: 'circle',
    source: SOURCE_PROBLEMS,
    'source-layer': 'problems',
    minzoom: POINT_MINZOOM,
    filter: ['has', 'id'],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 13, 4, 17, 8],
      'circle-color': statusColour,
      ...pointRingPaint(nowSeconds),
    },
  };
}

/** Colour of an assessment point by its standing (the legend uses the same table). */
export const STANDING_COLOURS: Record<string, string> = {
  uninspected: '#9aa3ad',
  passed: '#2e9d5b',
  failed: '#e08a1e',
  chronic: '#b3261e',
};

/** Assessment points (测评点位): squares-ish rings coloured by standing, from z11. */
export const assessmentPointsLayer: CircleLayerSpecification = {
  id: LAYER_ASSESSMENT_POINTS,
  type: 'circle',
  source: SOURCE_ASSESSMENT_POINTS,
  'source-layer': 'points',
  minzoom: 11,
  paint: {
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3, 16, 7],
    'circle-color': '#ffffff',
    'circle-stroke-color': [
      'match',
      ['get', 'standing'],
      ...Object.entries(STANDING_COLOURS).flat(),
      '#9aa3ad',
    ] as unknown as string,
    'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 11, 2, 16, 4],
  },
};

export const selectedProblemLayer: CircleLayerSpecification = {
  id: LAYER_SELECTED_PROBLEM,
  type: 'circle',
  source: SOURCE_SELECTED_PROBLEM,
  paint: {
    'circle-radius': 11,
    'circle-color': 'rgba(0,0,0,0)',
    'circle-stroke-color': '#1f4e9a',
    'circle-stroke-width': 3,
  },
};

/** Everything outside a manager's area, greyed out (a world polygon with their regions as holes). */
export const maskLayer: FillLayerSpecification = {
  id: LAYER_MASK,
  type: 'fill',
  source: SOURCE_MASK,
  paint: { 'fill-color': '#56606b', 'fill-opacity': 0.55 },
};

export const maskLineLayer: LineLayerSpecification = {
  id: LAYER_MASK_LINE,
  type: 'line',
  source: SOURCE_MASK,
  paint: { 'line-color': '#1f4e9a', 'line-width': 2.5 },
};

export const draftLayer: CircleLayerSpecification = {
  id: LAYER_DRAFT,
  type: 'circle',
  source: SOURCE_DRAFT,
  paint: { 'circle-radius': 8, 'circle-color': '#1f4e9a', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
};

/** All region layers of one level, fill first, labels last. */
export function regionLayers(level: Level): LayerSpecification[] {
  return [regionFillLayer(level), regionLineLayer(level), regionSelectedLayer(level)];
}
