import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, createWorld, MANAGER_BLOCK } from '../../helpers/world.js';
import { placeProblems } from '../../fixtures/hotspots/points.js';

/*
 * Gi* puts each problem in one hexagon of ST_HexagonGrid. The route finds the cell by arithmetic;
 * here the reference is PostGIS's geometry: the hexagons ST_HexagonGrid lays over the point, kept
 * when ST_Intersects holds, the lowest (i, j) first. The points are the hard ones: every vertex and
 * every edge midpoint of the 200 m hexagons around the manager's block (even and odd columns),
 * stored in WGS84 so they come back within rounding of the edge, plus their centres and
 * scattered interior points (a fixed linear congruential sequence, seed 20261202).
 */
const CELL_M = 200;
const UTM = 32649;

describe.each(BACKENDS)('Gi* cells on $name', (backend) => {
  const ctx = useApp(backend, { world: false });
  let reference: Map<string, number>;
  let placed = 0;

  beforeAll(async () => {
    ctx.world = await createWorld(ctx.handle.db);
    const [lon, lat] = centre(MANAGER_BLOCK);
    const { rows: corners } = await sql<{ lon: number; lat: number }>`
      WITH here AS (SELECT ST_Transform(ST_SetSRID(ST_Point(${lon}, ${lat}), 4326), ${UTM}::int) AS g),
      home AS (
        SELECT h.i, h.j FROM here, ST_HexagonGrid(${CELL_M}::float8, here.g) h
        WHERE ST_Intersects(h.geom, here.g) ORDER BY h.i, h.j LIMIT 1
      ),
      cells AS (
        SELECT ST_SetSRID(ST_Hexagon(${CELL_M}::float8, home.i + di, home.j + dj), ${UTM}::int) AS hex
        FROM home, generate_series(-2, 2) di, generate_series(-2, 2) dj
      ),
      vertices AS (
        SELECT d.path[2] AS k, d.geom AS v, c.hex FROM cells c, ST_DumpPoints(c.hex) d
      ),
      points AS (
        SELECT v AS p FROM vertices
        UNION ALL
        SELECT ST_SetSRID(ST_Point((ST_X(a.v) + ST_X(b.v)) / 2, (ST_Y(a.v) + ST_Y(b.v)) / 2), ${UTM}::int)
        FROM vertices a JOIN vertices b ON b.hex = a.hex AND b.k = a.k + 1
        UNION ALL
        SELECT ST_Centroid(hex) FROM cells
      )
      SELECT ST_X(ST_Transform(p, 4326)) AS lon, ST_Y(ST_Transform(p, 4326)) AS lat FROM points`.execute(ctx.handle.db);
    // Scattered points over the same ±2.5 cells (≈ ±750 m by ±900 m), seed recorded above.
    let seed = 20261202;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const scattered = Array.from({ length: 300 }, () => [lon + (next() - 0.5) * 0.016, lat + (next() - 0.5) * 0.016]);
    const at = [...corners.map((c) => [c.lon, c.lat]), ...scattered] as [number, number][];
    placed = at.length;
    await placeProblems(
      ctx.handle.db,
      at.map((p) => ({ at: p, block: MANAGER_BLOCK, category: '06010' })),
    );
    const { rows } = await sql<{ cell: string; n: number }>`
      SELECT a.i || ',' || a.j AS cell, count(*)::int AS n
      FROM (
        SELECT DISTINCT ON (p.id) p.id, h.i, h.j
        FROM problems p CROSS JOIN LATERAL ST_HexagonGrid(${CELL_M}::float8, ST_Transform(p.geom, ${UTM}::int)) h
        WHERE ST_Intersects(h.geom, ST_Transform(p.geom, ${UTM}::int))
        ORDER BY p.id, h.i, h.j
      ) a
      GROUP BY a.i, a.j`.execute(ctx.handle.db);
    reference = new Map(rows.map((r) => [r.cell, r.n]));
  });

  it("counts every problem in the hexagon PostGIS's own geometry gives it, edges and corners included", async () => {
    // 25 hexagons × (7 ring points + 6 midpoints + 1 centre) + 300 scattered.
    expect(placed).toBe(25 * 14 + 300);
    expect([...reference.values()].reduce((a, b) => a + b, 0)).toBe(placed);
    const res = await ctx.app.inject({
      url: `/api/hotspots?method=gistar&cell_m=${CELL_M}`,
      headers: auth(ctx.world.tokens.leader),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: placed, srid: UTM });
    const counted = new Map<string, number>(
      body.features
        .filter((f: { properties: { count: number } }) => f.properties.count > 0)
        .map((f: { id: string; properties: { count: number } }) => [f.id, f.properties.count]),
    );
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(reference));
  });
});
