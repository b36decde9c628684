/**
 * The real entry point (server/main.ts) as a child process on PostgreSQL: SIGTERM lets a request
 * in flight finish, refuses new connections, then exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import pg from 'pg';
import { openPostgres } from '../../db/index.js';
import { createPgDatabase } from '../helpers/db.js';
import { createWorld, type World } from '../helpers/world.js';

const PG = process.env.TEST_DATABASE_URL;

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts server/main.ts with `env`; resolves once /readyz answers 200. */
export async function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string; output: () => string; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DEMO: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`server did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, base, output: () => out, exited };
}

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
    const server = await startServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: '20000' });
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
