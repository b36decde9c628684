/**
 * Time of a hotspot run over all open problems of the demo county on PostgreSQL: DBSCAN (eps 50 m,
 * min 5) and Getis-Ord Gi* (hexagons of 250 m and 100 m), the analysis alone (`runHotspots`) and
 * the HTTP route with its JSON.
 *
 *   npx tsx bench/hotspots.ts
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench_d2 PROBLEMS=200000 npx tsx bench/hotspots.ts
 *
 * The first run creates the database, migrates it and loads the demo county (db/seed/load.ts).
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import { runHotspots } from '../server/routes/hotspots.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

const PROBLEMS = Number(process.env.PROBLEMS ?? 20_000);
const URL_ = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/pm_bench_d2_${PROBLEMS}`;
const RUNS = Number(process.env.RUNS ?? 10);

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
  return `median ${q(0.5).toFixed(0)} ms · p95 ${q(0.95).toFixed(0)} ms · min ${s[0].toFixed(0)} ms (${s.length} runs)`;
}

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  await fn();
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
const counts = await sql<{ problems: number; open: number }>`
  SELECT (SELECT count(*) FROM problems) AS problems, (SELECT count(*) FROM problems WHERE status NOT IN ('closed', 'voided')) AS open`.execute(handle.db);
const version = await sql<{ v: string }>`SELECT split_part(version(), ' ', 2) AS v`.execute(handle.db);
console.log(`PostgreSQL ${version.rows[0].v}: ${counts.rows[0].problems} problems, ${counts.rows[0].open} open (the default selection)`);

const cases = [
  { label: 'DBSCAN eps 50 m, min 5', q: { method: 'dbscan' as const, eps_m: 50, min_points: 5 } },
  { label: 'DBSCAN eps 100 m, min 10', q: { method: 'dbscan' as const, eps_m: 100, min_points: 10 } },
  { label: 'Gi* hexagons 250 m', q: { method: 'gistar' as const, cell_m: 250 } },
  { label: 'Gi* hexagons 100 m', q: { method: 'gistar' as const, cell_m: 100 } },
];
for (const c of cases) {
  let describe = '';
  const runs = await time(async () => {
    const r = await runHotspots(handle.db, c.q, FULL_SCOPE);
    const hot = r.features.filter((f) => (f.properties.bin as number) > 0).length;
    describe =
      r.method === 'dbscan'
        ? `${r.features.length} clusters, ${r.noise} noise`
        : `${r.cells_total} cells, ${r.features.length} listed, ${hot} hot`;
  });
  console.log(`${c.label} over all open problems (${describe}): ${summary(runs)}`);
}

const token = `bench-hotspots-${Date.now()}`;
const user = await handle.db
  .insertInto('users')
  .values({ username: token, display_name: '基准', role: 'leader', scope: [], password_hash: '!no-login' })
  .returning('id')
  .executeTakeFirstOrThrow();
await handle.db.insertInto('api_tokens').values({ user_id: user.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 3_600_000) }).execute();
const app = await buildApp({ config: { ...loadConfig({ DEMO: '0' }), databaseUrl: URL_, logLevel: 'warn' }, db: handle, ownsDb: false, logger: false });
for (const url of ['/api/hotspots?method=dbscan&eps_m=50&min_points=5', '/api/hotspots?method=gistar&cell_m=250', '/api/exports/hotspots.xlsx?method=gistar&cell_m=250']) {
  let bytes = 0;
  const runs = await time(async () => {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
    bytes = res.rawPayload.length;
  });
  console.log(`GET ${url} (${(bytes / 1024).toFixed(0)} KB): ${summary(runs)}`);
}
await handle.db.deleteFrom('api_tokens').where('user_id', '=', user.id).execute();
await handle.db.deleteFrom('users').where('id', '=', user.id).execute();
await app.close();
await handle.close();
