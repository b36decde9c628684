import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type RoleName } from '../../helpers/world.js';
import type { DB } from '../../../db/types.js';

const HOUR = 3_600_000;

async function insert(
  db: Kysely<DB>,
  s: { block?: string; status: string; dueInHours?: number; resolvedHoursAgo?: number; at?: [number, number] },
): Promise<number> {
  const block = s.block ?? MANAGER_BLOCK;
  const [lon, lat] = s.at ?? centre(block);
  const now = Date.now();
  const due = s.dueInHours === undefined ? null : new Date(now + s.dueInHours * HOUR);
  const resolved = s.resolvedHoursAgo === undefined ? null : new Date(now - s.resolvedHoursAgo * HOUR);
  const r = await sql<{ id: number }>`
    INSERT INTO problems (category_code, description, status, geom, region_code, due_at, resolved_at, dispatched_at)
    VALUES ('06010', '队列测试', ${s.status}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block}, ${due}, ${resolved},
      ${s.status === 'reported' || s.status === 'filed' ? null : new Date(now - 48 * HOUR)})
    RETURNING id`.execute(db);
  return r.rows[0].id;
}

describe.each(BACKENDS)('work queues on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const get = (role: RoleName, url: string) => ctx.app.inject({ url, headers: auth(ctx.world.tokens[role]) });
  const act = (role: RoleName, id: number, body: Record<string, unknown>) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: auth(ctx.world.tokens[role]),
      payload: body,
    });

  describe('GET /api/queues/todo', () => {
    it('lists the manager’s dispatched and in-progress items by deadline; a resolved item leaves it', async () => {
      const db = ctx.handle.db;
      const later = await insert(db, { status: 'dispatched', dueInHours: 30 });
      const soon = await insert(db, { status: 'in_progress', dueInHours: 2 });
      const overdue = await insert(db, { status: 'dispatched', dueInHours: -5 });
      const none = await insert(db, { status: 'in_progress' });
      await insert(db, { status: 'filed', dueInHours: 1 });
      await insert(db, { status: 'resolved', dueInHours: 1 });
      await insert(db, { block: NEIGHBOUR_BLOCK, status: 'dispatched', dueInHours: 1 });

      const res = await get('manager', '/api/queues/todo');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.count).toBe(4);
      expect(body.items.map((i: { id: number }) => i.id)).toEqual([overdue, soon, later, none]);
      expect(body.items[0]).toMatchObject({ overdue: true, region_code: MANAGER_BLOCK, region_name: '网格1-1-1' });
      expect(body.items[1]).toMatchObject({ overdue: false, allowed_actions: ['resolve', 'extend'] });

      const version = Number(
        (await db.selectFrom('problems').select('version').where('id', '=', soon).executeTakeFirstOrThrow()).version,
      );
      expect((await act('manager', soon, { action: 'resolve', version, note: '已清运' })).statusCode).toBe(200);
      const after = (await get('manager', '/api/queues/todo')).json();
      expect(after.count).toBe(3);
      expect(after.items.map((i: { id: number }) => i.id)).toEqual([overdue, later, none]);
    });

    it('pages with limit and offset while the count stays the whole queue', async () => {
      for (const h of [1, 2, 3]) await insert(ctx.handle.db, { status: 'dispatched', dueInHours: h });
      const page = (await get('manager', '/api/queues/todo?limit=2&offset=2')).json();
      expect(page.count).toBe(3);
      expect(page.items).toHaveLength(1);
    });

    it('is for those who resolve: an inspector and a leader get 403', async () => {
      expect((await get('inspector', '/api/queues/todo')).statusCode).toBe(403);
      expect((await get('leader', '/api/queues/todo')).statusCode).toBe(403);
    });
  });

  describe('GET /api/queues/recheck', () => {
    it('lists resolved items oldest first or nearest first; closing or reworking one removes it', async () => {
      const db = ctx.handle.db;
      const [lon, lat] = centre(MANAGER_BLOCK);
      const old = await insert(db, { status: 'resolved', resolvedHoursAgo: 30, at: [lon + 0.004, lat] });
      const recent = await insert(db, { status: 'resolved', resolvedHoursAgo: 1, at: [lon + 0.0005, lat] });
      const middle = await insert(db, { block: NEIGHBOUR_BLOCK, status: 'resolved', resolvedHoursAgo: 5 });
      await insert(db, { status: 'in_progress', dueInHours: 3 });

      const oldest = (await get('inspector', '/api/queues/recheck')).json();
      expect(oldest.count).toBe(3);
      expect(oldest.items.map((i: { id: number }) => i.id)).toEqual([old, middle, recent]);
      expect(oldest.items[0].allowed_actions).toEqual(['close', 'rework']);

      const near = (await get('inspector', `/api/queues/recheck?sort=nearest&lon=${lon}&lat=${lat}`)).json();
      expect(near.items.map((i: { id: number }) => i.id)).toEqual([recent, old, middle]);
      // 0.0005° of longitude at 28.21° N ≈ 49 m.
      expect(near.items[0].distance_m).toBeGreaterThan(45);
      expect(near.items[0].distance_m).toBeLessThan(53);

      const v = async (id: number) =>
        Number(
          (await db.selectFrom('problems').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version,
        );
      expect((await act('inspector', old, { action: 'close', version: await v(old) })).statusCode).toBe(200);
      const rework = await act('inspector', recent, { action: 'rework', version: await v(recent) });
      expect(rework.statusCode).toBe(400);
      expect(rework.json().error.params).toEqual({ reason: 'note_required', action: 'rework' });
      expect(
        (await act('inspector', recent, { action: 'rework', version: await v(recent), note: '仍有垃圾' })).statusCode,
      ).toBe(200);
      const left = (await get('inspector', '/api/queues/recheck')).json();
      expect(left.count).toBe(1);
      expect(left.items.map((i: { id: number }) => i.id)).toEqual([middle]);
    });

    it('asks for both lon and lat to sort by distance', async () => {
      const res = await get('inspector', '/api/queues/recheck?sort=nearest&lon=113.01');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.params).toEqual({ reason: 'nearest_needs_position' });
    });

    it('is for those who re-inspect: a manager gets 403', async () => {
      expect((await get('manager', '/api/queues/recheck')).statusCode).toBe(403);
    });
  });
});
