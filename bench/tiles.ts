/**
 * Vector tile latency on PostgreSQL with the demo county: the densest z12 and z15 tiles of each
 * layer, through the HTTP route (`app.inject`, no socket):
 *
 * - first: the first request after the app starts (database buffers warm from ANALYZE, tile cache empty);
 * - uncached: data_version bumped before every request, so the ETag is new and the tile is
 *   selected and encoded again (what the first viewer after any write pays);
 * - cached: the same ETag again (in-memory tile cache, body sent);
 * - 304: the browser revalidating with If-None-Match.
 *
 * Plus the query alone with each encoder (ST_AsMVT vs the JS path PGlite uses).
 *
 *   npm run bench -- tiles
 *   RUNS=100 npx tsx bench/tiles.ts
 *
 * Runs on a copy of the demo template (bench/lib.ts): the data_version bumps stay in the copy.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { problemTile, regionTile, type TileAddress, type TileEncoder } from '../db/queries/tiles.js';
import { encodeTile } from '../domain/tile-encode.js';
import { benchApp, benchUser, describeDb, envNumber, figure, formatTiming, ms, openDemoCopy, time } from './lib.js';

const RUNS = envNumber('RUNS', 30);

/** The tile of zoom z holding the most problems (by their Web Mercator position). */
async function densestTile(db: Kysely<DB>, z: number): Promise<TileAddress & { problems: number }> {
  const { rows } = await sql<{ x: number; y: number; n: number }>`
    WITH m AS (SELECT ST_Transform(geom, 3857) AS g FROM problems), s AS (SELECT 40075016.68557849 / 2 ^ ${z}::int AS size)
    SELECT floor((ST_X(g) + 20037508.342789244) / s.size)::int AS x, floor((20037508.342789244 - ST_Y(g)) / s.size)::int AS y, count(*)::int AS n
    FROM m, s GROUP BY 1, 2 ORDER BY n DESC LIMIT 1`.execute(db);
  return { z, x: rows[0].x, y: rows[0].y, problems: rows[0].n };
}

const bench = await openDemoCopy();
const { handle } = bench;
const c = await describeDb(handle.db);
console.log(
  `PostgreSQL ${c.version}, ST_AsMVT ${handle.hasMvt ? 'available' : 'missing'}: ${c.blocks} blocks, ${c.problems} problems (${c.open} open)`,
);

const { token } = await benchUser(handle.db, 'leader');
const app = await benchApp(handle, bench.url);
const headers = { authorization: `Bearer ${token}` };
const bump = () => sql`UPDATE data_version SET problems = problems + 1, regions = regions + 1`.execute(handle.db);
const figures: [string, string][] = [];

for (const z of [12, 15]) {
  const t = await densestTile(handle.db, z);
  for (const layer of ['problems', 'regions'] as const) {
    const url = `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;
    let bytes = 0;
    let etag = '';
    const get = async (extra: Record<string, string> = {}, expect = 200) => {
      const res = await app.inject({ url, headers: { ...headers, ...extra } });
      if (res.statusCode !== expect) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
      bytes = res.rawPayload.length || bytes;
      etag = (res.headers.etag as string) ?? etag;
    };
    // No warm-up: "first" is the cold request, "uncached" misses the cache on every call by design.
    const first = await time(() => get(), 1, { warmup: 0 });
    const uncached = await time(() => get(), RUNS, { warmup: 0, before: bump });
    const cached = await time(() => get(), RUNS, { warmup: 0 });
    const revalidate = await time(() => get({ 'if-none-match': etag }, 304), RUNS, { warmup: 0 });
    console.log(`\n${url} (densest z${z} tile: ${t.problems} problems, ${(bytes / 1024).toFixed(1)} KB)`);
    console.log(`  first request  ${ms(first.min)}`);
    console.log(`  uncached       ${formatTiming(uncached)}`);
    console.log(`  cached         ${formatTiming(cached)}`);
    console.log(`  304            ${formatTiming(revalidate)}`);
    figures.push([
      `tile ${layer} z${z} densest (${t.problems} problems, ${(bytes / 1024).toFixed(1)} KB) uncached`,
      formatTiming(uncached),
    ]);
    figures.push([`tile ${layer} z${z} densest, cached`, formatTiming(cached)]);
    for (const enc of ['sql', 'js'] as TileEncoder[]) {
      if (enc === 'sql' && !handle.hasMvt) continue;
      const runs = await time(
        async () => {
          const out =
            layer === 'regions'
              ? await regionTile(handle.db, t, { scope: FULL_SCOPE }, enc)
              : await problemTile(handle.db, t, { scope: FULL_SCOPE, filters: {} }, enc);
          return Buffer.isBuffer(out) ? out : encodeTile([{ name: layer, features: out }]);
        },
        RUNS,
        { warmup: 0 },
      );
      console.log(`  query+encode ${enc === 'sql' ? 'ST_AsMVT ' : 'JS vt-pbf'} ${formatTiming(runs)}`);
    }
  }
}

await app.close();
await bench.dispose();

for (const [name, value] of figures) figure(name, value);
