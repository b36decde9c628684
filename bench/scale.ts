/**
 * The scale bench of issue 15: every measure beside its floor (the same work as bare SQL, timed in
 * the same run, interleaved with it) and beside the naive way (every open point as GeoJSON to the
 * browser; block assignment as a Turf point-in-polygon loop in Node), an HTTP load run with
 * autocannon, the PostgreSQL settings of the run, and for each measure off its target an
 * `EXPLAIN (ANALYZE, BUFFERS)` excerpt. Writes bench/results/<date>-<size>.json and .md.
 *
 *   npm run bench -- --size S          # 2,000 blocks / 200,000 problems (template pm_bench_S)
 *   npm run bench -- --size L          # 20,000 blocks / 2,000,000 problems (template pm_bench_L)
 *   BENCH_DATABASE_URL=postgres://…/db npx tsx bench/scale.ts   # an already seeded database
 *
 * Reads only, on the template itself (no copy: at L a copy is minutes of disk I/O); the only
 * writes are version bumps (to force cache misses) and one bench user.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { DB } from '../db/types.js';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { mapNumbers } from '../db/queries/rollups.js';
import { regionCounts } from '../db/queries/stats.js';
import { problemTile, type TileAddress } from '../db/queries/tiles.js';
import { periodsOf } from '../server/routes/stats.js';
import { benchApp, benchUser, dbName, describeDb, ensureDatabase, summarise, type Timing } from './lib.js';

const SIZES = { S: { blocks: 2000, problems: 200_000 }, L: { blocks: 20_000, problems: 2_000_000 } } as const;
const size = (process.env.BENCH_SIZE ?? 'S') as keyof typeof SIZES;
if (!(size in SIZES)) throw new Error(`BENCH_SIZE must be S or L, got ${size}`);
const URL_ = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/pm_bench_${size}`;
const RUNS = Number(process.env.RUNS ?? 20);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 30);

// ---------------------------------------------------------------------------------------------
await ensureDatabase(URL_);
const handle = await openPostgres(URL_, 10);
await migrateToLatest(handle.db);
if (!(await isDemoLoaded(handle.db))) {
  console.log(`seeding ${dbName(URL_)} at size ${size}…`);
  await loadDemo(handle.db, { ...SIZES[size], log: (m) => console.log(`  ${m}`) });
  await sql`ANALYZE`.execute(handle.db);
}
const db = handle.db;
const counts = await describeDb(db);
console.log(`PostgreSQL ${counts.version}: ${counts.blocks} blocks, ${counts.problems} problems (${counts.open} open)`);

// Captures the SQL a query function sends, to EXPLAIN it afterwards.
const capturePool = new pg.Pool({ connectionString: URL_, max: 2 });
let captured: CompiledQuery[] = [];
const capturing = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: capturePool }),
  log: (e) => {
    if (e.level === 'query') captured.push(e.query);
  },
});
async function explain(fn: (k: Kysely<DB>) => Promise<unknown>): Promise<string> {
  captured = [];
  await fn(capturing);
  const q = captured[captured.length - 1];
  if (!q) return '(no statement captured)';
  const { rows } = await capturePool.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters as unknown[]);
  const lines = rows.map((r: Record<string, string>) => r['QUERY PLAN']);
  // The top of the plan and its slowest nodes are what the reader needs.
  return lines.length > 40 ? [...lines.slice(0, 30), '…', ...lines.slice(-4)].join('\n') : lines.join('\n');
}

const settings = (
  await sql<{ name: string; setting: string; unit: string | null }>`
    SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit',
      'max_parallel_workers_per_gather', 'random_page_cost', 'max_connections', 'synchronous_commit', 'maintenance_work_mem')
    ORDER BY name`.execute(db)
).rows.map((r) => `${r.name}=${r.setting}${r.unit ?? ''}`);

const { token } = await benchUser(db, 'leader');
const app = await benchApp(handle, URL_);
const headers = { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' };

interface Measure {
  name: string;
  target: string;
  /** The measure's own p95 (ms) is checked against this, when set. */
  targetP95?: number;
  value: Timing;
  floor?: Timing;
  floorLabel?: string;
  bytes?: number;
  note?: string;
  explain?: string;
}
const measures: Measure[] = [];

/** Times `a` and `b` alternately, `runs` times each (interleaved: both see the same machine). */
async function interleaved(
  a: () => Promise<unknown>,
  b: (() => Promise<unknown>) | null,
  runs: number,
  before?: () => Promise<unknown>,
): Promise<[Timing, Timing | undefined]> {
  const ta: number[] = [];
  const tb: number[] = [];
  await a();
  if (b) await b();
  for (let i = 0; i < runs; i++) {
    if (before) await before();
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    if (b) {
      t = performance.now();
      await b();
      tb.push(performance.now() - t);
    }
  }
  return [summarise(ta), b ? summarise(tb) : undefined];
}

async function inject(url: string, extra: Record<string, string> = {}) {
  const res = await app.inject({ url, headers: { ...headers, ...extra } });
  if (res.statusCode >= 400) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
  return res;
}

// A version row of its own (every county-wide answer sums it): the next request misses the cache.
const bumpRollups = () =>
  sql`INSERT INTO problem_rollup_versions AS v (street_code, version) VALUES ('bench', 1)
      ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1`.execute(db);
const bumpData = () => sql`UPDATE data_version SET problems = problems + 1`.execute(db);
const now = new Date();

// 1. The map's numbers ------------------------------------------------------------------------
{
  const url = '/api/stats/map?level=block&measure=open';
  const mapFloor = () =>
    mapNumbers(db, { level: 'block', parent: null, measure: 'open', filters: {}, now: new Date(), scope: FULL_SCOPE });
  const [uncached, floor] = await interleaved(() => inject(url), mapFloor, RUNS, bumpRollups);
  const res = await inject(url);
  measures.push({
    name: 'map numbers, every block (GET /api/stats/map?level=block&measure=open), uncached',
    target: 'p95 ≤ 25 ms, ≤ 300 KB compressed',
    targetP95: 25,
    value: uncached,
    floor,
    floorLabel: 'the rollup read alone (mapNumbers)',
    bytes: res.rawPayload.length,
  });
  const [cached] = await interleaved(() => inject(url), null, RUNS);
  measures.push({
    name: 'map numbers, every block, cached (same versions)',
    target: 'p95 ≤ 25 ms',
    targetP95: 25,
    value: cached,
    bytes: res.rawPayload.length,
  });
  const etag = res.headers.etag as string;
  const [revalidate] = await interleaved(
    () => app.inject({ url, headers: { ...headers, 'if-none-match': etag } }),
    null,
    RUNS,
  );
  measures.push({
    name: 'map numbers, every block, 304 revalidation',
    target: 'p95 ≤ 25 ms',
    targetP95: 25,
    value: revalidate,
  });

  const overdueUrl = '/api/stats/map?level=block&measure=overdue';
  const [od, odFloor] = await interleaved(
    () => inject(overdueUrl),
    () =>
      mapNumbers(db, {
        level: 'block',
        parent: null,
        measure: 'overdue',
        filters: {},
        now: new Date(),
        scope: FULL_SCOPE,
      }),
    RUNS,
    bumpRollups,
  );
  measures.push({
    name: 'map numbers, overdue per block, uncached',
    target: 'p95 ≤ 25 ms',
    targetP95: 25,
    value: od,
    floor: odFloor,
    floorLabel: 'mapNumbers alone',
  });

  // The full indicator set (all 13 counts × 2 periods + medians) still reads the problems.
  const periods = periodsOf({}, now);
  const full = () =>
    regionCounts(db, {
      level: 'block',
      parent: null,
      ...periods,
      now,
      filters: {},
      problemScope: FULL_SCOPE,
      regionScope: FULL_SCOPE,
    });
  const [statsHttp, statsSql] = await interleaved(
    () => inject('/api/stats/regions?level=block'),
    full,
    Math.max(3, RUNS / 4),
  );
  const statsRes = await inject('/api/stats/regions?level=block');
  measures.push({
    name: 'full indicators, every block (GET /api/stats/regions?level=block) — the previous way',
    target: 'p95 ≤ 25 ms (the map now uses /api/stats/map)',
    targetP95: 25,
    value: statsHttp,
    floor: statsSql,
    floorLabel: 'regionCounts SQL alone',
    bytes: statsRes.rawPayload.length,
    explain: await explain((k) =>
      regionCounts(k, {
        level: 'block',
        parent: null,
        ...periods,
        now,
        filters: {},
        problemScope: FULL_SCOPE,
        regionScope: FULL_SCOPE,
      }),
    ),
  });

  // Category + date filter.
  const cat = (
    await sql<{
      c: string;
    }>`SELECT category_code AS c FROM problem_rollups GROUP BY 1 ORDER BY sum(n) DESC LIMIT 1`.execute(db)
  ).rows[0].c;
  const from = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
  const fUrl = `/api/stats/map?level=block&measure=open&category=${cat}&from=${from}`;
  const [filtered, filteredFloor] = await interleaved(
    () => inject(fUrl),
    () =>
      mapNumbers(db, {
        level: 'block',
        parent: null,
        measure: 'open',
        filters: { category: cat, from },
        now: new Date(),
        scope: FULL_SCOPE,
      }),
    RUNS,
    bumpRollups,
  );
  measures.push({
    name: `map numbers, category ${cat} + from ${from}, uncached`,
    target: 'p95 ≤ 100 ms and ≤ 1.5× its SQL',
    targetP95: 100,
    value: filtered,
    floor: filteredFloor,
    floorLabel: 'mapNumbers alone',
  });

  // The naive way: every open point as GeoJSON.
  const t = performance.now();
  const naive = await sql<{ j: string }>`
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
      'type', 'Feature', 'id', p.id, 'geometry', ST_AsGeoJSON(p.geom, 6)::json,
      'properties', json_build_object('status', p.status, 'category_code', p.category_code, 'region_code', p.region_code,
        'reported_at', p.reported_at, 'due_at', p.due_at, 'description', p.description))), '[]'::json))::text AS j
    FROM problems p WHERE p.status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')`.execute(db);
  const naiveMs = performance.now() - t;
  const raw = Buffer.byteLength(naive.rows[0].j);
  const gz = gzipSync(naive.rows[0].j).length;
  measures.push({
    name: 'naive: every open problem as one GeoJSON (what peers ship to the browser)',
    target: '—',
    value: summarise([naiveMs]),
    bytes: gz,
    note: `${(raw / 1024 / 1024).toFixed(1)} MB raw, ${(gz / 1024 / 1024).toFixed(1)} MB gzip; map numbers answer ${res.rawPayload.length} bytes gzip = ${(gz / res.rawPayload.length).toFixed(0)}× fewer`,
  });
}

// 2. Tiles --------------------------------------------------------------------------------------
async function densestTile(z: number): Promise<TileAddress & { problems: number }> {
  const { rows } = await sql<{ x: number; y: number; n: number }>`
    WITH m AS (SELECT ST_Transform(geom, 3857) AS g FROM problems WHERE status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')),
         s AS (SELECT 40075016.68557849 / 2 ^ ${z}::int AS size)
    SELECT floor((ST_X(g) + 20037508.342789244) / s.size)::int AS x, floor((20037508.342789244 - ST_Y(g)) / s.size)::int AS y, count(*)::int AS n
    FROM m, s GROUP BY 1, 2 ORDER BY n DESC LIMIT 1`.execute(db);
  return { z, x: rows[0].x, y: rows[0].y, problems: rows[0].n };
}
const tileTargets: Record<number, [string, number]> = {
  8: ['≤ 200 ms uncached, ≤ 5 ms cached', 200],
  10: ['≤ 200 ms uncached, ≤ 5 ms cached', 200],
  12: ['p95 ≤ 30 ms', 30],
  14: ['p95 ≤ 10 ms, ≤ 100 KB; cached ≥ 2,500 req/s', 10],
};
const denseZ14 = await densestTile(14);
for (const z of [8, 10, 12, 14]) {
  const t = z === 14 ? denseZ14 : await densestTile(z);
  const url = `/tiles/problems/${t.z}/${t.x}/${t.y}.mvt`;
  const floorFn = (k: Kysely<DB>) =>
    problemTile(k, t, { scope: FULL_SCOPE, filters: {} }, handle.hasMvt ? 'sql' : 'js');
  const [uncached, floor] = await interleaved(
    () => inject(url),
    () => floorFn(db),
    Math.max(3, RUNS / 2),
    bumpData,
  );
  const res = await inject(url);
  const [cached] = await interleaved(() => inject(url), null, RUNS);
  const [target, p95] = tileTargets[z];
  const m: Measure = {
    name: `problems tile z${z} densest (${t.problems} open problems under it), uncached`,
    target,
    targetP95: p95,
    value: uncached,
    floor,
    floorLabel: 'problemTile SQL alone',
    bytes: res.rawPayload.length,
  };
  if (uncached.p95 > p95) m.explain = await explain(floorFn);
  measures.push(m);
  measures.push({
    name: `problems tile z${z}, cached`,
    target: z < 12 ? '≤ 5 ms' : '—',
    targetP95: z < 12 ? 5 : undefined,
    value: cached,
    bytes: res.rawPayload.length,
  });
}

// 3. Block assignment: set-based SQL vs a Turf loop in Node ---------------------------------------
{
  const N = size === 'L' ? 5_000 : 20_000;
  const blocks = (
    await sql<{ code: string; g: GeoJSON.MultiPolygon; x0: number; y0: number; x1: number; y1: number }>`
      SELECT code, ST_AsGeoJSON(geom)::json AS g, ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1
      FROM regions WHERE level = 'block'`.execute(db)
  ).rows;
  const pts = (
    await sql<{
      x: number;
      y: number;
    }>`SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM problems TABLESAMPLE SYSTEM (5) LIMIT ${N}`.execute(db)
  ).rows;
  let t = performance.now();
  let hits = 0;
  for (const p of pts) {
    // The naive loop peers write, with the cheap bounding-box test first (without it: hours at L).
    for (const b of blocks) {
      if (p.x < b.x0 || p.x > b.x1 || p.y < b.y0 || p.y > b.y1) continue;
      if (booleanPointInPolygon([p.x, p.y], b.g)) {
        hits++;
        break;
      }
    }
  }
  const turfMs = performance.now() - t;
  t = performance.now();
  const r = await sql<{ n: number }>`
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g FROM unnest(${pts.map((p) => p.x)}::float8[], ${pts.map((p) => p.y)}::float8[]) u(x, y))
    SELECT count(*)::int AS n FROM regions r JOIN p ON ST_Covers(r.geom, p.g) WHERE r.level = 'block'`.execute(db);
  const sqlMs = performance.now() - t;
  measures.push({
    name: `block assignment of ${pts.length} points: set-based SQL (polygons outer, GiST)`,
    target: '—',
    value: summarise([sqlMs]),
    note: `${r.rows[0].n} assigned, ${((pts.length / sqlMs) * 1000).toFixed(0)} points/s; naive Turf loop in Node over ${blocks.length} blocks: ${turfMs.toFixed(0)} ms (${((pts.length / turfMs) * 1000).toFixed(0)} points/s, ${(turfMs / sqlMs).toFixed(0)}× slower, ${hits} hits)`,
  });
}

// 4. HTTP load (autocannon, 50 connections) -------------------------------------------------------
const loads: { name: string; rps: number; p99: number; errors: number; non2xx: number }[] = [];
{
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  const run = async (name: string, opts: Partial<autocannon.Options>) => {
    const r = await autocannon({ url: base, connections: 50, duration: LOAD_SECONDS, headers, ...opts });
    loads.push({ name, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
    console.log(
      `${name}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms, errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}`,
    );
  };
  await inject('/api/stats/map?level=block&measure=open');
  await run('GET /api/stats/map?level=block&measure=open (cached)', {
    requests: [{ path: '/api/stats/map?level=block&measure=open' }],
  });
  const tile = `/tiles/problems/14/${denseZ14.x}/${denseZ14.y}.mvt`;
  await inject(tile);
  await run(`GET ${tile} (densest z14, cached)`, { requests: [{ path: tile }] });
  // Uncached: every request a different z15/z16 tile over the county, so none is in the cache.
  const box = (
    await sql<{ x0: number; y0: number; x1: number; y1: number }>`
    SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom) AS e FROM regions WHERE level = 'county') t`.execute(
      db,
    )
  ).rows[0];
  const tilesOf = (z: number) => {
    const n = 2 ** z;
    const tx = (lon: number) => Math.floor(((lon + 180) / 360) * n);
    const ty = (lat: number) =>
      Math.floor(
        ((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n,
      );
    const out: string[] = [];
    for (let x = tx(box.x0); x <= tx(box.x1); x++)
      for (let y = ty(box.y1); y <= ty(box.y0); y++) out.push(`/tiles/problems/${z}/${x}/${y}.mvt`);
    return out;
  };
  const paths = [...tilesOf(16), ...tilesOf(15)];
  let i = 0;
  await run(`GET distinct z15/z16 problem tiles (uncached, ${paths.length} addresses)`, {
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
  await app.close();
}

// ---------------------------------------------------------------------------------------------
await sql`DELETE FROM problem_rollup_versions WHERE street_code = 'bench'`.execute(db);
await capturing.destroy();
await handle.close();

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
const cmd = process.env.BENCH_DATABASE_URL
  ? `BENCH_DATABASE_URL=${process.env.BENCH_DATABASE_URL} BENCH_SIZE=${size} npx tsx bench/scale.ts`
  : `npm run bench -- --size ${size}`;
const result = { date, size, machine, command: cmd, postgres: counts.version, settings, counts, measures, loads };
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${date}-${size}.json`, JSON.stringify(result, null, 2) + '\n');

const f = (t?: Timing) => (t ? `${t.median.toFixed(1)} / ${t.p95.toFixed(1)}` : '—');
const md: string[] = [
  `### Size ${size}: ${counts.blocks} blocks, ${counts.problems} problems (${counts.open} open) — ${date}`,
  '',
  `- machine: ${machine}`,
  `- command: \`${cmd}\``,
  `- PostgreSQL ${counts.version}: ${settings.join(', ')}`,
  '',
  '| measure | median / p95 ms | floor median / p95 ms | ratio to floor (median) | bytes | target | met |',
  '|---|---|---|---|---|---|---|',
  ...measures.map((m) => {
    const ratio = m.floor ? (m.value.median / m.floor.median).toFixed(2) : '—';
    const met = m.targetP95 === undefined ? '—' : m.value.p95 <= m.targetP95 ? 'yes' : 'no';
    return `| ${m.name}${m.note ? ` — ${m.note}` : ''} | ${f(m.value)} | ${m.floor ? `${f(m.floor)} (${m.floorLabel})` : '—'} | ${ratio} | ${m.bytes ?? '—'} | ${m.target} | ${met} |`;
  }),
  '',
  `HTTP load, autocannon, 50 connections, ${LOAD_SECONDS} s each:`,
  '',
  '| request | req/s | p99 ms | errors | non-2xx |',
  '|---|---|---|---|---|',
  ...loads.map((l) => `| ${l.name} | ${l.rps.toFixed(0)} | ${l.p99} | ${l.errors} | ${l.non2xx} |`),
  '',
  ...measures
    .filter((m) => m.explain)
    .flatMap((m) => [`EXPLAIN (ANALYZE, BUFFERS) — ${m.name}:`, '', '```', m.explain!, '```', '']),
];
writeFileSync(`bench/results/${date}-${size}.md`, md.join('\n') + '\n');
console.log(md.join('\n'));
