/**
 * Reads on a PostgreSQL streaming replica (READ_DATABASE_URL): the test makes a primary cluster
 * and a replica of it (pg_createcluster + pg_basebackup -R, on free ports), runs the app against
 * both, and drops both clusters at the end. PostgreSQL only by nature (PGlite has no replication),
 * so not describe.each(BACKENDS). It never touches the shared cluster on 5432: that one allows no
 * replication connections.
 *
 * Without pg_createcluster (postgresql-common) the test fails with a message saying so; CI
 * installs postgresql-15.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openPostgres, type DbHandle } from '../../db/index.js';
import { migrateToLatest } from '../../db/migrate.js';
import { upsertCategories } from '../../db/queries/categories.js';
import { DEFAULT_CATEGORIES } from '../../db/seed/categories.js';
import {
  VERSION,
  createCluster,
  createReplica,
  dropCluster,
  freePort,
  run,
  startCluster,
  waitFor,
} from '../../scripts/lib/pg-cluster.js';
import { buildTestApp } from '../helpers/app.js';
import { centre, createWorld, MANAGER_BLOCK, type World } from '../helpers/world.js';

const tag = `pmrr${process.pid}`;
const PRIMARY = `${tag}p`;
const REPLICA = `${tag}r`;

describe('reads on a streaming replica (READ_DATABASE_URL)', () => {
  let primaryUrl = '';
  let replicaUrl = '';
  let handle: DbHandle;
  let app: FastifyInstance;
  let world: World;
  let replicaClient: pg.Client;

  beforeAll(async () => {
    if (!existsSync('/usr/bin/pg_createcluster'))
      throw new Error(
        'pg_createcluster not found: this test makes its own primary and replica clusters and needs postgresql-common with postgresql-15 (apt-get install postgresql-15)',
      );
    const [p1, p2] = [await freePort(), await freePort()];
    createCluster(PRIMARY, p1);
    startCluster(PRIMARY);
    primaryUrl = `postgres://postgres@127.0.0.1:${p1}/pm`;
    replicaUrl = `postgres://postgres@127.0.0.1:${p2}/pm`;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${p1}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE pm');
    await admin.end();
    handle = await openPostgres(primaryUrl, 4);
    await migrateToLatest(handle.db);
    await upsertCategories(handle.db, DEFAULT_CATEGORIES);
    world = await createWorld(handle.db);

    // The replica: a base backup of the primary with standby.signal and primary_conninfo (-R).
    createReplica(REPLICA, p2, p1);
    replicaClient = await waitFor('the replica to accept connections', async () => {
      const c = new pg.Client({ connectionString: replicaUrl });
      await c.connect().catch(async (err: unknown) => {
        await c.end().catch(() => undefined);
        throw err;
      });
      return c;
    });
    const recovery = await replicaClient.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    expect(recovery.rows[0].r).toBe(true);

    app = await buildTestApp(handle, { databaseUrl: primaryUrl, readDatabaseUrl: replicaUrl });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    await replicaClient?.end().catch(() => undefined);
    await handle?.close();
    dropCluster(REPLICA);
    dropCluster(PRIMARY);
  }, 120_000);

  const list = (role: 'inspector' | 'leader', extra: Record<string, string> = {}) =>
    app.inject({
      url: '/api/problems?limit=1000',
      headers: { authorization: `Bearer ${world.tokens[role]}`, ...extra },
    });
  const ids = (res: { json(): unknown }) => (res.json() as { features: { id: number }[] }).features.map((f) => f.id);

  it('serves reads from the replica, keeps a writer on the primary until the replica has replayed its write, and falls back when the replica stops', async () => {
    expect(app.readReplica?.current.healthy).toBe(true);

    // Replay paused: the replica cannot see the next write until it resumes.
    await replicaClient.query('SELECT pg_wal_replay_pause()');
    const [lon, lat] = centre(MANAGER_BLOCK);
    const created = await app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: { authorization: `Bearer ${world.tokens.inspector}` },
      payload: { lon, lat, category: '06010', description: '副本测试' },
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: number }).id;
    const lsn = created.headers['x-read-after-lsn'];
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

    // Read-your-own-writes: the writer sees it at once (its reads go to the primary) …
    expect(ids(await list('inspector'))).toContain(id);
    // … and so does anyone who carries the writer's position (another instance's client).
    expect(ids(await list('leader', { 'x-read-after-lsn': String(lsn) }))).toContain(id);
    // A reader who wrote nothing reads the replica, which has not replayed the write yet.
    expect(ids(await list('leader'))).not.toContain(id);

    // Replay resumes: the write reaches the replica, and that reader sees it there.
    await replicaClient.query('SELECT pg_wal_replay_resume()');
    await waitFor('the replica to replay the write', async () => {
      const r = await replicaClient.query('SELECT 1 FROM problems WHERE id = $1', [id]);
      return r.rowCount === 1;
    });
    await app.readReplica!.poll();
    expect(ids(await list('leader'))).toContain(id);
    // The replica has passed the writer's position: the writer's reads may go there too now.
    expect(app.dbFor({ headers: {}, user: { id: world.userIds.inspector } } as never)).toBe(app.readDb);

    // The replica stops: reads keep working (from the primary), at once and after the next poll.
    await replicaClient.end();
    run('pg_ctlcluster', [VERSION, REPLICA, 'stop', '-m', 'fast']);
    const during = await list('leader');
    expect(during.statusCode).toBe(200);
    expect(ids(during)).toContain(id);
    await app.readReplica!.poll();
    expect(app.readReplica!.current.healthy).toBe(false);
    const stats = await app.inject({
      url: '/api/stats/map?level=block&measure=open',
      headers: { authorization: `Bearer ${world.tokens.leader}` },
    });
    expect(stats.statusCode).toBe(200);
    expect(ids(await list('leader'))).toContain(id);
  }, 120_000);
});
