/**
 * Geometry helpers for the manager view, pure (GeoJSON in, GeoJSON out; inputs never mutated).
 * The mask is one polygon covering the Web-Mercator world with each scope polygon's outer ring
 * as a hole, so a single fill layer greys out everything outside the manager's area.
 */
import { bbox } from '@turf/bbox';

type Position = number[];
type Ring = Position[];

/** Twice the signed area of a closed ring in degrees² (positive = counter-clockwise). */
export function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return sum;
}

function outerRings(geometry: GeoJSON.Geometry | null): Ring[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates.length ? [geometry.coordinates[0]] : [];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.filter((p) => p.length).map((p) => p[0]);
  if (geometry.type === 'GeometryCollection') return geometry.geometries.flatMap(outerRings);
  return [];
}

/** Web-Mercator's latitude limit, degrees. */
const MAX_LAT = 85;

/**
 * World polygon (lon −180…180, lat ±85°) with every feature's outer ring cut out. Rings are
 * wound opposite to the shell (right-hand rule: shell counter-clockwise, holes clockwise) so
 * MapLibre's ring classification treats them as holes.
 */
export function maskOutside(features: readonly GeoJSON.Feature[]): GeoJSON.Feature<GeoJSON.Polygon> {
  const shell: Ring = [
    [-180, -MAX_LAT],
    [180, -MAX_LAT],
    [180, MAX_LAT],
    [-180, MAX_LAT],
    [-180, -MAX_LAT],
  ];
  const holes = features
    .flatMap((f) => outerRings(f.geometry))
    .map((ring) => {
      const copy = ring.map((p) => [p[0], p[1]]);
      return signedArea(copy) > 0 ? copy.reverse() : copy;
    });
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [shell, ...holes] } };
}

/** [minLon, minLat, maxLon, maxLat] over every coordinate of the features (@turf/bbox), or null when there is none. */
export function bboxOf(features: readonly GeoJSON.Feature[]): [number, number, number, number] | null {
  const [minX, minY, maxX, maxY] = bbox({ type: 'FeatureCollection', features: [...features] });
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null;
}
