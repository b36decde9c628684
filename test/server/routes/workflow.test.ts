import { beforeEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type RoleName } from '../../helpers/world.js';
import type { DB } from '../../../db/types.js';
import { loadCalendar } from '../../../db/queries/calendar.js';
import { addDays, formatShanghai, toShanghaiDate } from '../../../domain/time.js';
import { computeDueAt } from '../../../domain/deadline.js';

interface Seed {
  category?: string;
  block?: string;
  status?: string;
  dueAt?: Date | null;
  escalated?: boolean;
}

/** A problem row written straight with SQL (the workflow tests do not depend on the create route). */
async function insertProblem(db: Kysely<DB>, s: Seed = {}): Promise<number> {
  const block = s.block ?? MANAGER_BLOCK;
  const [lon, lat] = centre(block);
  const r = await sql<{ id: number }>`
    INSERT INTO problems (category_code, description, status, geom, region_code, due_at, escalated)
    VALUES (${s.category ?? '06010'}, '测试问题', ${s.status ?? 'reported'}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block},
            ${s.dueAt ?? null}::timestamptz, ${s.escalated ?? false})
    RETURNING id`.execute(db);
  return r.rows[0].id;
}

describe.each(BACKENDS)('workflow routes on $name', (backend) => {
  const ctx = useApp(backend);

  const act = (role: RoleName, id: number, body: Record<string, unknown>) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: auth(ctx.world.tokens[role]),
      payload: body,
    });
  const events = (role: RoleName, id: number) =>
    ctx.app.inject({ url: `/api/problems/${id}/events`, headers: auth(ctx.world.tokens[role]) });
  const row = (id: number) =>
    ctx.handle.db.selectFrom('problems').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const eventCount = async (id: number) =>
    Number(
      (
        await ctx.handle.db
          .selectFrom('problem_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('problem_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const dataVersion = async () =>
    Number((await ctx.handle.db.selectFrom('data_version').select('problems').executeTakeFirstOrThrow()).problems);

  beforeEach(async () => {
    await sql`DELETE FROM calendar_overrides`.execute(ctx.handle.db);
  });

  describe('POST /api/problems/:id/transitions', () => {
    it('runs the closed loop file → dispatch → start → resolve → close with one event per step', async () => {
      const id = await insertProblem(ctx.handle.db);
      const before = await dataVersion();
      const steps: [RoleName, string, string][] = [
        ['manager', 'file', 'filed'],
        ['manager', 'dispatch', 'dispatched'],
        ['department', 'start', 'in_progress'],
        ['manager', 'resolve', 'resolved'],
        ['inspector', 'close', 'closed'],
      ];
      let version = 1;
      for (const [role, action, status] of steps) {
        const res = await act(role, id, { action, version, note: `${action} by ${role}` });
        expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
        const f = res.json();
        expect(f).toMatchObject({ type: 'Feature', id, geometry: { type: 'Point' } });
        expect(f.properties).toMatchObject({
          id,
          status,
          version: version + 1,
          category_code: '06010',
          category_name: '暴露垃圾',
          region_code: MANAGER_BLOCK,
        });
        expect(f.properties.chain.map((c: { code: string }) => c.code)).toEqual([
          '430121',
          '430121001',
          '430121001001',
          MANAGER_BLOCK,
        ]);
        version = f.properties.version;
      }
      const p = await row(id);
      expect(p.status).toBe('closed');
      for (const col of ['filed_at', 'due_at', 'dispatched_at', 'resolved_at', 'closed_at'] as const)
        expect(p[col], col).toBeInstanceOf(Date);
      // Every step moved the tiles' version (a step that changes the status also moves its street's
      // rollup version, which data_version.problems includes: at least one per step).
      expect(await dataVersion()).toBeGreaterThanOrEqual(before + 5);

      const res = await events('manager', id);
      expect(res.statusCode).toBe(200);
      const list = res.json().events;
      expect(
        list.map((e: { action: string; from_status: string; to_status: string; actor: string }) => [
          e.action,
          e.from_status,
          e.to_status,
          e.actor,
        ]),
      ).toEqual([
        ['file', 'reported', 'filed', 'manager'],
        ['dispatch', 'filed', 'dispatched', 'manager'],
        ['start', 'dispatched', 'in_progress', 'dept'],
        ['resolve', 'in_progress', 'resolved', 'manager'],
        ['close', 'resolved', 'closed', 'inspector'],
      ]);
      expect(list[0].note).toBe('file by manager');
      expect(Date.parse(list[0].at)).toBeLessThanOrEqual(Date.parse(list[4].at));
    });

    it('sets due_at on filing from the category limit on the working calendar', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await act('manager', id, { action: 'file', version: 1 });
      expect(res.statusCode).toBe(200);
      const p = await row(id);
      // 06010 暴露垃圾: 4 working hours (template categories).
      expect(p.due_at!.toISOString()).toBe(
        computeDueAt(p.filed_at!, 4, 'working_hours', await loadCalendar(ctx.handle.db)).toISOString(),
      );
      expect(res.json().properties.due_at).toBe(p.due_at!.toISOString());
      expect(p.due_at!.getTime()).toBeGreaterThan(p.filed_at!.getTime());
    });

    it('computes a working-day deadline across admin holidays: 1 working day after six days off ends at 18:00 on the seventh', async () => {
      await ctx.handle.db
        .updateTable('categories')
        .set({ limit_value: 1, clock: 'working_days' })
        .where('code', '=', '06011')
        .execute();
      const today = toShanghaiDate(new Date());
      for (let d = 1; d <= 6; d++) {
        const r = await ctx.app.inject({
          method: 'PUT',
          url: `/api/calendar/${addDays(today, d)}`,
          headers: auth(ctx.world.tokens.admin),
          payload: { kind: 'holiday', note: '测试停工' },
        });
        expect(r.statusCode).toBe(200);
      }
      await ctx.app.inject({
        method: 'PUT',
        url: `/api/calendar/${addDays(today, 7)}`,
        headers: auth(ctx.world.tokens.admin),
        payload: { kind: 'workday' },
      });
      const id = await insertProblem(ctx.handle.db, { category: '06011' });
      const res = await act('manager', id, { action: 'file', version: 1 });
      expect(res.statusCode).toBe(200);
      const filedDay = toShanghaiDate((await row(id)).filed_at!);
      expect(formatShanghai(new Date(res.json().properties.due_at))).toBe(`${addDays(filedDay, 7)}T18:00:00+08:00`);
    });

    it('sends a failed re-inspection back to in_progress and counts the rework', async () => {
      const id = await insertProblem(ctx.handle.db, { status: 'resolved' });
      await ctx.handle.db.updateTable('problems').set({ resolved_at: new Date() }).where('id', '=', id).execute();
      const res = await act('inspector', id, {
        action: 'rework',
        version: 1,
        note: '垃圾未清运干净',
        photos: ['https://img.example/1.jpg'],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({
        status: 'in_progress',
        rework_count: 1,
        resolved_at: null,
        version: 2,
      });
      const again = await act('manager', id, { action: 'resolve', version: 2, note: '已返工清理' });
      expect(again.json().properties).toMatchObject({ status: 'resolved', rework_count: 1 });
      const ev = (await events('inspector', id)).json().events;
      expect(ev[0]).toMatchObject({
        action: 'rework',
        from_status: 'resolved',
        to_status: 'in_progress',
        note: '垃圾未清运干净',
        photos: ['https://img.example/1.jpg'],
      });
    });

    it('refuses a rework without a reason with 400 and writes nothing', async () => {
      const id = await insertProblem(ctx.handle.db, { status: 'resolved' });
      const res = await act('inspector', id, { action: 'rework', version: 1, note: '  ' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { reason: 'note_required' } });
      expect((await row(id)).version).toBe(1);
      expect(await eventCount(id)).toBe(0);
    });

    it('voids with a reason, after which nothing more may happen', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await act('inspector', id, { action: 'void', version: 1, note: '误报' });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({ status: 'voided', allowed_actions: [] });
      const p = await row(id);
      expect(p.void_reason).toBe('误报');
      expect(p.voided_at).toBeInstanceOf(Date);
      const after = await act('admin', id, { action: 'file', version: 2 });
      expect(after.statusCode).toBe(409);
      expect(after.json().error).toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        details: { allowed_actions: [], version: 2 },
      });
    });

    it('extends to a later deadline and counts the extension; an earlier one is refused', async () => {
      const due = new Date(Date.now() + 3_600_000);
      const id = await insertProblem(ctx.handle.db, { status: 'dispatched', dueAt: due });
      const earlier = await act('manager', id, {
        action: 'extend',
        version: 1,
        note: '等待材料',
        due_at: new Date(due.getTime() - 60_000).toISOString(),
      });
      expect(earlier.statusCode).toBe(400);
      expect(earlier.json().error.details.reason).toBe('due_at_not_later');
      const noDate = await act('manager', id, { action: 'extend', version: 1, note: '等待材料' });
      expect(noDate.json().error.details.reason).toBe('due_at_required');

      const later = new Date(due.getTime() + 2 * 86_400_000);
      const res = await act('manager', id, {
        action: 'extend',
        version: 1,
        note: '等待材料',
        due_at: later.toISOString(),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({
        status: 'dispatched',
        extension_count: 1,
        due_at: later.toISOString(),
        version: 2,
      });
      const ev = (await events('manager', id)).json().events;
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({
        action: 'extend',
        from_status: 'dispatched',
        to_status: 'dispatched',
        note: '等待材料',
      });
      expect(ev[0].data).toMatchObject({ due_at: later.toISOString(), previous_due_at: due.toISOString() });
    });

    it('refuses a due_at on an action other than extend', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await act('manager', id, {
        action: 'file',
        version: 1,
        due_at: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.reason).toBe('due_at_not_allowed');
      expect((await row(id)).status).toBe('reported');
    });

    it('lets a leader escalate (督办) once; escalating again is illegal', async () => {
      const id = await insertProblem(ctx.handle.db, { status: 'in_progress', dueAt: new Date(Date.now() - 3_600_000) });
      const res = await act('leader', id, { action: 'escalate', version: 1, note: '限期整改' });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({
        status: 'in_progress',
        escalated: true,
        overdue: true,
        version: 2,
      });
      expect((await row(id)).escalated_at).toBeInstanceOf(Date);
      const twice = await act('leader', id, { action: 'escalate', version: 2 });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error).toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        details: { allowed_actions: [], version: 2 },
      });
    });

    it('marks a duplicate of a visible problem of the same category', async () => {
      const original = await insertProblem(ctx.handle.db, { status: 'filed' });
      const other = await insertProblem(ctx.handle.db, { category: '06012' });
      const hidden = await insertProblem(ctx.handle.db, { block: NEIGHBOUR_BLOCK });
      const id = await insertProblem(ctx.handle.db);
      const cases: [number, string][] = [
        [id, 'duplicate_of_self'],
        [other, 'duplicate_of_other_category'],
        [hidden, 'duplicate_of_unknown'],
        [999999, 'duplicate_of_unknown'],
      ];
      for (const [target, reason] of cases) {
        const r = await act('manager', id, {
          action: 'mark_duplicate',
          version: 1,
          note: '重复上报',
          duplicate_of: target,
        });
        expect(r.statusCode, reason).toBe(422);
        expect(r.json().error.details.reason).toBe(reason);
      }
      expect(await eventCount(id)).toBe(0);
      const res = await act('manager', id, {
        action: 'mark_duplicate',
        version: 1,
        note: '重复上报',
        duplicate_of: original,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({ status: 'voided', duplicate_of: original });
      const ev = (await events('manager', id)).json().events;
      expect(ev[0]).toMatchObject({ action: 'mark_duplicate', to_status: 'voided', data: { duplicate_of: original } });
    });

    it('answers a stale version with 409 VERSION_CONFLICT, the current version and the allowed actions', async () => {
      const id = await insertProblem(ctx.handle.db);
      expect((await act('manager', id, { action: 'file', version: 1 })).statusCode).toBe(200);
      const res = await act('manager', id, { action: 'dispatch', version: 1 });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'VERSION_CONFLICT',
        details: { version: 2, allowed_actions: ['dispatch', 'void', 'extend', 'mark_duplicate'] },
      });
      expect((await row(id)).status).toBe('filed');
      expect(await eventCount(id)).toBe(1);
    });

    it('answers an action illegal in the current status with 409 ILLEGAL_TRANSITION listing the allowed ones', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await act('inspector', id, { action: 'close', version: 1 });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        details: { version: 1, allowed_actions: ['file', 'void', 'mark_duplicate'] },
      });
      expect(await eventCount(id)).toBe(0);
    });

    it('answers an action the role may never take with 403 listing what it may do', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await act('leader', id, { action: 'file', version: 1 });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { allowed_actions: ['escalate'] } });
      expect((await row(id)).status).toBe('reported');
    });

    it('lets exactly one of two simultaneous transitions with the same version win', async () => {
      const id = await insertProblem(ctx.handle.db, { status: 'filed' });
      const [a, b] = await Promise.all([
        act('manager', id, { action: 'dispatch', version: 1, note: 'A' }),
        act('admin', id, { action: 'dispatch', version: 1, note: 'B' }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect(loser.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { version: 2 } });
      expect(await eventCount(id)).toBe(1);
      expect((await row(id)).version).toBe(2);
    });

    it('lets exactly one of two different simultaneous actions with the same version win', async () => {
      const id = await insertProblem(ctx.handle.db, { status: 'resolved' });
      const [a, b] = await Promise.all([
        act('inspector', id, { action: 'close', version: 1 }),
        act('inspector', id, { action: 'rework', version: 1, note: '不合格' }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      expect(await eventCount(id)).toBe(1);
    });

    it('answers 404 for a missing problem and for an invalid body 400', async () => {
      expect((await act('admin', 999999, { action: 'file', version: 1 })).statusCode).toBe(404);
      const id = await insertProblem(ctx.handle.db);
      expect((await act('admin', id, { action: 'fly', version: 1 })).statusCode).toBe(400);
      expect((await act('admin', id, { action: 'file' })).statusCode).toBe(400);
      expect((await act('admin', id, { action: 'file', version: 1, photos: ['javascript:alert(1)'] })).statusCode).toBe(
        400,
      );
    });

    it('requires a token', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/api/problems/${id}/transitions`,
        payload: { action: 'file', version: 1 },
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('scope', () => {
    it('hides the neighbour block from a manager: transitions and events answer 404 and change nothing', async () => {
      const theirs = await insertProblem(ctx.handle.db, { block: NEIGHBOUR_BLOCK });
      const t = await act('manager', theirs, { action: 'file', version: 1 });
      expect(t.statusCode).toBe(404);
      expect(t.json().error.code).toBe('NOT_FOUND');
      // Same answer as a problem that does not exist: existence is not leaked.
      expect(t.json().error.message).toBe(
        (await act('manager', 999999, { action: 'file', version: 1 })).json().error.message,
      );
      expect((await events('manager', theirs)).statusCode).toBe(404);
      expect((await row(theirs)).status).toBe('reported');
      expect(await eventCount(theirs)).toBe(0);

      const own = await insertProblem(ctx.handle.db, { block: MANAGER_BLOCK });
      expect((await act('manager', own, { action: 'file', version: 1 })).statusCode).toBe(200);
      expect((await events('manager', own)).json().events).toHaveLength(1);
    });

    it('lets a manager with a community in scope act on every block of it', async () => {
      await ctx.handle.db
        .updateTable('users')
        .set({ scope: ['430121001001'] })
        .where('id', '=', ctx.world.userIds.manager)
        .execute();
      try {
        const theirs = await insertProblem(ctx.handle.db, { block: NEIGHBOUR_BLOCK });
        expect((await act('manager', theirs, { action: 'file', version: 1 })).statusCode).toBe(200);
        const elsewhere = await insertProblem(ctx.handle.db, { block: '430121002001001' });
        expect((await act('manager', elsewhere, { action: 'file', version: 1 })).statusCode).toBe(404);
      } finally {
        await ctx.handle.db
          .updateTable('users')
          .set({ scope: [MANAGER_BLOCK] })
          .where('id', '=', ctx.world.userIds.manager)
          .execute();
      }
    });

    it("limits a department to its own categories' problems", async () => {
      const parking = await insertProblem(ctx.handle.db, { category: '09009', status: 'dispatched' }); // 交警
      const garbage = await insertProblem(ctx.handle.db, { category: '06010', status: 'dispatched' }); // 城管局
      expect((await act('department', parking, { action: 'start', version: 1 })).statusCode).toBe(404);
      expect((await events('department', parking)).statusCode).toBe(404);
      const ok = await act('department', garbage, { action: 'start', version: 1 });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().properties.allowed_actions).toEqual(['resolve', 'extend']);
    });

    it('lets leaders and inspectors read every record', async () => {
      const id = await insertProblem(ctx.handle.db, { block: '430121002002002' });
      await act('admin', id, { action: 'file', version: 1 });
      for (const role of ['leader', 'inspector', 'admin'] as const) {
        const res = await events(role, id);
        expect(res.statusCode, role).toBe(200);
        expect(res.json().events).toHaveLength(1);
      }
    });
  });

  describe('GET /api/problems/:id/events', () => {
    it('answers an empty list for a problem without history', async () => {
      const id = await insertProblem(ctx.handle.db);
      const res = await events('admin', id);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ events: [] });
    });

    it('answers 404 for a missing problem', async () => {
      expect((await events('admin', 999999)).statusCode).toBe(404);
    });
  });
});
