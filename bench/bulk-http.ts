/**
 * The bulk paths over real HTTP against a separate server process (issue 15 part 4): a CSV import
 * of ROWS rows, then the CSV (and GeoJSON) export of everything, each with wall time and the
 * server's peak RSS (VmHWM in /proc/<pid>/status, reset between the two with /proc/<pid>/clear_refs).
 *
 *   createdb -T pm_h15i_s pm_h15i_run   # a copy of an S seed (the import adds ROWS problems for good)
 *   BULK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_h15i_run ROWS=1000000 SEED=20261202 npx tsx bench/bulk-http.ts
 *   EMBEDDED=1 ROWS=100000 npx tsx bench/bulk-http.ts   # PGlite: /readyz and login latency during the import
 *
 * The CSV's points are ST_GeneratePoints inside the blocks of that database with SEED (so the same
 * file every run), categories by code and by name, reported in the 60 days before BASE_DAY.
 * SERVER_NODE_ARGS (space-separated) are given to the server's node, e.g. `--trace-gc` or
 * `--max-old-space-size=96` to tell garbage not yet collected from data held. RSS_TRACE=1 prints
 * the server's RSS every 500 ms during the import (a timeline to set beside the logged steps).
 * IMPORT_MODE=all sends the file all-or-nothing: with a point in a gap (see below) it is refused
 * after the block assignment and nothing is written, so the same copy serves the next run — for
 * measuring the memory of the parse and stage, which is where the import's peak is.
 * Only with EMBEDDED=1: while the import runs, a probe asks /readyz and logs in every 250 ms and
 * prints the latencies (issue 14: on PGlite they used to queue behind the import).
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { openPostgres, openPGlite, type DbHandle } from '../db/index.js';
import { DEFAULT_CATEGORIES } from '../db/seed/categories.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadDemo } from '../db/seed/load.js';
import { seedDemoUsers } from '../db/seed/users.js';
import { mulberry32 } from '../domain/random.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const SEED = Number(process.env.SEED ?? 20261202);
const BASE_DAY = process.env.BASE_DAY ?? new Date().toISOString().slice(0, 10);
const EMBEDDED = process.env.EMBEDDED === '1';
const URL_ = process.env.BULK_DATABASE_URL;
const PORT = Number(process.env.PORT ?? 3917);
const EXPORT = process.env.EXPORT !== '0';
const IMPORT = process.env.IMPORT !== '0';
const IMPORT_MODE = process.env.IMPORT_MODE === 'all' ? 'all' : 'partial';

if (!EMBEDDED && !URL_) throw new Error('set BULK_DATABASE_URL (a copy of a seeded database) or EMBEDDED=1');
// The import writes for good; an export alone (IMPORT=0) only reads, so it may run on the L seed.
if (IMPORT && URL_ && /pm_bench_l\b/.test(URL_)) throw new Error('never import into pm_bench_l');
/** Which exports to time (EXPORT_KINDS=csv skips the GeoJSON, minutes at a million rows). */
const EXPORT_KINDS = (process.env.EXPORT_KINDS ?? 'csv,geojson').split(',');

async function makeCsv(handle: DbHandle): Promise<Buffer> {
  const blocks = Number(
    (await sql<{ n: number }>`SELECT count(*) AS n FROM regions WHERE level = 'block'`.execute(handle.db)).rows[0].n,
  );
  const per = Math.ceil((ROWS * 1.02) / blocks);
  const t = performance.now();
  const pts = await sql<{ x: number; y: number }>`
    SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y
    FROM (SELECT code, geom FROM regions WHERE level = 'block' ORDER BY code) r,
         LATERAL ST_Dump(ST_GeneratePoints(r.geom, ${per}, ${SEED})) d
    LIMIT ${ROWS}`.execute(handle.db);
  console.log(`  ${pts.rows.length} points in ${blocks} blocks in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rand = mulberry32(SEED);
  // Shuffled (a real file is in report order, not block order).
  const order = pts.rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const base = Date.parse(`${BASE_DAY}T00:00:00+08:00`);
  const parts: string[] = ['经度,纬度,事项,描述,地址,来源,等级,上报时间\n'];
  const cats = DEFAULT_CATEGORIES;
  for (let k = 0; k < order.length; k++) {
    const p = pts.rows[order[k]];
    const c = cats[Math.floor(rand() * cats.length)];
    const when = new Date(base - Math.floor(rand() * 60 * 86_400_000) + 8 * 3_600_000);
    const local = when.toISOString().slice(0, 16).replace('T', ' ');
    parts.push(
      `${p.x.toFixed(6)},${p.y.toFixed(6)},${k % 2 ? c.code : c.name},批量导入第${k + 1}条,测试路${k % 500}号,${k % 3 ? '巡查' : '市民'},${1 + (k % 3)},${local}\n`,
    );
  }
  return Buffer.from(parts.join(''), 'utf8');
}

function request(
  method: string,
  path: string,
  opts: { body?: Buffer | string; headers?: Record<string, string>; sink?: boolean } = {},
): Promise<{ status: number; body: string; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, method, path, headers: opts.headers }, (res) => {
      let bytes = 0;
      let lines = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (opts.sink) {
          for (let i = 0; i < c.length; i++) if (c[i] === 10) lines++;
        } else chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bytes, lines }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

const status = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (s: string, key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
const mb = (k: number) => `${(k / 1024).toFixed(0)} MB`;
/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs). */
function resetPeak(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not permitted: the peak then covers the whole run */
  }
}

// The data: a copy of a seed (PostgreSQL) or a fresh demo county (PGlite, in a temporary directory).
let dataDir: string | undefined;
let handle: DbHandle;
if (EMBEDDED) {
  dataDir = mkdtempSync(join(tmpdir(), 'pm-bulk-'));
  handle = await openPGlite({ dataDir });
  await migrateToLatest(handle.db);
  await loadDemo(handle.db, { log: () => {} });
  await seedDemoUsers(handle.db);
} else {
  handle = await openPostgres(URL_!, 2);
}
console.log(`generating ${ROWS} rows (seed ${SEED}, base day ${BASE_DAY})…`);
const csv = IMPORT ? await makeCsv(handle) : Buffer.alloc(0);
const before = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM problems`.execute(handle.db)).rows[0].n);
await handle.close();
console.log(`  CSV ${(csv.length / 1024 / 1024).toFixed(1)} MB; ${before} problems on file`);

const SERVER_NODE_ARGS = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const RSS_TRACE = process.env.RSS_TRACE === '1';
const server = spawn(process.execPath, [...SERVER_NODE_ARGS, '--import', 'tsx', 'server/main.ts'], {
  env: {
    ...process.env,
    PORT: String(PORT),
    DATABASE_URL: EMBEDDED ? '' : URL_,
    DATA_DIR: dataDir ?? './data',
    DEMO: '0',
    JOBS: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    RATE_LIMIT_MAX: '100000',
    LOGIN_LIMIT_PER_USER: '100000',
    LOGIN_LIMIT_PER_ADDRESS: '100000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const pid = server.pid!;
for (let i = 0; ; i++) {
  try {
    if ((await request('GET', '/readyz')).status === 200) break;
  } catch {
    /* not listening yet */
  }
  if (i > 600) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 250));
}
const login = async () => {
  const r = await request('POST', '/api/auth/login', {
    body: JSON.stringify({ username: 'inspector', password: 'demo-inspector-2026' }),
    headers: { 'content-type': 'application/json' },
  });
  if (r.status !== 200) throw new Error(`login ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as { token: string }).token;
};
const token = await login();
const results: Record<string, unknown> = { rows: ROWS, seed: SEED, base_day: BASE_DAY, embedded: EMBEDDED, before };

try {
  if (IMPORT) {
    resetPeak(pid);
    const rssBefore = kb(status(pid), 'VmRSS');
    const probes: { readyz: number[]; login: number[] } = { readyz: [], login: [] };
    let importing = true;
    const probe = (async () => {
      if (!EMBEDDED) return;
      while (importing) {
        await new Promise((r) => setTimeout(r, 250));
        let t = performance.now();
        await request('GET', '/readyz');
        probes.readyz.push(performance.now() - t);
        t = performance.now();
        await login();
        probes.login.push(performance.now() - t);
      }
    })();
    const t0 = performance.now();
    const trace: string[] = [];
    const tracer = RSS_TRACE
      ? setInterval(() => {
          trace.push(`${((performance.now() - t0) / 1000).toFixed(1)}s ${mb(kb(status(pid), 'VmRSS'))}`);
        }, 500)
      : undefined;
    // mode=partial: a generated point rounded to 6 decimals can land in a gap between blocks (one
    // in a million did); refused as a whole, the run would measure nothing past the assignment.
    const res = await request('POST', `/api/problems/import?mode=${IMPORT_MODE}`, {
      body: csv,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(tracer);
    if (RSS_TRACE) console.log(`  server RSS during the import: ${trace.join(' · ')}`);
    importing = false;
    await probe;
    const s = status(pid);
    const refused = IMPORT_MODE === 'all' && res.status === 422;
    if (res.status !== 201 && !refused) throw new Error(`import ${res.status}: ${res.body.slice(0, 400)}`);
    const body = refused
      ? { created: 0, possible_duplicates: [] }
      : (JSON.parse(res.body) as { created: number; possible_duplicates: unknown[] });
    if (refused) console.log(`  refused as a whole (mode=all): ${res.body.slice(0, 300)}`);
    const q = (xs: number[], p: number) =>
      [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
    results.import = {
      seconds: Number(seconds.toFixed(2)),
      created: body.created,
      possible_duplicates: body.possible_duplicates.length,
      rss_before_mb: Math.round(rssBefore / 1024),
      peak_rss_mb: Math.round(kb(s, 'VmHWM') / 1024),
      ...(EMBEDDED
        ? {
            readyz_ms: { n: probes.readyz.length, median: q(probes.readyz, 0.5), max: Math.max(...probes.readyz) },
            login_ms: { n: probes.login.length, median: q(probes.login, 0.5), max: Math.max(...probes.login) },
          }
        : {}),
    };
    console.log(
      `import: ${body.created} rows in ${seconds.toFixed(2)} s (${Math.round(body.created / seconds)} rows/s); server RSS ${mb(rssBefore)} before, peak ${mb(kb(s, 'VmHWM'))}`,
    );
    if (EMBEDDED) console.log('  probes during the import:', JSON.stringify(results.import));
  }
  if (EXPORT) {
    for (const kind of EXPORT_KINDS) {
      resetPeak(pid);
      const rssBefore = kb(status(pid), 'VmRSS');
      const t0 = performance.now();
      const res = await request('GET', `/api/exports/problems.${kind}`, {
        headers: { authorization: `Bearer ${token}` },
        sink: true,
      });
      const seconds = (performance.now() - t0) / 1000;
      const s = status(pid);
      results[`export_${kind}`] = {
        status: res.status,
        seconds: Number(seconds.toFixed(2)),
        bytes: res.bytes,
        lines: res.lines,
        rss_before_mb: Math.round(rssBefore / 1024),
        peak_rss_mb: Math.round(kb(s, 'VmHWM') / 1024),
      };
      console.log(
        `export ${kind}: ${res.status}, ${res.lines} lines, ${(res.bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(2)} s; server RSS ${mb(rssBefore)} before, peak ${mb(kb(s, 'VmHWM'))}`,
      );
    }
    if (!EMBEDDED && EXPORT_KINDS.includes('csv')) {
      // The floor of the CSV export: PostgreSQL writing the bare rows, `\copy problems TO STDOUT`,
      // to the same kind of sink, right after it (the same cache state and load).
      const pool = new pg.Pool({ connectionString: URL_!, max: 1 });
      const client = await pool.connect();
      const t0 = performance.now();
      let bytes = 0;
      await pipeline(
        client.query(copyTo('COPY problems TO STDOUT (FORMAT csv)')),
        new Writable({
          write(chunk: Buffer, _e, done) {
            bytes += chunk.length;
            done();
          },
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      client.release();
      await pool.end();
      results.floor_copy_problems = { seconds: Number(seconds.toFixed(2)), bytes };
      console.log(
        `floor: COPY problems TO STDOUT, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(2)} s (CSV export / floor = ${((results.export_csv as { seconds: number }).seconds / seconds).toFixed(2)})`,
      );
    }
  }
  console.log(JSON.stringify(results));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
