/**
 * Single create under load (issue 15, part 4): `POST /api/problems` with autocannon (8
 * connections, LOAD_SECONDS each) against the server in a process of its own, beside its floor —
 * the route's own statements (token lookup, category lookup, the create statement, captured from
 * the route itself) in pgbench with 8 clients — interleaved in the same run (a, b, a, b). Then the
 * per-request overhead: `/api/auth/me` one request at a time, minus the same requests' SQL alone.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_h15r_s npx tsx bench/create.ts
 *
 * Writes problems into that database (an S seed of your own, never a shared template) and deletes
 * them, their events and the bench user's rows at the end. Prints the figures and a JSON line.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import type { DB } from '../db/types.js';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { benchApp, benchUser, summarise } from './lib.js';

const URL_ = process.env.BENCH_DATABASE_URL;
if (!URL_) throw new Error('BENCH_DATABASE_URL is required (a seeded database of your own: this bench writes)');
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const PORT = Number(process.env.BENCH_PORT ?? 39_517);
const u = new URL(URL_);
const dbname = decodeURIComponent(u.pathname.slice(1));

const handle = await openPostgres(URL_, 4);
await migrateToLatest(handle.db);
const db = handle.db;
const { token, userId } = await benchUser(db, 'inspector');

// Points to report at: real problem locations jittered by up to ~30 m, categories from the active ones.
const pts = (
  await sql<{ lon: number; lat: number }>`
    SELECT ST_X(geom) + (random() - 0.5) * 0.0006 AS lon, ST_Y(geom) + (random() - 0.5) * 0.0006 AS lat
    FROM problems ORDER BY id % 97, id LIMIT 20000`.execute(db)
).rows;
const categories = (
  await sql<{ code: string }>`SELECT code FROM categories WHERE active ORDER BY code`.execute(db)
).rows.map((r) => r.code);
let seed = 20261202;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const body = () => {
  const p = pts[Math.floor(rand() * pts.length)];
  return JSON.stringify({
    lon: p.lon,
    lat: p.lat,
    category: categories[Math.floor(rand() * categories.length)],
    description: '基准测试',
  });
};

// 1. Capture the route's SQL: the same app on a logging Kysely, one create and one /me.
const capturePool = new pg.Pool({ connectionString: URL_, max: 2 });
const captured: CompiledQuery[] = [];
const capturing = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: capturePool }),
  log: (e) => {
    if (e.level === 'query') captured.push(e.query);
  },
});
const captureApp = await benchApp({ ...handle, db: capturing }, URL_);
const SENTINEL = { lon: 0, lat: 0 };
{
  const p = pts[0];
  SENTINEL.lon = p.lon;
  SENTINEL.lat = p.lat;
  const res = await captureApp.inject({
    method: 'POST',
    url: '/api/problems',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: { lon: p.lon, lat: p.lat, category: categories[0], description: '基准测试' },
  });
  if (res.statusCode !== 201) throw new Error(`capture create: ${res.statusCode} ${res.body}`);
}
const createQueries = [...captured];
captured.length = 0;
{
  const res = await captureApp.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
  if (res.statusCode !== 200) throw new Error(`capture me: ${res.statusCode}`);
}
const meQueries = [...captured];
await captureApp.close();
await capturing.destroy();
console.log(`create: ${createQueries.length} statements; /api/auth/me: ${meQueries.length}`);

/** A statement with its parameters inlined as literals, lon/lat as pgbench variables. */
function inline(q: CompiledQuery): string {
  const lit = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (v === SENTINEL.lon) return ':lon';
    if (v === SENTINEL.lat) return ':lat';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (v instanceof Date) return `'${v.toISOString()}'`;
    if (Array.isArray(v)) return `ARRAY[${v.map(lit).join(',')}]::text[]`;
    return `'${String(v).replace(/'/g, "''")}'`;
  };
  return q.sql.replace(/\$(\d+)/g, (_, i) => lit(q.parameters[Number(i) - 1])).replace(/\s+/g, ' ');
}
await sql`DROP TABLE IF EXISTS bench_create_points`.execute(db);
await sql`CREATE TABLE bench_create_points (i int PRIMARY KEY, lon float8, lat float8)`.execute(db);
await sql`INSERT INTO bench_create_points SELECT i, lon, lat FROM unnest(${pts.map((p) => p.lon)}::float8[], ${pts.map((p) => p.lat)}::float8[]) WITH ORDINALITY AS t(lon, lat, i)`.execute(
  db,
);
const script = '/tmp/bench-create.pgbench';
writeFileSync(
  script,
  [
    `\\set i random(1, ${pts.length})`,
    'SELECT lon, lat FROM bench_create_points WHERE i = :i \\gset',
    ...createQueries.map((q) => `${inline(q)};`),
  ].join('\n') + '\n',
);

// 2. The server in its own process (autocannon here must not share its event loop).
const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  env: {
    ...process.env,
    DATABASE_URL: URL_,
    PORT: String(PORT),
    DEMO: '0',
    NODE_ENV: 'test',
    JOBS: 'off',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
  // SERVER_DIR: another checkout's server (e.g. main, for the figure before a change).
  cwd: process.env.SERVER_DIR ?? process.cwd(),
});
const base = `http://127.0.0.1:${PORT}`;
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/readyz`);
    if (r.ok) break;
  } catch {
    /* not yet */
  }
  if (i > 600) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 200));
}
const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) / 100) * 1000; // utime + stime, ms (USER_HZ = 100)
};

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const results: Record<string, unknown>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const cpu0 = cpuOf(server.pid!);
  const r = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: LOAD_SECONDS,
    headers,
    requests: [{ method: 'POST', path: '/api/problems', setupRequest: (req) => ({ ...req, body: body() }) as never }],
  });
  const serverCpu = cpuOf(server.pid!) - cpu0;
  const total = r.requests.average * LOAD_SECONDS;
  const http_ = {
    round,
    what: `POST /api/problems, autocannon ${CONNECTIONS} connections`,
    rps: r.requests.average,
    p50: r.latency.p50,
    p97_5: (r.latency as unknown as Record<string, number>).p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    server_cpu_ms_per_request: serverCpu / Math.max(1, total),
    load: loadavg()[0],
  };
  results.push(http_);
  console.log(JSON.stringify(http_));
  const out = execFileSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(CONNECTIONS),
      '-j',
      '2',
      '-T',
      String(LOAD_SECONDS),
      '-r',
      '-f',
      script,
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username) || 'postgres',
      dbname,
    ],
    { encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const lat = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  const floor = {
    round,
    what: `the route's statements in pgbench, ${CONNECTIONS} clients`,
    tps,
    latency_avg: lat,
    load: loadavg()[0],
  };
  results.push(floor);
  console.log(JSON.stringify(floor));
  console.log(
    out
      .split('\n')
      .filter((l) => /^\s+[\d.]+\s+\d+\s/.test(l))
      .join('\n'),
  );
}

// 3. Per-request overhead: /api/auth/me one at a time (keep-alive) vs its SQL alone, interleaved.
{
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/auth/me`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`me ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  const sqlAlone = async () => {
    for (const q of meQueries) await client.query(q.sql, q.parameters as unknown[]);
  };
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < 200; i++) {
    await get();
    await sqlAlone();
  }
  for (let i = 0; i < 3000; i++) {
    let t = performance.now();
    await get();
    ta.push(performance.now() - t);
    t = performance.now();
    await sqlAlone();
    tb.push(performance.now() - t);
  }
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const me = summarise(ta);
  const alone = summarise(tb);
  const overhead = {
    what: '/api/auth/me, one at a time, minus its SQL alone',
    me_median: me.median,
    me_mean: mean(ta),
    sql_median: alone.median,
    sql_mean: mean(tb),
    overhead_median: me.median - alone.median,
    overhead_mean: mean(ta) - mean(tb),
    load: loadavg()[0],
  };
  results.push(overhead);
  console.log(JSON.stringify(overhead));
  await client.end();
  agent.destroy();
}

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
// Leave the database as it was: the bench's problems, their events and the bench user go.
await sql`DROP TABLE IF EXISTS bench_create_points`.execute(db);
const created = await sql<{ n: number }>`SELECT count(*)::int AS n FROM problems WHERE created_by = ${userId}`.execute(
  db,
);
// problem_events is append-only (a trigger refuses DELETE): the bench's own events go with the
// triggers off for that one statement; the problems then go with theirs on (the rollups follow).
await db.transaction().execute(async (trx) => {
  await sql`SET LOCAL session_replication_role = replica`.execute(trx);
  await sql`DELETE FROM problem_events WHERE problem_id IN (SELECT id FROM problems WHERE created_by = ${userId})`.execute(
    trx,
  );
  await sql`SET LOCAL session_replication_role = origin`.execute(trx);
  await sql`DELETE FROM problems WHERE created_by = ${userId}`.execute(trx);
});
await sql`DELETE FROM api_tokens WHERE user_id = ${userId}`.execute(db);
await sql`DELETE FROM users WHERE id = ${userId}`.execute(db);
console.log(`removed ${created.rows[0].n} bench problems (and the pgbench ones)`);
console.log(`RESULT ${JSON.stringify(results)}`);
await capturePool.end();
await handle.close();
