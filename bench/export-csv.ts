/**
 * Memory of a 1,000,000-row CSV export on PostgreSQL: the server streams keyset batches while a
 * real HTTP client downloads and discards the file. Prints rows, bytes, time and the process's
 * peak RSS (server and client share the process, so the figure is an upper bound for the server).
 *
 *   npm run bench -- export-csv
 *   EXPORT_ROWS=1000000 EXPORT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench_export npx tsx bench/export-csv.ts
 *   FILTER='region=430121001001' npm run bench -- export-csv   # a quarter of the rows: the peak should not change
 *
 * Not the demo county: its own database (EXPORT_DATABASE_URL, default `pm_bench_export` on the bench
 * server) where the first run generates EXPORT_ROWS problems in SQL (generate_series) over a 20 × 20
 * grid of blocks; later runs reuse them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { truncateWithRecord } from '../db/maintenance.js';
import { upsertCategories } from '../db/queries/categories.js';
import { DEFAULT_CATEGORIES } from '../db/seed/categories.js';
import { benchApp, benchUser, ensureDatabase, envNumber, figure, mb, TEMPLATE_URL, withDatabase } from './lib.js';

const ROWS = envNumber('EXPORT_ROWS', 1_000_000);
// Never the demo template: the generation below empties the database it runs on.
const URL_ = process.env.EXPORT_DATABASE_URL ?? withDatabase(TEMPLATE_URL, 'pm_bench_export');
/** Extra query string, e.g. FILTER='region=430121001001' (a quarter of the rows) to compare peaks. */
const FILTER = process.env.FILTER ? `&${process.env.FILTER}` : '';

if (URL_ === TEMPLATE_URL)
  throw new Error('EXPORT_DATABASE_URL must not be the demo template: generating the rows empties it');
await ensureDatabase(URL_);
const handle = await openPostgres(URL_);
await migrateToLatest(handle.db);
await upsertCategories(handle.db, DEFAULT_CATEGORIES);
const have = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM problems`.execute(handle.db)).rows[0].n);
if (have < ROWS) {
  console.log(`generating ${ROWS} problems in SQL (first run only)…`);
  const t = performance.now();
  await truncateWithRecord(handle.db, ['problem_events', 'problems', 'regions']);
  // County 430121 at 113.0–113.2 E, 28.2–28.4 N; 2 streets × 2 communities × 100 blocks of 0.01°.
  await sql`INSERT INTO regions (code, name, level, parent_code, geom, synthetic)
    VALUES ('430121', '基准县', 'county', NULL, ST_Multi(ST_MakeEnvelope(113.0, 28.2, 113.2, 28.4, 4326)), true)`.execute(
    handle.db,
  );
  await sql`INSERT INTO regions (code, name, level, parent_code, geom, synthetic)
    SELECT '430121' || lpad(s::text, 3, '0'), '街道' || s, 'street', '430121',
           ST_Multi(ST_MakeEnvelope(113.0 + (s - 1) * 0.1, 28.2, 113.1 + (s - 1) * 0.1, 28.4, 4326)), true
    FROM generate_series(1, 2) s`.execute(handle.db);
  await sql`INSERT INTO regions (code, name, level, parent_code, geom, synthetic)
    SELECT '430121' || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'), '社区' || s || '-' || c, 'community', '430121' || lpad(s::text, 3, '0'),
           ST_Multi(ST_MakeEnvelope(113.0 + (s - 1) * 0.1, 28.2 + (c - 1) * 0.1, 113.1 + (s - 1) * 0.1, 28.3 + (c - 1) * 0.1, 4326)), true
    FROM generate_series(1, 2) s, generate_series(1, 2) c`.execute(handle.db);
  await sql`INSERT INTO regions (code, name, level, parent_code, geom, synthetic)
    SELECT '430121' || lpad(s::text, 3, '0') || lpad(c::text, 3, '0') || lpad((bx * 10 + by + 1)::text, 3, '0'),
           '网格' || s || '-' || c || '-' || (bx * 10 + by + 1), 'block', '430121' || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'),
           ST_Multi(ST_MakeEnvelope(113.0 + (s - 1) * 0.1 + bx * 0.01, 28.2 + (c - 1) * 0.1 + by * 0.01,
                                    113.01 + (s - 1) * 0.1 + bx * 0.01, 28.21 + (c - 1) * 0.1 + by * 0.01, 4326)), true
    FROM generate_series(1, 2) s, generate_series(1, 2) c, generate_series(0, 9) bx, generate_series(0, 9) by`.execute(
    handle.db,
  );
  const categories = DEFAULT_CATEGORIES.map((c) => c.code);
  await sql`INSERT INTO problems (category_code, description, address, status, geom, region_code, reported_at, filed_at, due_at, closed_at, resolved_at)
    SELECT (${categories}::text[])[1 + (i % ${categories.length})], '基准问题描述 ' || i, '基准路' || (i % 500) || '号',
           CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'dispatched' END,
           ST_SetSRID(ST_MakePoint(113.0 + (i % 2) * 0.1 + ((i / 2) % 10) * 0.01 + 0.005, 28.2 + ((i / 20) % 2) * 0.1 + ((i / 40) % 10) * 0.01 + 0.005), 4326),
           '430121' || lpad((1 + i % 2)::text, 3, '0') || lpad((1 + (i / 20) % 2)::text, 3, '0') || lpad((((i / 2) % 10) * 10 + (i / 40) % 10 + 1)::text, 3, '0'),
           now() - (i % 90) * interval '1 day', now() - (i % 90) * interval '1 day', now() - (i % 90) * interval '1 day' + interval '1 day',
           CASE WHEN i % 3 = 0 THEN now() - (i % 90) * interval '1 day' + interval '2 hours' END,
           CASE WHEN i % 3 = 0 THEN now() - (i % 90) * interval '1 day' + interval '2 hours' END
    FROM generate_series(1, ${ROWS}::int) i`.execute(handle.db);
  await sql`ANALYZE problems`.execute(handle.db);
  console.log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const { token, userId } = await benchUser(handle.db, 'leader');
const app = await benchApp(handle, URL_);
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;

global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const t0 = performance.now();
const { bytes, lines } = await new Promise<{ bytes: number; lines: number }>((resolve, reject) => {
  http
    .get(`http://127.0.0.1:${port}/api/exports/problems.csv?access_token=${token}${FILTER}`, (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
      let b = 0;
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        b += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
      });
      res.on('end', () => resolve({ bytes: b, lines: n }));
      res.on('error', reject);
    })
    .on('error', reject);
});
clearInterval(sampler);
const seconds = (performance.now() - t0) / 1000;
const rows = lines - 1;
console.log(
  `GET /api/exports/problems.csv: ${rows} rows, ${mb(bytes)} in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s); ` +
    `RSS before ${mb(baseline)}, peak ${mb(peak)} (+${mb(peak - baseline)}); process maxRSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
);

// This database is kept between runs (not a copy): take the bench user out again.
await handle.db.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
await handle.db.deleteFrom('users').where('id', '=', userId).execute();
await app.close();
await handle.close();

figure(
  `CSV export of ${rows.toLocaleString('en')} rows${FILTER ? ` (${FILTER.slice(1)})` : ''}: peak RSS`,
  `${mb(peak)} (+${mb(peak - baseline)} over ${mb(baseline)} before); ${mb(bytes)} in ${seconds.toFixed(1)} s`,
);
