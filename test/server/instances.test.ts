/**
 * Two app instances on one PostgreSQL (issue 14, part 6): what one writes the other serves at once
 * (tiles and region ETags key on the database's data version, not on process memory), and the
 * escalation sweep runs once across instances (advisory lock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres, type DbHandle } from '../../db/index.js';
import { LOCKS } from '../../db/locks.js';
import { createPgDatabase } from '../helpers/db.js';
import { buildTestApp } from '../helpers/app.js';
import { insertProblemRows } from '../helpers/problems.js';
import { auth, centre, createWorld, MANAGER_BLOCK, type World } from '../helpers/world.js';

const PG = process.env.TEST_DATABASE_URL;

/** The z/x/y of the tile holding lon/lat (Web Mercator). */
function tileOf(lon: number, lat: number, z: number): [number, number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [z, x, y];
}

describe.runIf(PG)('two instances on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let ha: DbHandle;
  let hb: DbHandle;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let world: World;

  beforeAll(async () => {
    database = await createPgDatabase();
    ha = await openPostgres(database.url, 3);
    hb = await openPostgres(database.url, 3);
    world = await createWorld(ha.db);
    a = await buildTestApp(ha);
    b = await buildTestApp(hb);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ha?.close();
    await hb?.close();
    await database?.drop();
  });

  it("a problem created through A changes B's tile ETag and B's numbers at once", async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const [z, x, y] = tileOf(lon, lat, 15);
    const tile = (app: FastifyInstance, etag?: string) =>
      app.inject({
        url: `/tiles/problems/${z}/${x}/${y}.mvt`,
        headers: { ...auth(world.tokens.leader), ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const before = await tile(b);
    const etag = String(before.headers.etag);
    expect((await tile(b, etag)).statusCode).toBe(304);
    // A's own view of the same tile carries the same ETag: it is derived from the database, not the process.
    expect((await tile(a)).headers.etag).toBe(etag);

    const created = await a.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(world.tokens.inspector),
      payload: { category: '06010', description: '实例 A 上报', lon, lat },
    });
    expect(created.statusCode).toBe(201);

    const after = await tile(b, etag);
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    expect((await tile(a)).headers.etag).toBe(after.headers.etag);

    // The numbers, not the instant each answer was computed at (as_of and the period follow "now").
    const stats = async (app: FastifyInstance) => {
      const body = (
        await app.inject({ url: `/api/stats/regions/${MANAGER_BLOCK}`, headers: auth(world.tokens.leader) })
      ).json();
      const { as_of: _asOf, period: _period, previous: _previous, ...numbers } = body;
      return numbers;
    };
    const fromB = await stats(b);
    expect(fromB.region.code).toBe(MANAGER_BLOCK);
    expect(fromB).toEqual(await stats(a));
  });

  it('the escalation sweep runs once across instances: a held lock makes both skip, then exactly one escalates each item', async () => {
    await insertProblemRows(ha.db, [
      { block: MANAGER_BLOCK, status: 'filed', reported: '2026-01-05 09:00', due: '2026-01-06 09:00' },
      { block: MANAGER_BLOCK, status: 'dispatched', reported: '2026-01-05 10:00', due: '2026-01-06 10:00' },
      { block: MANAGER_BLOCK, status: 'in_progress', reported: '2026-01-05 11:00', due: '2026-01-06 11:00' },
    ]);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCKS.escalationSweep]);
      expect(await a.runEscalationSweep()).toBe(0);
      expect(await b.runEscalationSweep()).toBe(0);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    const [na, nb] = await Promise.all([a.runEscalationSweep(), b.runEscalationSweep()]);
    expect(na + nb).toBe(3);
    const events = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM problem_events WHERE action = 'escalate'`.execute(ha.db);
    expect(events.rows[0].n).toBe(3);
    expect(await a.runEscalationSweep()).toBe(0);
  });
});
