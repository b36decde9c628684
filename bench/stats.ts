/**
 * Region statistics latency for every block of the demo county on PostgreSQL: the one-statement
 * query (db/queries/stats.ts) alone, and the whole HTTP route (`GET /api/stats/regions?level=block`,
 * JSON of all blocks), plus the county panel.
 *
 *   npx tsx bench/stats.ts
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench_stats PROBLEMS=20000 npx tsx bench/stats.ts
 *
 * The first run creates the database (if missing), migrates it and loads the demo county
 * (db/seed/load.ts, ~2,000 blocks, PROBLEMS problems over 90 days); later runs reuse it.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { regionCounts } from '../db/queries/stats.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

const PROBLEMS = Number(process.env.PROBLEMS ?? 20_000);
const URL_ = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/pm_bench_stats_${PROBLEMS}`;
const RUNS = Number(process.env.RUNS ?? 30);

async function ensureDatabase(url: string): Promise<void> {
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

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
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
console.log(`PostgreSQL ${version.rows[0].v}: ${counts.rows[0].blocks} blocks, ${counts.rows[0].problems} problems (${counts.rows[0].open} open)`);

// A leader token for the HTTP measurements.
const token = `bench-stats-${Date.now()}`;
const user = await handle.db
  .insertInto('users')
  .values({ username: `bench-stats-${Date.now()}`, display_name: '基准', role: 'leader', scope: [], password_hash: '!no-login' })
  .returning('id')
  .executeTakeFirstOrThrow();
await handle.db.insertInto('api_tokens').values({ user_id: user.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 3_600_000) }).execute();

const now = new Date();
const day = 86_400_000;
const sqlRuns = await time(() =>
  regionCounts(handle.db, {
    level: 'block',
    current: { from: new Date(now.getTime() - 30 * day), to: now },
    previous: { from: new Date(now.getTime() - 60 * day), to: new Date(now.getTime() - 30 * day) },
    now,
    filters: {},
    problemScope: FULL_SCOPE,
    regionScope: null,
  }),
);
console.log(`regionCounts(level=block), one statement, all blocks: ${summary(sqlRuns)}`);

const app = await buildApp({ config: { ...loadConfig({ DEMO: '0' }), databaseUrl: URL_, logLevel: 'warn' }, db: handle, ownsDb: false, logger: false });
const headers = { authorization: `Bearer ${token}` };
let bytes = 0;
const httpRuns = await time(async () => {
  const res = await app.inject({ url: '/api/stats/regions?level=block', headers });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`);
  bytes = res.rawPayload.length;
});
console.log(`GET /api/stats/regions?level=block (HTTP, ${(bytes / 1024).toFixed(0)} KB JSON): ${summary(httpRuns)}`);
const filtered = await time(async () => {
  const res = await app.inject({ url: '/api/stats/regions?level=block&group=09&tag=创文', headers });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
});
console.log(`GET /api/stats/regions?level=block&group=09&tag=创文: ${summary(filtered)}`);
const panel = await time(async () => {
  const res = await app.inject({ url: '/api/stats/regions/430121', headers });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
});
console.log(`GET /api/stats/regions/430121 (county panel, 5 statements): ${summary(panel)}`);
const rankings = await time(async () => {
  const res = await app.inject({ url: '/api/rankings?level=block', headers });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
});
console.log(`GET /api/rankings?level=block: ${summary(rankings)}`);

await handle.db.deleteFrom('api_tokens').where('user_id', '=', user.id).execute();
await handle.db.deleteFrom('users').where('id', '=', user.id).execute();
await app.close();
await handle.close();
