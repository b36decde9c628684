/**
 * Synthetic assessment points for the demo county: markets, toilets, bus stops, schools, alleys …
 * in the synthetic blocks of each street, more in the urban 街道 than in the towns, all flagged
 * `synthetic` like the blocks. One set-based INSERT: each (street, type) takes its blocks in a
 * seeded order (md5 of seed, type and block code) and places one point in each with
 * ST_GeneratePoints(geom, 1, seed), so the same seed gives the same points on both backends.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';

/** Points per street of each type: [urban 街道, town or township]. */
export const DEMO_POINTS_PER_STREET: Readonly<Record<string, [number, number]>> = {
  MAIN_ROAD: [4, 1],
  COMMERCIAL_STREET: [2, 0],
  BACK_ALLEY: [6, 2],
  INTERSECTION: [3, 1],
  RESIDENTIAL: [5, 1],
  OLD_COMMUNITY: [3, 1],
  URBAN_VILLAGE: [1, 1],
  FARMERS_MARKET: [2, 1],
  SMALL_CATERING: [5, 2],
  PUBLIC_TOILET: [4, 2],
  WASTE_STATION: [1, 1],
  CONSTRUCTION_SITE: [2, 1],
  BUS_STOP: [6, 2],
  TRANSPORT_HUB: [1, 0],
  SQUARE_PARK: [2, 1],
  SCHOOL_AREA: [3, 2],
  HOSPITAL: [2, 1],
  SERVICE_HALL: [1, 1],
  MALL_HOTEL: [2, 0],
  PUBLIC_VENUE: [2, 1],
  CULTURE_VENUE: [1, 1],
  COMMUNITY_OFFICE: [2, 1],
  WATERWAY: [1, 1],
};

/** How a synthetic point is named: {c} is its community's name, {n} its number in the street. */
const NAME_PATTERN: Readonly<Record<string, string>> = {
  MAIN_ROAD: '{c}主干道{n}段',
  COMMERCIAL_STREET: '{c}商业街',
  BACK_ALLEY: '{c}{n}号巷',
  INTERSECTION: '{c}路口{n}',
  RESIDENTIAL: '{c}{n}号小区',
  OLD_COMMUNITY: '{c}老旧小区{n}',
  URBAN_VILLAGE: '{c}城中村',
  FARMERS_MARKET: '{c}农贸市场',
  SMALL_CATERING: '{c}小餐饮{n}号',
  PUBLIC_TOILET: '{c}公厕{n}号',
  WASTE_STATION: '{c}垃圾转运站',
  CONSTRUCTION_SITE: '{c}建筑工地{n}',
  BUS_STOP: '{c}公交站{n}',
  TRANSPORT_HUB: '{c}汽车站',
  SQUARE_PARK: '{c}广场公园{n}',
  SCHOOL_AREA: '{c}学校{n}',
  HOSPITAL: '{c}卫生服务中心',
  SERVICE_HALL: '{c}政务服务大厅',
  MALL_HOTEL: '{c}商场{n}',
  PUBLIC_VENUE: '{c}网吧KTV{n}',
  CULTURE_VENUE: '{c}新时代文明实践站',
  COMMUNITY_OFFICE: '{c}社区居委会',
  WATERWAY: '{c}河道沿岸',
};

/** Loads the demo points into the loaded synthetic blocks of `county`; returns how many. */
export async function loadDemoPoints(
  db: Kysely<DB>,
  county: string,
  urbanStreets: ReadonlySet<string>,
  seed: number,
): Promise<number> {
  const types = Object.keys(DEMO_POINTS_PER_STREET);
  const { rows } = await sql<{ n: number }>`
    WITH spec AS (
      SELECT * FROM unnest(${types}::text[], ${types.map((t) => DEMO_POINTS_PER_STREET[t][0])}::int[],
                           ${types.map((t) => DEMO_POINTS_PER_STREET[t][1])}::int[], ${types.map((t) => NAME_PATTERN[t])}::text[])
        AS s(type_code, urban, town, pattern)
    ), blocks AS (
      SELECT b.code, b.geom, left(b.code, 9) AS street, c.name AS community
      FROM regions b JOIN regions c ON c.code = b.parent_code
      WHERE b.level = 'block' AND b.synthetic AND b.code LIKE ${county + '%'}
    ), ranked AS (
      SELECT spec.type_code, spec.pattern, bl.code, bl.geom, bl.community,
             row_number() OVER (PARTITION BY spec.type_code, bl.street ORDER BY md5(${String(seed)} || spec.type_code || bl.code)) AS k,
             -- A point's own seed (28 bits of the same md5): two types in one block do not coincide.
             ('x' || left(md5(${String(seed)} || spec.type_code || bl.code), 7))::bit(28)::int AS pseed,
             CASE WHEN bl.street = ANY (${[...urbanStreets]}::text[]) THEN spec.urban ELSE spec.town END AS wanted
      FROM spec CROSS JOIN blocks bl
    ), ins AS (
      INSERT INTO points (ref, type_code, name, geom, region_code, synthetic)
      SELECT 'DEMO-' || r.code || '-' || r.type_code, r.type_code,
             replace(replace(r.pattern, '{c}', r.community), '{n}', r.k::text),
             ST_GeometryN(ST_GeneratePoints(r.geom, 1, r.pseed), 1), r.code, true
      FROM ranked r WHERE r.k <= r.wanted
      ORDER BY r.code, r.type_code
      RETURNING 1
    ) SELECT count(*)::int AS n FROM ins`.execute(db);
  await sql`UPDATE data_version SET points = points + 1`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
