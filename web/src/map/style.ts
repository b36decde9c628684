/**
 * The map's style: offline by default (plain background, no external request at all), Tianditu
 * vector + labels when the server has a key, or any XYZ raster. No `glyphs` URL is set, so
 * MapLibre draws every label glyph locally with the browser's fonts: labels render with no
 * network and no glyph server (checked by test/e2e/county-view.test.ts).
 */
import type { StyleSpecification, LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { Meta } from '../api.js';
import { SOURCE_BASEMAP, SOURCE_BASEMAP_LABELS, tiandituSource, xyzSource } from './sources.js';
import { backgroundLayer, basemapLabelsLayer, basemapLayer } from './layers.js';

export type BasemapKind = 'offline' | 'tianditu' | 'xyz';

export function basemapKind(meta: Pick<Meta, 'basemap'>): BasemapKind {
  if (meta.basemap.tianditu_key) return 'tianditu';
  if (meta.basemap.url) return 'xyz';
  return 'offline';
}

/** The base style: background and, when configured, the raster basemap. Data layers are added on load. */
export function baseStyle(meta: Pick<Meta, 'basemap'>): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {};
  const layers: LayerSpecification[] = [backgroundLayer];
  const kind = basemapKind(meta);
  if (kind === 'tianditu') {
    sources[SOURCE_BASEMAP] = tiandituSource('vec', meta.basemap.tianditu_key!);
    sources[SOURCE_BASEMAP_LABELS] = tiandituSource('cva', meta.basemap.tianditu_key!);
    layers.push(basemapLayer, basemapLabelsLayer);
  } else if (kind === 'xyz') {
    sources[SOURCE_BASEMAP] = xyzSource(meta.basemap.url!);
    layers.push(basemapLayer);
  }
  return { version: 8, sources, layers };
}
