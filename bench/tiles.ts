/**
 * Vector tile latency on PostgreSQL with the demo county: the densest z12 and z15 tiles of each
 * layer, through the HTTP route (`app.inject`, no socket):
 *
 * - first: the first request after the app starts (database buffers warm from loading, tile cache empty);
 * - uncached: data_version bumped before every request, so the ETag is new and the tile is
 *   selected and encoded again (what the first viewer after any write pays);
 * - cached: the same ETag again (in-memory tile cache, body sent);
 * - 304: the browser revalidating with If-None-Match.
 *
 * Plus the query alone with each encoder (ST_AsMVT vs the JS path PGlite uses).
 *
 *   npx tsx bench/tiles.ts
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench_d2 PROBLEMS=20000 npx tsx bench/tiles.ts
 *
 * The first run creates the database, migrates it and loads the demo county (db/seed/load.ts).
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { openPostgres } from '../db/index.js';
import type { DB } from '../db/types.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { problemTile, regionTile, type TileAddress, type TileEncoder } from '../db/queries/tiles.js';
import { encodeTile } from '../server/tiles/encode.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

const PROBLEMS = Number(process.env.PROBLEMS ?? 20_000);
const URL_ = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/pm_bench_d2_${PROBLEMS}`;
const RUNS = Number(process.env.RUNS ?? 30);

export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  await admin.end();
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(1)} ms · p95 ${q(0.95).toFixed(1)} ms · min ${s[0].toFixed(1)} ms (${s.length} runs)`;
}

async function time(fn: () => Promise<unknown>, runs = RUNS, before?: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (before) await before();
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** The tile of zoom z holding the most problems (by their Web Mercator position). */
async function densestTile(db: Kysely<DB>, z: number): Promise<TileAddress & { problems: number }> {
  const { rows } = await sql<{ x: number; y: number; n: number }>`
    WITH m AS (SELECT ST_Transform(geom, 3857) AS g FROM problems), s AS (SELECT 40075016.68557849 / 2 ^ ${z}::int AS size)
    SELECT floor((ST_X(g) + 20037508.342789244) / s.size)::int AS x, floor((20037508.342789244 - ST_Y(g)) / s.size)::int AS y, count(*)::int AS n
    FROM m, s GROUP BY 1, 2 ORDER BY n DESC LIMIT 1`.execute(db);
  return { z, x: rows[0].x, y: rows[0].y, problems: rows[0].n };
}

await ensureDatabase(URL_);
const handle = await openPostgres(URL_);
await migrateToLatest(handle.db);
if (!(await isDemoLoaded(handle.db))) {
  console.log(`loading the demo county with ${PROBLEMS} problems (first run only)…`);
  await loadDemo(handle.db, { problems: PROBLEMS, log: (m) => console.log(`  ${m}`) });
}
await sql`ANALYZE`.execute(handle.db);
const counts = await sql<{ blocks: number; problems: number; open: number }>`
  SELECT (SELECT count(*) FROM regions WHERE level = 'block') AS blocks, (SELECT count(*) FROM problems) AS problems,
         (SELECT count(*) FROM problems WHERE status NOT IN ('closed', 'voided')) AS open`.execute(handle.db);
const version = await sql<{ v: string }>`SELECT split_part(version(), ' ', 2) AS v`.execute(handle.db);
console.log(`PostgreSQL ${version.rows[0].v}, ST_AsMVT ${handle.hasMvt ? 'available' : 'missing'}: ${counts.rows[0].blocks} blocks, ${counts.rows[0].problems} problems (${counts.rows[0].open} open)`);

const token = `bench-tiles-${Date.now()}`;
const user = await handle.db
  .insertInto('users')
  .values({ username: token, display_name: '基准', role: 'leader', scope: [], password_hash: '!no-login' })
  .returning('id')
  .executeTakeFirstOrThrow();
await handle.db.insertInto('api_tokens').values({ user_id: user.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 3_600_000) }).execute();

const app = await buildApp({ config: { ...loadConfig({ DEMO: '0' }), databaseUrl: URL_, logLevel: 'warn' }, db: handle, ownsDb: false, logger: false });
const headers = { authorization: `Bearer ${token}` };
const bump = () => sql`UPDATE data_version SET problems = problems + 1, regions = regions + 1`.execute(handle.db);

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
    const first = await time(() => get(), 1);
    const uncached = await time(() => get(), RUNS, bump);
    const cached = await time(() => get(), RUNS);
    const revalidate = await time(() => get({ 'if-none-match': etag }, 304), RUNS);
    console.log(`\n${url} (densest z${z} tile: ${t.problems} problems, ${(bytes / 1024).toFixed(1)} KB)`);
    console.log(`  first request  ${first[0].toFixed(1)} ms`);
    console.log(`  uncached       ${summary(uncached)}`);
    console.log(`  cached         ${summary(cached)}`);
    console.log(`  304            ${summary(revalidate)}`);
    for (const enc of ['sql', 'js'] as TileEncoder[]) {
      if (enc === 'sql' && !handle.hasMvt) continue;
      const runs = await time(async () => {
        const out = layer === 'regions' ? await regionTile(handle.db, t, { scope: FULL_SCOPE }, enc) : await problemTile(handle.db, t, { scope: FULL_SCOPE, filters: {} }, enc);
        return Buffer.isBuffer(out) ? out : encodeTile([{ name: layer, features: out }]);
      });
      console.log(`  query+encode ${enc === 'sql' ? 'ST_AsMVT ' : 'JS vt-pbf'} ${summary(runs)}`);
    }
  }
}

await handle.db.deleteFrom('api_tokens').where('user_id', '=', user.id).execute();
await handle.db.deleteFrom('users').where('id', '=', user.id).execute();
await app.close();
await handle.close();
