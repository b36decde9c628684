import type { Map as MapLibreMap } from 'maplibre-gl';

/** Eases the map to `at` [lon, lat], zooming in to at least `minZoom` (never out). */
export function easeCloser(map: MapLibreMap, at: [number, number], minZoom: number): void {
  map.easeTo({ center: at, zoom: Math.max(map.getZoom(), minZoom) });
}
