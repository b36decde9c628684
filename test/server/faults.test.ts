/**
 * Database faults (issue 14, part 1) on real PostgreSQL, through a TCP proxy the test controls (the
 * shared server on 5432 is never restarted): a lost connection never ends the process, an
 * unreachable database answers 503 DB_UNAVAILABLE quickly on /readyz and on every API route, and
 * the service recovers by itself when the database returns.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres, type DbHandle } from '../../db/index.js';
import { isDbUnavailable } from '../../db/faults.js';
import { BACKENDS, createPgDatabase } from '../helpers/db.js';
import { buildTestApp, useApp } from '../helpers/app.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { auth, centre, createWorld, MANAGER_BLOCK, type World } from '../helpers/world.js';

const PG = process.env.TEST_DATABASE_URL;

/** Waits until `check` passes, polling every 50 ms, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(PG)('PostgreSQL faults through a controlled proxy', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let proxy: TcpProxy;
  let handle: DbHandle;
  let app: FastifyInstance;
  let world: World;
  const logged: string[] = [];

  beforeAll(async () => {
    database = await createPgDatabase();
    const target = new URL(database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    handle = await openPostgres(proxy.url(database.url), { max: 4, connectTimeoutMs: 500, statementTimeoutMs: 2_000 });
    world = await createWorld(handle.db);
    app = await buildTestApp(handle);
  });
  afterAll(async () => {
    await app?.close();
    await handle?.close();
    await proxy?.close();
    await database?.drop();
  });
  beforeEach(() => {
    proxy.restore();
    logged.length = 0;
  });

  const list = () => app.inject({ url: '/api/problems', headers: auth(world.tokens.leader) });

  it('survives every connection being terminated by the server while requests are in flight, then serves again', async () => {
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    try {
      const inflight = Array.from({ length: 20 }, (_, i) =>
        app.inject({ url: i % 2 ? '/api/problems' : '/api/stats/regions', headers: auth(world.tokens.leader) }),
      );
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database.name],
      );
      const statuses = (await Promise.all(inflight)).map((r) => r.statusCode);
      // Each request either finished before the cut or is told to retry: never a 500.
      for (const s of statuses) expect([200, 503]).toContain(s);
      // And a second termination, of the idle connections the pool kept.
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database.name],
      );
    } finally {
      await admin.end();
    }
    await eventually(async () => (await list()).statusCode === 200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it('a query in flight on a checked-out connection fails as "unavailable" when the connection drops, and the process lives on', async () => {
    const running = sql`SELECT pg_sleep(5)`.execute(handle.db).then(
      () => null,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 300));
    proxy.cut();
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    expect(isDbUnavailable(err)).toBe(true);
    proxy.restore();
    await eventually(async () => (await list()).statusCode === 200);
  });

  it('while the database refuses connections: /readyz and API routes answer 503 DB_UNAVAILABLE without naming the host; then recover', async () => {
    proxy.cut();
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ error: { code: 'DB_UNAVAILABLE', message: 'database not reachable' } });
    expect(ready.body).not.toContain('127.0.0.1');
    expect(ready.body).not.toContain(String(proxy.port));
    for (const url of ['/api/problems', '/api/stats/regions', '/api/categories', `/api/problems/1`]) {
      const res = await app.inject({ url, headers: auth(world.tokens.leader) });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error.code, url).toBe('DB_UNAVAILABLE');
      expect(res.body).not.toContain(String(proxy.port));
    }
    const [lon, lat] = centre(MANAGER_BLOCK);
    const post = await app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(world.tokens.inspector),
      payload: { category: '06010', description: '断线时上报', lon, lat },
    });
    expect(post.statusCode).toBe(503);
    proxy.restore();
    await eventually(async () => (await app.inject('/readyz')).statusCode === 200);
    expect((await list()).statusCode).toBe(200);
  });

  it('while the network is silent (connections accepted, never answered): 503 after the connect timeout instead of hanging', async () => {
    proxy.stall();
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    const res = await list();
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DB_UNAVAILABLE');
    proxy.restore();
    await eventually(async () => (await list()).statusCode === 200);
  }, 15_000);

  it('a statement held up past DB_STATEMENT_TIMEOUT_MS is cancelled and answered 503, and /readyz still answers meanwhile', async () => {
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE problems IN ACCESS EXCLUSIVE MODE');
      const blocked = list();
      // The health check has its own connection: it does not wait for the blocked one.
      expect((await app.inject('/readyz')).statusCode).toBe(200);
      const res = await blocked;
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('DB_UNAVAILABLE');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await list()).statusCode).toBe(200);
  });
});

describe.each(BACKENDS)('health during a long import on $name', (backend) => {
  const ctx = useApp(backend);
  /** True once the import's transaction holds its staging table (PGlite: the one session; PostgreSQL: another backend). */
  const importStaged = async (): Promise<boolean> => {
    if (ctx.handle.pglite) {
      // The staged import's temporary table (db/queries/problem-import-stage.ts), one per import.
      const r = await ctx.handle.pglite.query<{ ok: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname LIKE 'problem_import_%' AND relpersistence = 't') AS ok",
      );
      return r.rows[0].ok;
    }
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE '%problem_import%'`.execute(
      ctx.handle.db,
    );
    return r.rows[0].n > 0;
  };

  it('/readyz answers 200 while a 30,000-row import is still running (it does not queue behind it)', async () => {
    const rows = ['lon,lat,category,description,reported_at'];
    for (let i = 0; i < 30_000; i++) {
      // Spread over the county's 8 blocks (113.00–113.04 E, 28.20–28.24 N).
      const lon = 113.0005 + (i % 190) * 0.0002;
      const lat = 28.2005 + (Math.floor(i / 190) % 190) * 0.0002;
      rows.push(`${lon.toFixed(6)},${lat.toFixed(6)},06010,批量 ${i},2026-03-0${1 + (i % 9)} 09:00`);
    }
    let importDone = false;
    const importing = ctx.app
      .inject({
        method: 'POST',
        url: '/api/problems/import',
        headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'text/csv' },
        payload: rows.join('\n') + '\n',
      })
      .then((res) => {
        importDone = true;
        return res;
      });
    // Wait until the import's transaction has created its staging table, then ask for readiness.
    await eventually(async () => importDone || (await importStaged()), 60_000);
    const ready = await ctx.app.inject('/readyz');
    // Answered while the import's transaction was still open (its staging table still there).
    const stillImporting = await importStaged();
    const imported = await importing;
    expect(imported.statusCode, imported.body.slice(0, 300)).toBe(201);
    expect(imported.json().created).toBe(30_000);
    expect(ready.statusCode).toBe(200);
    expect(stillImporting).toBe(true);
  }, 180_000);
});
