/**
 * Single create under load (issue 15, part 4): `POST /api/problems` with autocannon (8
 * connections, LOAD_SECONDS each) against the server in a process of its own, beside its floor —
 * the route's own statements (token lookup, category lookup, the create statement, captured from
 * the route itself) in pgbench with 8 clients — interleaved in the same run (a, b, a, b). Then the
 * per-request overhead: `/api/auth/me` one request at a time, minus the same requests' SQL alone.
 * The scale bench (bench/scale.ts) measures the same with the same code (bench/lib.ts).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_h15r_s npx tsx bench/create.ts
 *
 * Writes problems into that database (an S seed of your own, never a shared template) and deletes
 * them, their events and the bench user's rows at the end. Prints the figures and a JSON line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import {
  benchUser,
  captureCreateAndMe,
  createBodies,
  createInputs,
  createLoad,
  dropCreatePoints,
  removeBenchProblems,
  removeBenchUser,
  requestOverhead,
  runPgbench,
  writeCreateScript,
} from './lib.js';

const URL_ = process.env.BENCH_DATABASE_URL;
if (!URL_) throw new Error('BENCH_DATABASE_URL is required (a seeded database of your own: this bench writes)');
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const PORT = Number(process.env.BENCH_PORT ?? 39_517);

const handle = await openPostgres(URL_, 4);
await migrateToLatest(handle.db);
const db = handle.db;
const { token, userId } = await benchUser(db, 'inspector');

// Points to report at: real problem locations jittered by up to ~30 m, categories from the active ones.
const inputs = await createInputs(db);
const body = createBodies(inputs);

// 1. Capture the route's SQL: the same app on a logging Kysely, one create and one /me.
const statements = await captureCreateAndMe(handle, URL_, token, inputs);
console.log(`create: ${statements.create.length} statements; /api/auth/me: ${statements.me.length}`);
const script = '/tmp/bench-create.pgbench';
await writeCreateScript(db, inputs.pts, statements, script);

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

const results: Record<string, unknown>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const cpu0 = cpuOf(server.pid!);
  const r = await createLoad(base, token, body, CONNECTIONS, LOAD_SECONDS);
  const serverCpu = cpuOf(server.pid!) - cpu0;
  const total = r.rps * LOAD_SECONDS;
  const http_ = {
    round,
    what: `POST /api/problems, autocannon ${CONNECTIONS} connections`,
    rps: r.rps,
    p50: r.p50,
    p97_5: r.p97_5,
    p99: r.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    server_cpu_ms_per_request: serverCpu / Math.max(1, total),
    load: loadavg()[0],
  };
  results.push(http_);
  console.log(JSON.stringify(http_));
  const pgb = runPgbench(URL_, script, CONNECTIONS, LOAD_SECONDS);
  const floor = {
    round,
    what: `the route's statements in pgbench, ${CONNECTIONS} clients`,
    tps: pgb.tps,
    latency_avg: pgb.latencyAvg,
    load: loadavg()[0],
  };
  results.push(floor);
  console.log(JSON.stringify(floor));
  console.log(pgb.perStatement);
}

// 3. Per-request overhead: /api/auth/me one at a time (keep-alive) vs its SQL alone, interleaved.
{
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  const o = await requestOverhead(base, token, async () => {
    for (const q of statements.me) await client.query(q.sql, q.parameters as unknown[]);
  });
  const overhead = {
    what: '/api/auth/me, one at a time, minus its SQL alone',
    me_median: o.me.median,
    me_mean: o.meMean,
    sql_median: o.sql.median,
    sql_mean: o.sqlMean,
    overhead_median: o.overheadMedian,
    overhead_mean: o.overheadMean,
    load: loadavg()[0],
  };
  results.push(overhead);
  console.log(JSON.stringify(overhead));
  await client.end();
}

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
// Leave the database as it was: the bench's problems, their events and the bench user go.
await dropCreatePoints(db);
const removed = await removeBenchProblems(db, userId);
await removeBenchUser(db, userId);
console.log(`removed ${removed} bench problems (and the pgbench ones)`);
console.log(`RESULT ${JSON.stringify(results)}`);
await handle.close();
