import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { testConfig } from '../../helpers/app.js';
import { centre, createWorld, MANAGER_BLOCK } from '../../helpers/world.js';
import type { DbHandle } from '../../../db/index.js';
import type { DB } from '../../../db/types.js';
import { escalateOverdue } from '../../../db/queries/escalation.js';
import configPlugin from '../../../server/plugins/config.js';
import dbPlugin from '../../../server/plugins/db.js';
import escalationPlugin from '../../../server/plugins/escalation.js';
import { truncateWithRecord } from '../../../db/maintenance.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-11-20T02:00:00Z');

async function insertProblem(db: Kysely<DB>, status: string, dueAt: Date | null, escalated = false): Promise<number> {
  const [lon, lat] = centre(MANAGER_BLOCK);
  const r = await sql<{ id: number }>`
    INSERT INTO problems (category_code, status, geom, region_code, due_at, escalated)
    VALUES ('06010', ${status}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${MANAGER_BLOCK}, ${dueAt}::timestamptz, ${escalated})
    RETURNING id`.execute(db);
  return r.rows[0].id;
}

describe.each(BACKENDS)('escalation sweep (督办) on $name', (backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await backend.open();
    await createWorld(handle.db);
  });
  afterAll(async () => handle.close());
  beforeEach(async () => {
    await truncateWithRecord(handle.db, ['problem_events', 'problems']);
  });

  const state = (id: number) =>
    handle.db
      .selectFrom('problems')
      .select(['escalated', 'escalated_at', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const dataVersion = async () =>
    Number((await handle.db.selectFrom('data_version').select('problems').executeTakeFirstOrThrow()).problems);

  it('flags open problems overdue longer than the grace, one system event each, and nothing else', async () => {
    const late30h = await insertProblem(handle.db, 'in_progress', new Date(NOW.getTime() - 30 * HOUR));
    const lateResolved = await insertProblem(handle.db, 'resolved', new Date(NOW.getTime() - 25 * HOUR));
    const late10h = await insertProblem(handle.db, 'dispatched', new Date(NOW.getTime() - 10 * HOUR));
    const exactlyGrace = await insertProblem(handle.db, 'filed', new Date(NOW.getTime() - 24 * HOUR));
    const closed = await insertProblem(handle.db, 'closed', new Date(NOW.getTime() - 100 * HOUR));
    const voided = await insertProblem(handle.db, 'voided', new Date(NOW.getTime() - 100 * HOUR));
    const already = await insertProblem(handle.db, 'in_progress', new Date(NOW.getTime() - 100 * HOUR), true);
    const noDeadline = await insertProblem(handle.db, 'reported', null);
    const before = await dataVersion();

    expect(await escalateOverdue(handle.db, 24, NOW)).toBe(2);

    for (const id of [late30h, lateResolved]) {
      const s = await state(id);
      expect(s.escalated).toBe(true);
      expect(s.escalated_at!.toISOString()).toBe(NOW.toISOString());
      expect(s.version).toBe(2);
    }
    for (const id of [late10h, exactlyGrace, closed, voided, noDeadline])
      expect((await state(id)).escalated, String(id)).toBe(false);
    expect((await state(already)).version).toBe(1);

    const events = await handle.db.selectFrom('problem_events').selectAll().orderBy('problem_id').execute();
    expect(events.map((e) => [e.problem_id, e.actor, e.action, e.from_status, e.to_status])).toEqual([
      [late30h, 'system', 'escalate', 'in_progress', 'in_progress'],
      [lateResolved, 'system', 'escalate', 'resolved', 'resolved'],
    ]);
    expect(events[0].at.toISOString()).toBe(NOW.toISOString());
    expect(events[0].note).toContain('24');
    expect(await dataVersion()).toBe(before + 1);
  });

  it('escalates each problem once: a second sweep finds nothing and leaves the data version', async () => {
    await insertProblem(handle.db, 'in_progress', new Date(NOW.getTime() - 48 * HOUR));
    expect(await escalateOverdue(handle.db, 24, NOW)).toBe(1);
    const before = await dataVersion();
    expect(await escalateOverdue(handle.db, 24, new Date(NOW.getTime() + HOUR))).toBe(0);
    expect(await dataVersion()).toBe(before);
    const n = await handle.db
      .selectFrom('problem_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it('uses the grace given: 0 hours escalates anything past due', async () => {
    const id = await insertProblem(handle.db, 'filed', new Date(NOW.getTime() - 60_000));
    expect(await escalateOverdue(handle.db, 48, NOW)).toBe(0);
    expect(await escalateOverdue(handle.db, 0, NOW)).toBe(1);
    expect((await state(id)).escalated).toBe(true);
  });

  it('rejects a negative grace', async () => {
    await expect(escalateOverdue(handle.db, -1, NOW)).rejects.toThrow(RangeError);
  });

  it('the plugin sweeps when the app is ready, with the configured grace, and exposes runEscalationSweep', async () => {
    const id = await insertProblem(handle.db, 'in_progress', new Date(Date.now() - 5 * HOUR));
    const app = Fastify({ logger: false });
    await app.register(configPlugin, { config: testConfig({ escalationGraceHours: 4 }) });
    await app.register(dbPlugin, { handle, owns: false });
    await app.register(escalationPlugin, { intervalMinutes: 5 });
    await app.ready();
    try {
      for (let i = 0; i < 50 && !(await state(id)).escalated; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await state(id)).escalated).toBe(true);
      const next = await insertProblem(handle.db, 'filed', new Date(Date.now() - 4.5 * HOUR));
      expect(await app.runEscalationSweep()).toBe(1);
      expect((await state(next)).escalated).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('the plugin with intervalMinutes 0 runs no timer but still sweeps on demand', async () => {
    const id = await insertProblem(handle.db, 'in_progress', new Date(Date.now() - 50 * HOUR));
    const app = Fastify({ logger: false });
    await app.register(configPlugin, { config: testConfig({ escalationGraceHours: 24 }) });
    await app.register(dbPlugin, { handle, owns: false });
    await app.register(escalationPlugin, { intervalMinutes: 0 });
    await app.ready();
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect((await state(id)).escalated).toBe(false);
      expect(await app.runEscalationSweep()).toBe(1);
    } finally {
      await app.close();
    }
  });
});
