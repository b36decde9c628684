import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';
import { loadCalendar } from '../../../db/queries/calendar.js';
import { formatShanghai, fromShanghai } from '../../../domain/time.js';
import { computeDueAt } from '../../../domain/deadline.js';

describe.each(BACKENDS)('calendar routes on $name', (backend) => {
  const ctx = useApp(backend);
  beforeEach(async () => {
    await sql`DELETE FROM calendar_overrides`.execute(ctx.handle.db);
  });

  const get = (qs: string, token = ctx.world.tokens.manager) =>
    ctx.app.inject({ url: `/api/calendar${qs}`, headers: auth(token) });
  const put = (date: string, payload: Record<string, unknown>, token = ctx.world.tokens.admin) =>
    ctx.app.inject({ method: 'PUT', url: `/api/calendar/${date}`, headers: auth(token), payload });
  const del = (date: string, token = ctx.world.tokens.admin) =>
    ctx.app.inject({ method: 'DELETE', url: `/api/calendar/${date}`, headers: auth(token) });
  /** Due date of a 3-working-day item filed 2026-09-30 10:00, on the calendar as stored now. */
  const dueFrom0930 = async () =>
    formatShanghai(
      computeDueAt(fromShanghai('2026-09-30', '10:00'), 3, 'working_days', await loadCalendar(ctx.handle.db)),
    );

  it('describes the 2026 National Day holiday and its 调休 Saturday', async () => {
    const res = await get('?from=2026-09-30&to=2026-10-11');
    expect(res.statusCode).toBe(200);
    const days = res.json().days;
    expect(days).toHaveLength(12);
    expect(days[0]).toEqual({ date: '2026-09-30', workday: true, source: 'weekday' });
    for (let d = 1; d <= 7; d++)
      expect(days[d]).toEqual({ date: `2026-10-0${d}`, workday: false, source: 'holiday', name: '国庆节' });
    expect(days[8]).toEqual({ date: '2026-10-08', workday: true, source: 'weekday' });
    expect(days[10]).toEqual({ date: '2026-10-10', workday: true, source: 'makeup_workday', name: '国庆节' });
    expect(days[11]).toEqual({ date: '2026-10-11', workday: false, source: 'weekend' });
    expect(res.json().official_years).toContain(2026);
  });

  it('counts the 调休 Saturday as a working day: 3 working days from 2026-09-30 end 2026-10-10 18:00', async () => {
    expect(await dueFrom0930()).toBe('2026-10-10T18:00:00+08:00');
  });

  it('lets the admin override a day, which changes the deadline, and delete the override again', async () => {
    const res = await put('2026-10-10', { kind: 'holiday', note: '县里统一放假' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ date: '2026-10-10', workday: false, source: 'override', name: '县里统一放假' });
    expect((await get('?from=2026-10-10&to=2026-10-10')).json().days).toEqual([
      { date: '2026-10-10', workday: false, source: 'override', name: '县里统一放假' },
    ]);
    expect(await dueFrom0930()).toBe('2026-10-12T18:00:00+08:00');

    // A later PUT replaces the override.
    expect((await put('2026-10-10', { kind: 'workday' })).json()).toEqual({
      date: '2026-10-10',
      workday: true,
      source: 'override',
    });
    expect(await dueFrom0930()).toBe('2026-10-10T18:00:00+08:00');

    const removed = await del('2026-10-10');
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ date: '2026-10-10', workday: true, source: 'makeup_workday', name: '国庆节' });
    expect((await del('2026-10-10')).statusCode).toBe(404);
  });

  it('lets an override make a holiday a working day', async () => {
    await put('2026-10-02', { kind: 'workday', note: '应急值守' });
    // 10-02 counts, then 10-08 and 10-09.
    expect(await dueFrom0930()).toBe('2026-10-09T18:00:00+08:00');
  });

  it('PUT and DELETE are admin only (403) and change nothing for others', async () => {
    for (const role of ['leader', 'manager', 'inspector', 'department'] as const) {
      expect((await put('2026-10-10', { kind: 'holiday' }, ctx.world.tokens[role])).statusCode, role).toBe(403);
      expect((await del('2026-10-10', ctx.world.tokens[role])).statusCode, role).toBe(403);
    }
    expect(await ctx.handle.db.selectFrom('calendar_overrides').selectAll().execute()).toEqual([]);
  });

  it('refuses bad input: impossible date, reversed or too long range, unknown kind (400)', async () => {
    expect((await get('?from=2026-02-30&to=2026-03-01')).statusCode).toBe(400);
    expect((await get('?from=2026-10-10&to=2026-10-01')).statusCode).toBe(400);
    const long = await get('?from=2026-01-01&to=2027-03-01');
    expect(long.statusCode).toBe(400);
    expect(long.json().error.message).toMatch(/400 days/);
    expect((await get('?from=2026-01-01&to=2027-02-04')).json().days).toHaveLength(400);
    expect((await put('2026-13-01', { kind: 'holiday' })).statusCode).toBe(400);
    expect((await put('2026-10-10', { kind: 'maybe' })).statusCode).toBe(400);
  });

  it('defaults to the current year', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    const { from, to, days } = res.json();
    expect(from.slice(5)).toBe('01-01');
    expect(to.slice(5)).toBe('12-31');
    expect(days.length).toBeGreaterThanOrEqual(365);
  });

  it('requires a token', async () => {
    expect((await ctx.app.inject('/api/calendar')).statusCode).toBe(401);
  });
});
