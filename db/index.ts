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

export function pgPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC
          ? (v: string) => (v === null ? null : Number(v))
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client dropped by the server (restart, DROP DATABASE … FORCE) must not crash the
  // process; the pool replaces it on the next checkout.
  pool.on('error', (err) => console.error(`PostgreSQL idle client error: ${err.message}`));
  return pool;
}

/** Opens PostgreSQL, ensuring PostGIS; throws PostgisMissingError naming the Debian package. */
export async function openPostgres(url: string, max = 10): Promise<DbHandle> {
  const pool = pgPool(url, max);
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
  return { db, backend: 'pg', hasMvt, close: () => db.destroy() };
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
export function createDb(config: { databaseUrl: string | null; dataDir: string }): Promise<DbHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPGlite({ dataDir: config.dataDir });
}
