/**
 * Coordinate systems at the edge. Everything inside the system is WGS84 / CGCS2000 (EPSG:4326);
 * input from Chinese phone apps and web maps arrives in GCJ-02 (Amap, Tencent) or BD-09 (Baidu)
 * and is converted here, once, with `gcoord` (the maintained converter), before it reaches SQL.
 */
import * as gcoordModule from 'gcoord';

// gcoord ships CommonJS (`module.exports = api`) but types it as `export default api`. Node's ESM
// interop puts the api at `default`; TypeScript (NodeNext, CommonJS types) believes it is at
// `default.default`. Take whichever exists, typed as the api.
type GcoordApi = typeof gcoordModule.default.default;
const interop = gcoordModule.default as unknown as { default?: GcoordApi } & GcoordApi;
const gcoord: GcoordApi = interop.default ?? interop;

/** The coordinate systems an API caller may declare. */
export const INPUT_CRS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
export type InputCrs = (typeof INPUT_CRS)[number];

/**
 * Converts a position in `crs` to WGS84 [lon, lat] (degrees). CGCS2000 coincides with WGS84 at
 * map accuracy (differences are centimetres), so it passes through unchanged. gcoord leaves points
 * outside China untouched for GCJ-02 (the offset is only applied inside China, as the apps do).
 * Never mutates its input; returns a new array.
 */
export function toWgs84(lon: number, lat: number, crs: InputCrs = 'wgs84'): [number, number] {
  switch (crs) {
    case 'wgs84':
    case 'cgcs2000':
      return [lon, lat];
    case 'gcj02': {
      const [x, y] = gcoord.transform([lon, lat], gcoord.GCJ02, gcoord.WGS84);
      return [x, y];
    }
    case 'bd09': {
      const [x, y] = gcoord.transform([lon, lat], gcoord.BD09, gcoord.WGS84);
      return [x, y];
    }
  }
}

/**
 * Why a coordinate pair cannot be a point in China, or null when it can.
 * Inside China every latitude (18–54° N) is smaller than every longitude (73–135° E), so a pair
 * with lon < lat whose swapped values would both be valid was almost certainly entered as
 * (lat, lon): it is refused with that reason rather than stored somewhere in the ocean.
 */
export function coordinateProblem(lon: number, lat: number): string | null {
  if (!Number.isFinite(lon)) return 'longitude is not a number';
  if (!Number.isFinite(lat)) return 'latitude is not a number';
  if (lon < lat && Math.abs(lon) <= 90 && Math.abs(lat) <= 180 && lon > 0) {
    return `latitude and longitude look swapped (lon ${lon} < lat ${lat}); give longitude first`;
  }
  if (lon < -180 || lon > 180) return `longitude ${lon} is outside -180..180`;
  if (lat < -90 || lat > 90) return `latitude ${lat} is outside -90..90`;
  return null;
}
