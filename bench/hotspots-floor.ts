/**
 * Hotspots over all open problems beside their floors, alternating, on an already seeded database
 * that it only reads (so it may run against the L county):
 *
 * - DBSCAN (eps 50 m, 5 points): `runHotspots` (the route's work without HTTP) against the issue's
 *   floor, `ST_ClusterDBSCAN` alone over the same projected points;
 * - Gi* on 500 m hexagons: `runHotspots` against the bare count of the same points per 500 m
 *   square cell (scan, projection, GROUP BY: the least any per-cell count can cost).
 *
 * Floors run with JIT off, as the hotspot statements do. Each line gives the 1-minute load average.
 *
 *   HOTSPOT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench_l ROUNDS=3 npx tsx bench/hotspots-floor.ts
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from '../db/types.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { OPEN_STATUS_SQL } from '../db/queries/filters.js';
import { runHotspots } from '../server/services/hotspots.js';
import { envNumber } from './lib.js';

const url = process.env.HOTSPOT_DATABASE_URL;
if (!url) throw new Error('HOTSPOT_DATABASE_URL must name a seeded database (it is only read)');
const ROUNDS = envNumber('ROUNDS', 3);

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** The UTM zone the hotspot queries pick (mean position of the open problems). */
async function zoneOf(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ srid: number }>`
    SELECT 32600 + (floor((avg(ST_X(geom)) + 180) / 6)::int % 60) + 1 AS srid FROM problems WHERE status IN ${OPEN_STATUS_SQL}`.execute(
    db,
  );
  return rows[0].srid;
}

async function withoutJit(db: Kysely<DB>, query: (db: Kysely<DB>) => Promise<unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL jit = off`.execute(trx);
    const t0 = performance.now();
    await query(trx);
    return performance.now() - t0;
  });
}

// A bare pool, not openPostgres: that one runs CREATE EXTENSION, and this bench only reads.
const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
const srid = await zoneOf(db);
const floors = {
  dbscan: (db: Kysely<DB>) =>
    sql`SELECT count(*) FILTER (WHERE cid IS NULL) AS noise, count(DISTINCT cid) AS clusters
        FROM (SELECT ST_ClusterDBSCAN(ST_Transform(geom, ${srid}::int), 50::float8, 5) OVER () AS cid
              FROM problems WHERE status IN ${OPEN_STATUS_SQL}) s`.execute(db),
  gistar: (db: Kysely<DB>) =>
    sql`SELECT count(*) AS cells FROM (
          SELECT floor(ST_X(g) / 500), floor(ST_Y(g) / 500), count(*)
          FROM (SELECT ST_Transform(geom, ${srid}::int) AS g FROM problems WHERE status IN ${OPEN_STATUS_SQL} OFFSET 0) t
          GROUP BY 1, 2) s`.execute(db),
};
const cases = [
  { label: 'dbscan', q: { method: 'dbscan' as const, eps_m: 50, min_points: 5 } },
  { label: 'gistar', q: { method: 'gistar' as const, cell_m: 500 } },
] as const;

for (let round = 1; round <= ROUNDS; round++) {
  for (const c of cases) {
    const l0 = load();
    const floorMs = await withoutJit(db, floors[c.label]);
    const l1 = load();
    const t0 = performance.now();
    const answer = await runHotspots(db, c.q, FULL_SCOPE);
    const routeMs = performance.now() - t0;
    console.log(
      `round ${round} ${c.label}: floor ${floorMs.toFixed(0)} ms (load ${l0}), runHotspots ${routeMs.toFixed(0)} ms ` +
        `(load ${l1}; ${answer.total} open, ${answer.features.length} features), ratio ${(routeMs / floorMs).toFixed(2)}`,
    );
  }
}
await db.destroy();
