import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { centre, createWorld, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type World } from '../../helpers/world.js';
import type { DbHandle } from '../../../db/index.js';
import type { DB } from '../../../db/types.js';
import { applyTransition, listProblemEvents, type Actor } from '../../../db/queries/workflow.js';
import { upsertOverride, deleteOverride } from '../../../db/queries/calendar.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';
import { formatShanghai, fromShanghai } from '../../../domain/time.js';
import { truncateWithRecord } from '../../../db/maintenance.js';

async function insertProblem(db: Kysely<DB>, block = MANAGER_BLOCK, category = '06011'): Promise<number> {
  const [lon, lat] = centre(block);
  const r = await sql<{ id: number }>`
    INSERT INTO problems (category_code, status, geom, region_code)
    VALUES (${category}, 'reported', ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block}) RETURNING id`.execute(
    db,
  );
  return r.rows[0].id;
}

describe.each(BACKENDS)('the record (problem_events) on $name', (backend) => {
  let handle: DbHandle;
  let world: World;
  let admin: Actor;
  beforeAll(async () => {
    handle = await backend.open();
    world = await createWorld(handle.db);
    admin = { id: world.userIds.admin, username: 'admin', role: 'admin' };
  });
  afterAll(async () => handle.close());
  beforeEach(async () => {
    await sql`DELETE FROM calendar_overrides`.execute(handle.db);
    // 积存垃圾渣土: 3 working days for these known answers.
    await handle.db
      .updateTable('categories')
      .set({ limit_value: 3, clock: 'working_days' })
      .where('code', '=', '06011')
      .execute();
  });

  it('refuses UPDATE and DELETE of an event row with SQL', async () => {
    const id = await insertProblem(handle.db);
    expect((await applyTransition(handle.db, id, { action: 'file', version: 1 }, admin, FULL_SCOPE)).kind).toBe('ok');
    await expect(
      sql`UPDATE problem_events SET note = 'rewritten' WHERE problem_id = ${id}`.execute(handle.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM problem_events WHERE problem_id = ${id}`.execute(handle.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(handle.db.deleteFrom('problem_events').execute()).rejects.toThrow(/append-only/);
    const events = await listProblemEvents(handle.db, id, FULL_SCOPE);
    expect(events).toHaveLength(1);
    expect(events![0].note).toBeNull();
  });

  it('refuses TRUNCATE of the record, also when reached through TRUNCATE problems CASCADE', async () => {
    const id = await insertProblem(handle.db);
    expect((await applyTransition(handle.db, id, { action: 'file', version: 1 }, admin, FULL_SCOPE)).kind).toBe('ok');
    // Bare TRUNCATE is refused before the guard runs (photos.event_id references the record); with
    // CASCADE the foreign key no longer stops it, so the guard must.
    await expect(sql`TRUNCATE problem_events`.execute(handle.db)).rejects.toThrow();
    await expect(sql`TRUNCATE problem_events CASCADE`.execute(handle.db)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    await expect(sql`TRUNCATE problems CASCADE`.execute(handle.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await listProblemEvents(handle.db, id, FULL_SCOPE)).toHaveLength(1);
  });

  it('truncateWithRecord empties the record for a reset and leaves the guard on afterwards', async () => {
    const id = await insertProblem(handle.db);
    expect((await applyTransition(handle.db, id, { action: 'file', version: 1 }, admin, FULL_SCOPE)).kind).toBe('ok');
    await truncateWithRecord(handle.db, ['problem_events']);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM problem_events`.execute(handle.db);
    expect(n.rows[0].n).toBe(0);
    await expect(sql`TRUNCATE problem_events CASCADE`.execute(handle.db)).rejects.toThrow(/append-only/);
  });

  it('files on 2026-09-30 with 3 working days → 18:00 on the 调休 Saturday 2026-10-10, after 国庆', async () => {
    const id = await insertProblem(handle.db);
    const now = fromShanghai('2026-09-30', '10:00');
    const r = await applyTransition(handle.db, id, { action: 'file', version: 1 }, admin, FULL_SCOPE, now);
    expect(r).toMatchObject({ kind: 'ok', from: 'reported', to: 'filed', version: 2 });
    const p = await handle.db
      .selectFrom('problems')
      .select(['due_at', 'filed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(formatShanghai(p.due_at!)).toBe('2026-10-10T18:00:00+08:00');
    expect(p.filed_at!.toISOString()).toBe(now.toISOString());
    const [ev] = (await listProblemEvents(handle.db, id, FULL_SCOPE))!;
    expect(ev).toMatchObject({ action: 'file', actor: 'admin', from_status: 'reported', to_status: 'filed' });
    expect(ev.at.toISOString()).toBe(now.toISOString());
    expect(ev.data).toMatchObject({
      due_at: p.due_at!.toISOString(),
      limit_value: 3,
      clock: 'working_days',
      version: 2,
    });
  });

  it('follows an admin override: with 2026-10-10 made a holiday the deadline moves to Monday 10-12', async () => {
    await upsertOverride(handle.db, '2026-10-10', 'holiday', '本地停工');
    const id = await insertProblem(handle.db);
    await applyTransition(
      handle.db,
      id,
      { action: 'file', version: 1 },
      admin,
      FULL_SCOPE,
      fromShanghai('2026-09-30', '10:00'),
    );
    const p = await handle.db.selectFrom('problems').select('due_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(formatShanghai(p.due_at!)).toBe('2026-10-12T18:00:00+08:00');
    expect(await deleteOverride(handle.db, '2026-10-10')).toBe(true);
  });

  it('writes nothing when a transition is refused', async () => {
    const id = await insertProblem(handle.db);
    const r = await applyTransition(handle.db, id, { action: 'close', version: 1 }, admin, FULL_SCOPE);
    expect(r).toMatchObject({ kind: 'refused', reason: 'illegal' });
    expect(await listProblemEvents(handle.db, id, FULL_SCOPE)).toEqual([]);
  });

  it('lists events only inside the scope (null outside, like a missing problem)', async () => {
    const id = await insertProblem(handle.db, NEIGHBOUR_BLOCK);
    await applyTransition(handle.db, id, { action: 'file', version: 1 }, admin, FULL_SCOPE);
    const manager = { regions: [MANAGER_BLOCK], department: null };
    expect(await listProblemEvents(handle.db, id, manager)).toBeNull();
    expect(await listProblemEvents(handle.db, 999999, FULL_SCOPE)).toBeNull();
    expect(await listProblemEvents(handle.db, id, { regions: ['430121001'], department: null })).toHaveLength(1);
  });
});
