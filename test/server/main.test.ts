/**
 * The real entry point (server/main.ts) as a child process on PostgreSQL: SIGTERM lets a request
 * in flight finish, refuses new connections, then exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgres } from '../../db/index.js';
import { createPgDatabase } from '../helpers/db.js';
import { createWorld, type World } from '../helpers/world.js';
import { startServer } from '../../scripts/lib/spawn-server.js';

const PG = process.env.TEST_DATABASE_URL;

describe.runIf(PG)('server/main.ts on SIGTERM', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let world: World;

  beforeAll(async () => {
    database = await createPgDatabase();
    const h = await openPostgres(database.url, 1);
    world = await createWorld(h.db);
    await h.close();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const server = await startServer({ DATABASE_URL: database.url, NODE_ENV: 'test', SHUTDOWN_TIMEOUT_MS: '20000' });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      // Hold the list request inside the database: it waits for this lock.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE problems IN ACCESS EXCLUSIVE MODE');
      const inflight = fetch(`${server.base}/api/problems`, {
        headers: { authorization: `Bearer ${world.tokens.leader}` },
      });
      for (let i = 0; ; i++) {
        const { rows } = await locker.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
          [database.name],
        );
        if (rows[0].n > 0) break;
        if (i > 200) throw new Error('the request never reached the database');
        await new Promise((r) => setTimeout(r, 25));
      }
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      // Still draining: the process is alive, but takes no new connections.
      expect(server.child.exitCode).toBe(null);
      await expect(fetch(`${server.base}/healthz`)).rejects.toThrow();
      await locker.query('ROLLBACK');
      const res = await inflight;
      expect(res.status).toBe(200);
      expect((await res.json()).type).toBe('FeatureCollection');
      const code = await server.exited;
      expect(code, server.output()).toBe(0);
    } finally {
      await locker.end().catch(() => undefined);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});
