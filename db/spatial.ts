/**
 * Typed spatial SQL helpers. SRIDs are named; values are always bound parameters; geometry leaves
 * the database only as GeoJSON or MVT.
 */
import { sql, type RawBuilder } from 'kysely';

/** WGS84 / CGCS2000 at map accuracy: every stored geometry. */
export const WGS84 = 4326;
/** Web Mercator: tiles. */
export const WEB_MERCATOR = 3857;

/** A WGS84 point from bound lon/lat (degrees). */
export function pointSql(lon: number, lat: number): RawBuilder<unknown> {
  return sql`ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), ${sql.lit(WGS84)})`;
}

/** A WGS84 envelope from [minLon, minLat, maxLon, maxLat] (degrees). */
export function envelopeSql(b: readonly [number, number, number, number]): RawBuilder<unknown> {
  return sql`ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8, ${b[2]}::float8, ${b[3]}::float8, ${sql.lit(WGS84)})`;
}

/** GeoJSON geometry object of a column, `decimals` digits (7 ≈ 1 cm). */
export function asGeoJsonSql(column: string, decimals = 7): RawBuilder<unknown> {
  return sql`ST_AsGeoJSON(${sql.ref(column)}, ${sql.lit(decimals)})::json`;
}

/** Longitude / latitude of a point column. */
export const lonSql = (column: string) => sql<number>`ST_X(${sql.ref(column)})`;
export const latSql = (column: string) => sql<number>`ST_Y(${sql.ref(column)})`;

/**
 * True when two WGS84 geometries are within `metres` of each other. Geography, because degrees
 * are not metres (at 28° N one degree of longitude is ~98 km, of latitude ~111 km).
 */
export function withinMetresSql(a: RawBuilder<unknown>, b: RawBuilder<unknown>, metres: number): RawBuilder<boolean> {
  return sql<boolean>`ST_DWithin(${a}::geography, ${b}::geography, ${metres}::float8)`;
}
