/**
 * `createDb` → a `Kysely<DB>` on PostgreSQL + PostGIS (when `DATABASE_URL` is set) or on PGlite +
 * PostGIS in-process (the zero-setup default, persisted under `DATA_DIR`). Same SQL on both.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { DB } from './types.js';
import { PGlitePool } from './pglite-pool.js';

export type Backend = 'pg' | 'pglite';

export interface DbHandle {
  db: Kysely<DB>;
  backend: Backend;
  /** True when the database can encode vector tiles itself (`ST_AsMVT`, needs protobuf-c). */
  hasMvt: boolean;
  /** The embedded instance (PGlite backend only): for dumps and tests. */
  pglite?: PGlite;
  /** The main pool (PostgreSQL backend only): for COPY streams (bulk import and export). */
  pool?: pg.Pool;
  /**
   * Resolves when the database answers a trivial query within about a second; rejects otherwise.
   * Never waits for the main pool (health checks must not queue behind imports and exports).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** OIDs: int8 and numeric arrive as strings from pg; counts and rates are small enough for Number. */
const INT8 = 20;
const NUMERIC = 1700;

export class PostgisMissingError extends Error {
  constructor(cause: unknown) {
    super(
      'PostGIS is not installed on this PostgreSQL server. Install it (Debian/Ubuntu: ' +
        '`apt-get install postgresql-15-postgis-3`, matching your server version) and start again. ' +
        `Cause: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'PostgisMissingError';
  }
}

/** Connection settings for PostgreSQL (see `.env.example`: DB_POOL_MAX, DB_*_TIMEOUT_MS). */
export interface PgOptions {
  /** Connections in the main pool (default 10). */
  max?: number;
  /** Milliseconds to wait for a connection (new or from the pool) before failing (default 5000). */
  connectTimeoutMs?: number;
  /** Server-side `statement_timeout` in milliseconds; 0 = none (default 30000). */
  statementTimeoutMs?: number;
}

type Logger = (message: string) => void;
const logToStderr: Logger = (m) => console.error(m);

export function pgPool(url: string, opts: PgOptions & { log?: Logger; queryTimeoutMs?: number } = {}): pg.Pool {
  const log = opts.log ?? logToStderr;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    // A statement that runs longer is cancelled by the server (57014 → 503), so one runaway query
    // cannot hold a connection for ever; 0 leaves the server's own setting.
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    // Detect a silently dropped connection (a NAT or firewall forgetting it) instead of hanging.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC
          ? (v: string) => (v === null ? null : Number(v))
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client dropped by the server (restart, pg_terminate_backend, DROP DATABASE … FORCE) must
  // not crash the process; the pool replaces it on the next checkout.
  pool.on('error', (err) => log(`PostgreSQL idle client error: ${err.message}`));
  // node-postgres listens for 'error' only while a client is idle in the pool: a connection lost
  // while a client is checked out (mid-query or mid-transaction) emits 'error' on the client with
  // no listener, which ends the process. The running query rejects on its own (→ 503), and the
  // broken client is not queryable, so the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => log(`PostgreSQL connection lost: ${err.message}`));
  });
  return pool;
}

/**
 * Opens PostgreSQL, ensuring PostGIS; throws PostgisMissingError naming the Debian package.
 * `opts` may be the pool size alone (tests, benchmarks).
 */
export async function openPostgres(url: string, opts: number | PgOptions = {}): Promise<DbHandle> {
  const o: PgOptions = typeof opts === 'number' ? { max: opts } : opts;
  const pool = pgPool(url, o);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(db);
  } catch (err) {
    await db.destroy();
    const message = err instanceof Error ? err.message : String(err);
    if (/postgis|extension/i.test(message)) throw new PostgisMissingError(err);
    throw err;
  }
  const hasMvt = await probeMvt(db);
  // Health checks get their own single connection with short timeouts, so /readyz never queues
  // behind exports and imports that hold every connection of the main pool, and answers within
  // about a second when the server is gone or silent.
  const health = pgPool(url, { max: 1, connectTimeoutMs: PING_TIMEOUT_MS, statementTimeoutMs: PING_TIMEOUT_MS });
  return {
    db,
    backend: 'pg',
    hasMvt,
    pool,
    ping: () => pingPool(health),
    close: async () => {
      await Promise.all([db.destroy(), health.end()]);
    },
  };
}

/** How long a health check waits for the database, milliseconds. */
export const PING_TIMEOUT_MS = 800;

/** SELECT 1 on the health pool; the whole check (connect included) is bounded by PING_TIMEOUT_MS. */
function pingPool(pool: pg.Pool): Promise<void> {
  const check = async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await withTimeout(client.query('SELECT 1'), PING_TIMEOUT_MS);
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      // A client that timed out may be stuck on a dead socket: destroy it instead of reusing it.
      client.release(broken);
    }
  };
  return withTimeout(check(), PING_TIMEOUT_MS);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('Query read timeout'), { code: 'ETIMEDOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface PGliteOptions {
  /** Directory to persist to; undefined = in memory. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from (tests use a migrated template). */
  loadDataDir?: Blob | File;
  /** Seconds to wait for another process's lock on `dataDir` (default 12: a crashed one's goes stale in 10). */
  lockWaitSeconds?: number;
}

export async function createPGlite(opts: PGliteOptions = {}): Promise<PGlite> {
  if (opts.dataDir && !existsSync(opts.dataDir)) mkdirSync(opts.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir: opts.dataDir,
    loadDataDir: opts.loadDataDir,
    extensions: { postgis },
    parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => Number(v) },
  });
  await pglite.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  return pglite;
}

export function kyselyOnPGlite(pglite: PGlite): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) as unknown as pg.Pool }) });
}

/**
 * A PGlite data directory must be opened by one process at a time: a second server on the same
 * folder would run from its own in-memory copy and silently lose its writes. The lock (a
 * `.lock` directory refreshed every 5 s) stops it; a lock left by a killed process goes stale
 * after 10 s, so a restart right after a crash waits for it instead of failing.
 */
async function lockDataDir(dataDir: string, waitSeconds: number): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: join(dataDir, '.lock'),
      stale: 10_000,
      retries: { retries: waitSeconds, minTimeout: 1_000, maxTimeout: 1_000 },
      onCompromised: (err) => console.error(`data directory lock lost: ${err.message}`),
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') {
      throw new Error(
        `another process is using the embedded database in ${dataDir} (only one may open it). ` +
          'Stop the other server, or set DATA_DIR to another folder.',
      );
    }
    throw err;
  }
}

export async function openPGlite(opts: PGliteOptions = {}): Promise<DbHandle> {
  const unlock = opts.dataDir ? await lockDataDir(opts.dataDir, opts.lockWaitSeconds ?? 12) : null;
  let pglite: PGlite;
  try {
    pglite = await createPGlite(opts);
  } catch (err) {
    await unlock?.();
    throw err;
  }
  const db = kyselyOnPGlite(pglite);
  const hasMvt = await probeMvt(db);
  return {
    db,
    backend: 'pglite',
    hasMvt,
    pglite,
    // Straight to PGlite, past the pool's one-caller lock: SELECT 1 slips in between the statements
    // of an import's transaction (which yields between batches) and changes nothing in it.
    ping: async () => {
      if (pglite.closed) throw new Error('PGlite is closed');
      await withTimeout(pglite.query('SELECT 1'), PING_TIMEOUT_MS);
    },
    close: async () => {
      await db.destroy();
      await unlock?.();
    },
  };
}

/** PGlite's PostGIS is built without protobuf-c: ST_AsMVT raises there. One check at start-up. */
async function probeMvt(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`SELECT ST_AsMVT(t, 'probe') FROM (SELECT ST_AsMVTGeom(ST_Point(0, 0), ST_MakeEnvelope(-1, -1, 1, 1)) AS geom) t`.execute(
      db,
    );
    return true;
  } catch {
    return false;
  }
}

/** The database the config asks for: PostgreSQL if `databaseUrl` is set, else PGlite in `dataDir`. */
export function createDb(config: {
  databaseUrl: string | null;
  dataDir: string;
  dbPoolMax?: number;
  dbConnectTimeoutMs?: number;
  dbStatementTimeoutMs?: number;
}): Promise<DbHandle> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, {
        max: config.dbPoolMax,
        connectTimeoutMs: config.dbConnectTimeoutMs,
        statementTimeoutMs: config.dbStatementTimeoutMs,
      })
    : openPGlite({ dataDir: config.dataDir });
}
