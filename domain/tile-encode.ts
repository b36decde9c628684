/**
 * The JS vector-tile encoder, for databases without `ST_AsMVT` (PGlite's PostGIS has no
 * protobuf-c). The database has already selected, clipped, simplified and moved the features to
 * tile coordinates (integers, y down, extent 4096); this only builds the protobuf, with Mapbox's
 * vt-pbf (`fromGeojsonVt`, which takes geojson-vt's tile shape: type 1/2/3, rings of [x, y], tags).
 */
import { createRequire } from 'node:module';

/** geojson-vt's feature shape, as vt-pbf's `fromGeojsonVt` reads it. */
interface VtFeature {
  id?: number;
  /** 1 point, 2 line, 3 polygon. */
  type: 1 | 2 | 3;
  /** Points: the list of points; lines and polygons: the list of rings (polygon rings closed). */
  geometry: number[][] | number[][][];
  tags: Record<string, string | number | boolean | null>;
}

interface VtPbf {
  fromGeojsonVt(
    layers: Record<string, { features: VtFeature[] }>,
    options?: { version?: number; extent?: number },
  ): Uint8Array;
}

// vt-pbf ships CommonJS without type declarations: load it through require and type the one call used.
const vtpbf = createRequire(import.meta.url)('vt-pbf') as VtPbf;

export type Position = [number, number];

/** A GeoJSON geometry in tile coordinates (what `ST_AsGeoJSON` of the transformed geometry gives). */
export type TileGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }
  | { type: 'GeometryCollection'; geometries: TileGeometry[] };

export interface TileFeature {
  /** MVT feature id (unsigned integer). */
  id?: number;
  properties: Record<string, string | number | boolean | null>;
  geometry: TileGeometry;
}

export interface TileLayer {
  name: string;
  features: TileFeature[];
}

/** Twice the signed area of a ring by the surveyor's formula, in tile coordinates (y down). */
function ringArea(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    sum += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return sum;
}

/**
 * MVT 2.1 §4.3.4.4: an exterior ring has positive area in tile coordinates (clockwise on screen),
 * interior rings negative. PostGIS's output is either way round, so set it here. Rings that
 * collapsed to no area (after snapping to the integer grid) are dropped; so is a polygon whose
 * exterior collapsed.
 */
function orientPolygon(rings: readonly Position[][]): Position[][] {
  const drawable = (ring: readonly Position[]) => ring.length >= 4 && ringArea(ring) !== 0;
  if (rings.length === 0 || !drawable(rings[0])) return []; // the exterior collapsed: nothing to draw
  return rings
    .filter(drawable)
    .map((ring, k) => (ringArea(ring) > 0 === (k === 0) ? ring.slice() : ring.slice().reverse()));
}

/** One tile feature → zero or more vt features (a collection splits by type). */
function toVt(geometry: TileGeometry, id: number | undefined, tags: VtFeature['tags']): VtFeature[] {
  switch (geometry.type) {
    case 'Point':
      return [{ id, type: 1, geometry: [geometry.coordinates], tags }];
    case 'MultiPoint':
      return geometry.coordinates.length ? [{ id, type: 1, geometry: geometry.coordinates, tags }] : [];
    case 'LineString':
      return geometry.coordinates.length > 1 ? [{ id, type: 2, geometry: [geometry.coordinates], tags }] : [];
    case 'MultiLineString': {
      const lines = geometry.coordinates.filter((l) => l.length > 1);
      return lines.length ? [{ id, type: 2, geometry: lines, tags }] : [];
    }
    case 'Polygon': {
      const rings = orientPolygon(geometry.coordinates);
      return rings.length ? [{ id, type: 3, geometry: rings, tags }] : [];
    }
    case 'MultiPolygon': {
      const rings = geometry.coordinates.flatMap((p) => orientPolygon(p));
      return rings.length ? [{ id, type: 3, geometry: rings, tags }] : [];
    }
    case 'GeometryCollection':
      return geometry.geometries.flatMap((g) => toVt(g, id, tags));
  }
}

/**
 * Encodes layers of tile-coordinate features as an MVT (spec version 2). Returns an empty buffer
 * when no layer has a feature (the route answers 204 then). Does not mutate its input.
 */
export function encodeTile(layers: readonly TileLayer[], extent = 4096): Buffer {
  const map: Record<string, { features: VtFeature[] }> = {};
  for (const layer of layers) {
    const features = layer.features.flatMap((f) => toVt(f.geometry, f.id, { ...f.properties }));
    if (features.length > 0) map[layer.name] = { features };
  }
  if (Object.keys(map).length === 0) return Buffer.alloc(0);
  const bytes = vtpbf.fromGeojsonVt(map, { version: 2, extent });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
