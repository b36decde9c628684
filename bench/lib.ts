/**
 * What every bench shares: the PostgreSQL demo-county template database (created, migrated and
 * filled once, then copied per bench), a bench user with a token, the app built on a handle, a
 * timing loop with median/p95, one way of printing timings, and `figure()` — the headline
 * figures `bench/run.ts` collects into its summary table.
 *
 * Databases (all on the server of `BENCH_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432`):
 * - the template, `BENCH_DATABASE_URL` (default `pm_bench`, or `pm_bench_p<PROBLEMS>` when
 *   `PROBLEMS` is set to anything but the demo's 20,000): the demo county (db/seed/load.ts), loaded
 *   by whichever bench runs first and never written to afterwards;
 * - one copy per bench, `<template>_<bench>` (CREATE DATABASE … TEMPLATE, ~1 s), dropped when the bench
 *   ends, so benches that write (imports, data_version bumps, bench users) leave the template as it was
 *   and every run starts from the same state.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { openPostgres, type DbHandle } from '../db/index.js';
import type { DB } from '../db/types.js';
import { PGlitePool } from '../db/pglite-pool.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { DEFAULT_PROBLEM_COUNT } from '../db/seed/problems.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

/** A positive number from the environment, or `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/** Problems in the demo template (the demo's default unless `PROBLEMS` says otherwise). */
export const PROBLEMS = envNumber('PROBLEMS', DEFAULT_PROBLEM_COUNT);

/** The demo-county template database. */
export const TEMPLATE_URL =
  process.env.BENCH_DATABASE_URL ??
  `postgres://postgres@127.0.0.1:5432/${PROBLEMS === DEFAULT_PROBLEM_COUNT ? 'pm_bench' : `pm_bench_p${PROBLEMS}`}`;

/** This bench's name (the script's file name without `.ts`), used in database names and commands. */
export const BENCH = basename(process.argv[1] ?? 'bench').replace(/\.[cm]?[jt]s$/, '');

/** Database name of a PostgreSQL URL. */
export const dbName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/** The same server URL with another database. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs `fn` on a short-lived connection to the server's `postgres` database (CREATE/DROP DATABASE). */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = TEMPLATE_URL): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates the database of `url` when missing. Resolves to true when it was created. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = dbName(url);
  return admin(async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount !== 0) return false;
    await c.query(`CREATE DATABASE ${ident(name)}`);
    return true;
  }, url);
}

/**
 * Creates, migrates and fills the template on first use (a minute or two: the demo county with
 * PROBLEMS problems), analyses it so every copy starts with planner statistics; later calls only
 * migrate. Closes its connections: a database with sessions cannot be copied.
 */
export async function ensureDemoTemplate(): Promise<string> {
  await ensureDatabase(TEMPLATE_URL);
  const handle = await openPostgres(TEMPLATE_URL, 2);
  try {
    await migrateToLatest(handle.db);
    if (!(await isDemoLoaded(handle.db))) {
      console.log(`loading the demo county with ${PROBLEMS} problems into ${dbName(TEMPLATE_URL)} (first run only)…`);
      await loadDemo(handle.db, { problems: PROBLEMS, log: (m) => console.log(`  ${m}`) });
      await sql`ANALYZE`.execute(handle.db);
    }
  } finally {
    await handle.close();
  }
  return TEMPLATE_URL;
}

export interface BenchDb {
  /** URL of the copy. */
  url: string;
  handle: DbHandle;
  /** Closes the handle (unless `handleClosed`: an app owning it already did) and drops the copy. */
  dispose(opts?: { handleClosed?: boolean }): Promise<void>;
}

/**
 * A fresh copy of the demo template for this bench (`<template>_<name>`), opened with a pool of
 * `poolSize` connections and analysed. Drop it with `dispose()`.
 */
export async function openDemoCopy(name = BENCH, poolSize = 10): Promise<BenchDb> {
  await ensureDemoTemplate();
  const copy = `${dbName(TEMPLATE_URL)}_${name.replace(/[^a-z0-9_]/gi, '_')}`;
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${ident(copy)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${ident(copy)} TEMPLATE ${ident(dbName(TEMPLATE_URL))}`);
  });
  const url = withDatabase(TEMPLATE_URL, copy);
  const handle = await openPostgres(url, poolSize);
  await sql`ANALYZE`.execute(handle.db);
  return {
    url,
    handle,
    async dispose(opts = {}) {
      if (!opts.handleClosed) await handle.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${ident(copy)} WITH (FORCE)`));
    },
  };
}

export interface DbCounts {
  version: string;
  blocks: number;
  problems: number;
  open: number;
}

/** Server version and the size of the data, for the line every bench prints first. */
export async function describeDb(db: Kysely<DB>): Promise<DbCounts> {
  const { rows } = await sql<DbCounts>`
    SELECT current_setting('server_version') AS version,
           (SELECT count(*) FROM regions WHERE level = 'block')::int AS blocks,
           (SELECT count(*) FROM problems)::int AS problems,
           (SELECT count(*) FROM problems WHERE status NOT IN ('closed', 'voided'))::int AS open`.execute(db);
  return rows[0];
}

/**
 * A user of `role` (county-wide scope) with an API token valid for an hour, inserted directly.
 * Resolves to the bearer token and the user's id.
 */
export async function benchUser(
  db: Kysely<DB>,
  role: 'leader' | 'inspector' | 'admin' = 'leader',
): Promise<{ token: string; userId: number }> {
  const token = `bench-${BENCH}-${role}-${Date.now()}`;
  const user = await db
    .insertInto('users')
    .values({ username: token, display_name: '基准', role, scope: [], password_hash: '!no-login' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('api_tokens')
    .values({ user_id: user.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 3_600_000) })
    .execute();
  return { token, userId: user.id };
}

/**
 * The app on `handle` (not owning it), demo loading off, warnings only, no request log, `env` on top
 * (e.g. `RATE_LIMIT_MAX: '0'` for a load run). `NODE_ENV=test`
 * turns the escalation timer off: its first sweep runs when the app gets ready and would write
 * (escalations, data_version) in the middle of the first timings.
 */
export function benchApp(
  handle: DbHandle,
  url: string | null,
  env: Record<string, string> = {},
): Promise<FastifyInstance> {
  return buildApp({
    config: { ...loadConfig({ DEMO: '0', NODE_ENV: 'test', ...env }), databaseUrl: url, logLevel: 'warn' },
    db: handle,
    ownsDb: false,
    logger: false,
  });
}

/** Timings of one measurement, in milliseconds. */
export interface Timing {
  runs: number[];
  median: number;
  p95: number;
  min: number;
}

/** Median, p95 and min of samples in ms (nearest-rank on the sorted samples). */
export function summarise(ms: number[]): Timing {
  if (ms.length === 0) throw new Error('no samples');
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { runs: ms, median: q(0.5), p95: q(0.95), min: s[0] };
}

export interface TimeOptions {
  /** Untimed calls first (default 1): connections opened, plans and caches warm. */
  warmup?: number;
  /** Untimed work before every timed call (e.g. bumping data_version so a cache misses). */
  before?: () => Promise<unknown>;
}

/** Calls `fn` `runs` times one after another, timing each call; resolves to the summary. */
export async function time(fn: () => Promise<unknown>, runs: number, opts: TimeOptions = {}): Promise<Timing> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) {
    if (opts.before) await opts.before();
    await fn();
  }
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (opts.before) await opts.before();
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return summarise(out);
}

/** Milliseconds with one decimal below 100 ms, whole above. */
export function ms(n: number): string {
  return `${n < 100 ? n.toFixed(1) : n.toFixed(0)} ms`;
}

/** `median … · p95 … · min … (n runs)`: how every bench prints a timing. */
export function formatTiming(t: Timing): string {
  return `median ${ms(t.median)} · p95 ${ms(t.p95)} · min ${ms(t.min)} (${t.runs.length} runs)`;
}

/** Megabytes (MiB) with `digits` decimals. */
export function mb(bytes: number, digits = 0): string {
  return `${(bytes / 1024 / 1024).toFixed(digits)} MB`;
}

/** Environment variables that change what a bench measures: a reproducing command must repeat them. */
const SIGNIFICANT_ENV = [
  'BENCH_DATABASE_URL',
  'PROBLEMS',
  'RUNS',
  'IMPORT_ROWS',
  'EXPORT_ROWS',
  'EXPORT_DATABASE_URL',
  'FILTER',
  'DATA_DIR',
];

/** The command that reproduces this bench's figures, with the significant variables set for this run. */
export function command(): string {
  const env = SIGNIFICANT_ENV.filter((k) => process.env[k]).map(
    (k) => `${k}=${/^[\w/:.@=,-]+$/.test(process.env[k]!) ? process.env[k] : `'${process.env[k]}'`}`,
  );
  return [...env, 'npm run bench --', BENCH].join(' ');
}

/**
 * Prints a headline figure and, under `bench/run.ts` (which sets `BENCH_FIGURES` to a file), records
 * it for the summary table.
 */
export function figure(name: string, value: string): void {
  console.log(`» ${name}: ${value}`);
  const file = process.env.BENCH_FIGURES;
  if (file) appendFileSync(file, JSON.stringify({ bench: BENCH, name, value, command: command() }) + '\n');
}

// --- Capturing a route's SQL, replaying it (pgbench), single create, per-request overhead ------------
// Shared by bench/create.ts and bench/scale.ts.

/** A Kysely on the same database that records every statement it sends (to EXPLAIN or replay it). */
export interface CapturingDb {
  db: Kysely<DB>;
  captured: CompiledQuery[];
  /**
   * `EXPLAIN (ANALYZE, BUFFERS)` of a statement, one line per plan line, in a transaction rolled
   * back afterwards, after the session settings (`SET LOCAL …`) the statement ran with.
   */
  explain(q: CompiledQuery, settings?: readonly CompiledQuery[]): Promise<string[]>;
  destroy(): Promise<void>;
}

/**
 * The capturing Kysely over a pool of its own (PostgreSQL) or over the same PGlite instance (its
 * one connection, lent in turn with the app's pool: use it while nothing else runs).
 */
export function capturingDb(handle: DbHandle, url: string | null): CapturingDb {
  const captured: CompiledQuery[] = [];
  // PGlitePool.end() closes the PGlite instance, which the bench's handle still uses: this one's
  // end() only waits for its last caller.
  const lent = handle.pglite ? new PGlitePool(handle.pglite) : null;
  const pool = lent
    ? ({ connect: () => lent.connect(), end: async () => undefined } as unknown as pg.Pool)
    : new pg.Pool({ connectionString: url ?? undefined, max: 2 });
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') captured.push(e.query);
    },
  });
  return {
    db,
    captured,
    async explain(q, settings = []) {
      const text = `EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`;
      if (handle.pglite) {
        const rows = await handle.pglite.transaction(async (tx) => {
          for (const s of settings) await tx.query(s.sql, s.parameters as unknown[]);
          const r = (await tx.query<Record<string, string>>(text, q.parameters as unknown[])).rows;
          await tx.rollback();
          return r;
        });
        return (rows ?? []).map((r) => r['QUERY PLAN']);
      }
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const s of settings) await client.query(s.sql, s.parameters as unknown[]);
        const { rows } = await client.query(text, q.parameters as unknown[]);
        return rows.map((r: Record<string, string>) => r['QUERY PLAN']);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
    },
    destroy: () => db.destroy(),
  };
}

/** Real problem locations jittered by up to ~30 m, and the active categories: what creates report. */
export async function createInputs(
  db: Kysely<DB>,
): Promise<{ pts: { lon: number; lat: number }[]; categories: string[] }> {
  const pts = (
    await sql<{ lon: number; lat: number }>`
      SELECT ST_X(geom) + (random() - 0.5) * 0.0006 AS lon, ST_Y(geom) + (random() - 0.5) * 0.0006 AS lat
      FROM problems ORDER BY id % 97, id LIMIT 20000`.execute(db)
  ).rows;
  const categories = (
    await sql<{ code: string }>`SELECT code FROM categories WHERE active ORDER BY code`.execute(db)
  ).rows.map((r) => r.code);
  return { pts, categories };
}

/** Bodies of `POST /api/problems` from `createInputs`, in a seeded order (seed 20261202). */
export function createBodies(inputs: { pts: { lon: number; lat: number }[]; categories: string[] }): () => string {
  let seed = 20261202;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return () => {
    const p = inputs.pts[Math.floor(rand() * inputs.pts.length)];
    return JSON.stringify({
      lon: p.lon,
      lat: p.lat,
      category: inputs.categories[Math.floor(rand() * inputs.categories.length)],
      description: '基准测试',
    });
  };
}

/** The statements of one create and of one `/api/auth/me`, as the route sends them (captured). */
export interface RouteStatements {
  create: CompiledQuery[];
  me: CompiledQuery[];
  /** The create's point: its lon and lat become pgbench variables when inlined. */
  point: { lon: number; lat: number };
}

/** Runs one create and one /me through the app on a capturing Kysely and keeps their statements. */
export async function captureCreateAndMe(
  handle: DbHandle,
  url: string | null,
  token: string,
  inputs: { pts: { lon: number; lat: number }[]; categories: string[] },
): Promise<RouteStatements> {
  const capturing = capturingDb(handle, url);
  const captureApp = await benchApp({ ...handle, db: capturing.db }, url);
  const point = { ...inputs.pts[0] };
  try {
    const res = await captureApp.inject({
      method: 'POST',
      url: '/api/problems',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { ...point, category: inputs.categories[0], description: '基准测试' },
    });
    if (res.statusCode !== 201) throw new Error(`capture create: ${res.statusCode} ${res.body}`);
    const create = capturing.captured.splice(0);
    const me = await captureApp.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    if (me.statusCode !== 200) throw new Error(`capture me: ${me.statusCode}`);
    return { create, me: capturing.captured.splice(0), point };
  } finally {
    await captureApp.close();
    await capturing.destroy();
  }
}

/** A statement with its parameters inlined as literals, the create's lon/lat as pgbench variables. */
export function inlineForPgbench(q: CompiledQuery, point: { lon: number; lat: number }): string {
  const lit = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (v === point.lon) return ':lon';
    if (v === point.lat) return ':lat';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (v instanceof Date) return `'${v.toISOString()}'`;
    if (Array.isArray(v)) return `ARRAY[${v.map(lit).join(',')}]::text[]`;
    return `'${String(v).replace(/'/g, "''")}'`;
  };
  return q.sql.replace(/\$(\d+)/g, (_, i) => lit(q.parameters[Number(i) - 1])).replace(/\s+/g, ' ');
}

/**
 * A pgbench script replaying the create's statements at a random point of `pts` (a table
 * `bench_create_points` made here; `dropCreatePoints` removes it).
 */
export async function writeCreateScript(
  db: Kysely<DB>,
  pts: { lon: number; lat: number }[],
  statements: RouteStatements,
  file: string,
): Promise<void> {
  await sql`DROP TABLE IF EXISTS bench_create_points`.execute(db);
  await sql`CREATE TABLE bench_create_points (i int PRIMARY KEY, lon float8, lat float8)`.execute(db);
  await sql`INSERT INTO bench_create_points SELECT i, lon, lat FROM unnest(${pts.map((p) => p.lon)}::float8[], ${pts.map((p) => p.lat)}::float8[]) WITH ORDINALITY AS t(lon, lat, i)`.execute(
    db,
  );
  writeFileSync(
    file,
    [
      `\\set i random(1, ${pts.length})`,
      'SELECT lon, lat FROM bench_create_points WHERE i = :i \\gset',
      ...statements.create.map((q) => `${inlineForPgbench(q, statements.point)};`),
    ].join('\n') + '\n',
  );
}

export const dropCreatePoints = (db: Kysely<DB>) => sql`DROP TABLE IF EXISTS bench_create_points`.execute(db);

export interface PgbenchResult {
  tps: number;
  latencyAvg: number;
  /** pgbench -r: one line per statement, its average latency. */
  perStatement: string;
}

/** pgbench with `clients` clients for `seconds` on the database of `url`. */
export function runPgbench(url: string, script: string, clients: number, seconds: number): PgbenchResult {
  const u = new URL(url);
  const out = execFileSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-r',
      '-f',
      script,
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username) || 'postgres',
      dbName(url),
    ],
    { encoding: 'utf8' },
  );
  return {
    tps: Number(/tps = ([\d.]+)/.exec(out)?.[1]),
    latencyAvg: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]),
    perStatement: out
      .split('\n')
      .filter((l) => /^\s+[\d.]+\s+\d+\s/.test(l))
      .join('\n'),
  };
}

export interface CreateLoad {
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Responses seen (2xx or not). */
  requests: number;
}

/** `POST /api/problems` with autocannon: `connections` clients for `seconds`. */
export async function createLoad(
  base: string,
  token: string,
  body: () => string,
  connections: number,
  seconds: number,
): Promise<CreateLoad> {
  const r = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/api/problems', setupRequest: (req) => ({ ...req, body: body() }) as never }],
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    requests: r.requests.total,
  };
}

/**
 * Removes every problem the bench user created (through the route or pgbench's replay), with their
 * events, in one transaction; resolves to how many. problem_events is append-only (a trigger
 * refuses DELETE): the bench's own events go with the triggers off for that one statement; the
 * problems then go with theirs on, so the rollups and tile bins follow.
 *
 * problems.duplicate_of and problems.recurrence_of reference problems without an index, so each
 * deleted row's foreign-key checks scan the whole table (minutes for a few hundred rows at S, days
 * for a run's worth at L). Two partial indexes made inside the transaction and dropped before it
 * commits (nearly empty: most problems are neither) make each check an index probe and leave the
 * schema as it was.
 */
export async function removeBenchProblems(db: Kysely<DB>, userId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`CREATE INDEX bench_cleanup_duplicate_of ON problems (duplicate_of) WHERE duplicate_of IS NOT NULL`.execute(
      trx,
    );
    await sql`CREATE INDEX bench_cleanup_recurrence_of ON problems (recurrence_of) WHERE recurrence_of IS NOT NULL`.execute(
      trx,
    );
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await sql`DELETE FROM problem_events WHERE problem_id IN (SELECT id FROM problems WHERE created_by = ${userId})`.execute(
      trx,
    );
    await sql`SET LOCAL session_replication_role = origin`.execute(trx);
    const r = await sql`DELETE FROM problems WHERE created_by = ${userId}`.execute(trx);
    await sql`DROP INDEX bench_cleanup_duplicate_of, bench_cleanup_recurrence_of`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  });
}

/** Removes a bench user and its tokens (after `removeBenchProblems`). */
export async function removeBenchUser(db: Kysely<DB>, userId: number): Promise<void> {
  await sql`DELETE FROM api_tokens WHERE user_id = ${userId}`.execute(db);
  await sql`DELETE FROM users WHERE id = ${userId}`.execute(db);
}

export interface Overhead {
  me: Timing;
  sql: Timing;
  meMean: number;
  sqlMean: number;
  /** Mean of the request minus mean of its SQL alone, ms. */
  overheadMean: number;
  overheadMedian: number;
}

/**
 * Per-request overhead: `GET /api/auth/me` one at a time on a keep-alive connection, minus the
 * same statements alone (`sqlAlone`), interleaved, after `warmup` untimed pairs.
 */
export async function requestOverhead(
  base: string,
  token: string,
  sqlAlone: () => Promise<unknown>,
  runs = 3000,
  warmup = 200,
): Promise<Overhead> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/auth/me`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`me ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  const ta: number[] = [];
  const tb: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) {
      await get();
      await sqlAlone();
    }
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await get();
      ta.push(performance.now() - t);
      t = performance.now();
      await sqlAlone();
      tb.push(performance.now() - t);
    }
  } finally {
    agent.destroy();
  }
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const me = summarise(ta);
  const alone = summarise(tb);
  return {
    me,
    sql: alone,
    meMean: mean(ta),
    sqlMean: mean(tb),
    overheadMean: mean(ta) - mean(tb),
    overheadMedian: me.median - alone.median,
  };
}
