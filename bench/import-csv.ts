/**
 * CSV import throughput on PostgreSQL: 100,000 problems in one `POST /api/problems/import`
 * (text/csv, UTF-8, category by code and by name, Shanghai local times), through the whole HTTP
 * route (parse, validate, stage, assign blocks, recurrence check, insert, record). Target: < 15 s.
 *
 *   npx tsx bench/import-csv.ts
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench ROWS=100000 RUNS=3 npx tsx bench/import-csv.ts
 *
 * The first run creates the database (if missing), migrates it and loads the demo county
 * (db/seed/load.ts: the real 长沙县 outline, ~2,000 synthetic blocks, 20,000 problems — some
 * closed recently, so the recurrence step has work). Each run then imports into a fresh copy of it
 * (CREATE DATABASE … TEMPLATE), so every run starts from the same state and the template stays clean.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { DEFAULT_CATEGORIES } from '../db/seed/categories.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 1);
const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pm_bench';
const TARGET_S = 15;

const dbName = (url: string) => new URL(url).pathname.slice(1);
function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDb(URL_, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates, migrates and fills the template database on the first run. */
async function ensureTemplate(): Promise<void> {
  const name = dbName(URL_);
  await admin(async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  });
  const handle = await openPostgres(URL_, 2);
  try {
    await migrateToLatest(handle.db);
    if (!(await isDemoLoaded(handle.db))) {
      console.log('loading the demo county (first run only)…');
      await loadDemo(handle.db, { log: (m) => console.log(`  ${m}`) });
    }
  } finally {
    await handle.close();
  }
}

/**
 * ROWS random points inside the demo's blocks (PostGIS ST_GeneratePoints with a fixed seed, so every
 * run imports the same file), as a CSV a field app or Excel would send.
 */
async function makeCsv(url: string): Promise<string> {
  const handle = await openPostgres(url, 1);
  try {
    const pts = await sql<{ x: number; y: number }>`
      WITH county AS (SELECT geom FROM regions WHERE level = 'county' ORDER BY code LIMIT 1),
      pts AS (SELECT (ST_Dump(ST_GeneratePoints(county.geom, ${Math.ceil(ROWS * 1.05)}, 2026))).geom AS g FROM county)
      SELECT ST_X(g) AS x, ST_Y(g) AS y FROM pts
      WHERE EXISTS (SELECT 1 FROM regions r WHERE r.level = 'block' AND ST_Covers(r.geom, pts.g))
      LIMIT ${ROWS}`.execute(handle.db);
    if (pts.rows.length < ROWS) throw new Error(`only ${pts.rows.length} generated points fell inside blocks`);
    const cats = DEFAULT_CATEGORIES;
    const lines = ['经度,纬度,事项,描述,地址,来源,等级,上报时间'];
    pts.rows.forEach((p, i) => {
      const c = cats[i % cats.length];
      const day = String(1 + (i % 28)).padStart(2, '0');
      const time = `${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      // Half by code, half by name, as real sheets mix them.
      lines.push(
        `${p.x.toFixed(6)},${p.y.toFixed(6)},${i % 2 ? c.code : c.name},批量导入第${i + 1}条,测试路${i % 500}号,${i % 3 ? '巡查' : '市民'},${1 + (i % 3)},2026-02-${day} ${time}`,
      );
    });
    return lines.join('\n') + '\n';
  } finally {
    await handle.close();
  }
}

async function runOnce(csv: Buffer, run: number): Promise<number> {
  const copy = `${dbName(URL_)}_import_run`;
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${copy}" TEMPLATE "${dbName(URL_)}"`);
  });
  const handle = await openPostgres(withDb(URL_, copy), 10);
  const app = await buildApp({
    config: loadConfig({ DEMO: '0', NODE_ENV: 'production', LOG_LEVEL: 'warn' }),
    db: handle,
    ownsDb: false,
    logger: false,
  });
  try {
    const user = await handle.db
      .insertInto('users')
      .values({ username: 'bench-importer', display_name: 'bench', role: 'inspector', password_hash: '!no-login' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await handle.db
      .insertInto('api_tokens')
      .values({ user_id: user.id, token_hash: hashToken('bench-token'), expires_at: new Date(Date.now() + 3_600_000) })
      .execute();
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM problems`.execute(handle.db);

    const t0 = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/api/problems/import',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'text/csv' },
      payload: csv,
    });
    const seconds = (performance.now() - t0) / 1000;

    if (res.statusCode !== 201) throw new Error(`import answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
    const body = res.json() as { created: number; rejected: unknown[] };
    const after = await sql<{
      n: number;
      recurrences: number;
    }>`SELECT count(*)::int AS n, count(recurrence_of)::int AS recurrences FROM problems WHERE created_by = ${user.id}`.execute(
      handle.db,
    );
    if (body.created !== ROWS || after.rows[0].n !== ROWS)
      throw new Error(`expected ${ROWS} rows, created ${body.created}, found ${after.rows[0].n}`);
    console.log(
      `run ${run}: ${ROWS.toLocaleString('en')} rows in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds).toLocaleString('en')} rows/s ` +
        `(on top of ${before.rows[0].n.toLocaleString('en')} problems; ${after.rows[0].recurrences} recurrences linked)`,
    );
    return seconds;
  } finally {
    await app.close();
    // Every pooled connection closed before the copy is dropped.
    await handle.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`));
  }
}

await ensureTemplate();
const version = await admin((c) => c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`));
const csv = Buffer.from(await makeCsv(URL_), 'utf8');
console.log(
  `PostgreSQL ${version.rows[0].v}; CSV of ${ROWS.toLocaleString('en')} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB, demo county blocks`,
);
const times: number[] = [];
for (let run = 1; run <= RUNS; run++) times.push(await runOnce(csv, run));
const best = Math.min(...times);
console.log(
  `import-csv: ${ROWS.toLocaleString('en')} rows, best ${best.toFixed(2)} s (${Math.round(ROWS / best).toLocaleString('en')} rows/s) over ${RUNS} run(s); ` +
    `target < ${TARGET_S} s: ${best < TARGET_S ? 'OK' : 'MISSED'}`,
);
process.exit(best < TARGET_S ? 0 : 1);
