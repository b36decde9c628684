/**
 * Problem tiles at S or L (issue 15 part 3): the densest z8 / z10 / z12 / z14 tile of the open
 * problems, on the database of `BENCH_DATABASE_URL` as it is (no copy).
 *
 * - route (default): through the HTTP route (`app.inject`) as a bench leader — uncached (a new
 *   `_=` query each call: a new cache key, so the version statement and the tile SQL run),
 *   cached (the same URL again: the version statement and an LRU hit), 304 (If-None-Match);
 * - `READ_ONLY=1`: no bench user (nothing written): the tile query + encoder alone (what an
 *   uncached request runs besides the version statement) and the version statement alone (what
 *   a cached request runs).
 *
 *   BENCH_DATABASE_URL=postgres://…/pm_h15t_s npx tsx bench/problem-tiles.ts
 *   BENCH_DATABASE_URL=postgres://…/pm_bench_l READ_ONLY=1 npx tsx bench/problem-tiles.ts
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { openPostgres } from '../db/index.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { BIN_ZOOM, problemTile, problemTileVersion, type TileAddress } from '../db/queries/tiles.js';
import { encodeTile } from '../domain/tile-encode.js';
import { benchApp, benchUser, describeDb, envNumber, formatTiming, TEMPLATE_URL, time } from './lib.js';

const RUNS = envNumber('RUNS', 30);
const READ_ONLY = process.env.READ_ONLY === '1';

/** The tile of zoom z holding the most open problems (from the maintained bins: no problem scan). */
async function densestTile(db: Kysely<DB>, z: number): Promise<TileAddress & { open: number }> {
  const s = BIN_ZOOM - z;
  const { rows } = await sql<{ x: number; y: number; n: number }>`
    SELECT gx >> ${s}::int AS x, gy >> ${s}::int AS y, sum(n)::int AS n FROM problem_tile_bins
    GROUP BY 1, 2 ORDER BY n DESC LIMIT 1`.execute(db);
  return { z, x: Number(rows[0].x), y: Number(rows[0].y), open: Number(rows[0].n) };
}

const handle = await openPostgres(TEMPLATE_URL, 10);
const c = await describeDb(handle.db);
const load = (await import('node:os')).loadavg().map((v) => v.toFixed(1));
console.log(
  `${TEMPLATE_URL.replace(/^.*\//, '')}: ${c.blocks} blocks, ${c.problems} problems (${c.open} open); load ${load.join(' ')}; ${RUNS} runs`,
);
const app = READ_ONLY ? null : await benchApp(handle, TEMPLATE_URL);
const headers = READ_ONLY ? {} : { authorization: `Bearer ${(await benchUser(handle.db, 'leader')).token}` };

const table: string[] = [];
let bust = 0;
for (const z of [8, 10, 12, 14]) {
  const t = await densestTile(handle.db, z);
  const base = `/tiles/problems/${t.z}/${t.x}/${t.y}.mvt`;
  const tile = async () => {
    const out = await problemTile(handle.db, t, { scope: FULL_SCOPE, filters: {} }, 'sql');
    return Buffer.isBuffer(out) ? out : encodeTile([{ name: 'problems', features: out }]);
  };
  const bytes = (await tile()).length;
  const sqlOnly = await time(tile, RUNS);
  const version = await time(() => problemTileVersion(handle.db, t), RUNS);
  const head = `z${z} ${t.x}/${t.y} (${t.open} open under it, ${(bytes / 1024).toFixed(1)} KB)`;
  console.log(`\n${head}`);
  console.log(`  tile SQL + encode       ${formatTiming(sqlOnly)}`);
  console.log(`  version statement       ${formatTiming(version)}`);
  const row = [head, formatTiming(sqlOnly), formatTiming(version)];
  if (app) {
    let etag = '';
    const get = async (url: string, extra: Record<string, string> = {}, expect = 200) => {
      const res = await app.inject({ url, headers: { ...headers, ...extra } });
      if (res.statusCode !== expect) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
      etag = (res.headers.etag as string) ?? etag;
    };
    const uncached = await time(() => get(`${base}?_=${++bust}`), RUNS);
    await get(base);
    const cached = await time(() => get(base), RUNS);
    const revalidate = await time(() => get(base, { 'if-none-match': etag }, 304), RUNS);
    console.log(`  route uncached          ${formatTiming(uncached)}`);
    console.log(`  route cached            ${formatTiming(cached)}`);
    console.log(`  route 304               ${formatTiming(revalidate)}`);
    row.push(formatTiming(uncached), formatTiming(cached), formatTiming(revalidate));
  }
  table.push(`| ${row.join(' | ')} |`);
}
console.log('\n' + table.join('\n'));
await app?.close();
await handle.close();
