/**
 * Typed spatial SQL helpers. SRIDs are named; values are always bound parameters; geometry leaves
 * the database only as GeoJSON or MVT.
 */
import { sql, type RawBuilder } from 'kysely';

/** WGS84 / CGCS2000 at map accuracy: every stored geometry. */
export const WGS84 = 4326;
/** Web Mercator: tiles. */
export const WEB_MERCATOR = 3857;

/** A coordinate: a number (bound as a float8 parameter) or an SQL expression (a column, arithmetic). */
export type CoordSql = number | RawBuilder<number>;

const coord = (v: CoordSql) => (typeof v === 'number' ? sql`${v}::float8` : v);

/**
 * A point geometry from x/y (lon/lat degrees for WGS84, metres for Web Mercator): the one place
 * `ST_SetSRID(ST_MakePoint(…))` is written.
 */
export function pointSql(
  x: CoordSql,
  y: CoordSql,
  srid: typeof WGS84 | typeof WEB_MERCATOR = WGS84,
): RawBuilder<unknown> {
  return sql`ST_SetSRID(ST_MakePoint(${coord(x)}, ${coord(y)}), ${sql.lit(srid)})`;
}

/** A WGS84 envelope from [minLon, minLat, maxLon, maxLat] (degrees). */
export function envelopeSql(b: readonly [number, number, number, number]): RawBuilder<unknown> {
  return sql`ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8, ${b[2]}::float8, ${b[3]}::float8, ${sql.lit(WGS84)})`;
}

/** GeoJSON geometry object of a column, `decimals` digits (7 ≈ 1 cm). */
export function asGeoJsonSql(column: string, decimals = 7): RawBuilder<unknown> {
  return sql`ST_AsGeoJSON(${sql.ref(column)}, ${sql.lit(decimals)})::json`;
}
