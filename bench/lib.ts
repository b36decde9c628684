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
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { openPostgres, type DbHandle } from '../db/index.js';
import type { DB } from '../db/types.js';
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
 * The app on `handle` (not owning it), demo loading off, warnings only, no request log. `NODE_ENV=test`
 * turns the escalation timer off: its first sweep runs when the app gets ready and would write
 * (escalations, data_version) in the middle of the first timings.
 */
export function benchApp(handle: DbHandle, url: string): Promise<FastifyInstance> {
  return buildApp({
    config: { ...loadConfig({ DEMO: '0', NODE_ENV: 'test' }), databaseUrl: url, logLevel: 'warn' },
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
