import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';

describe.each(BACKENDS)('category routes on $name', (backend) => {
  const ctx = useApp(backend);

  const patch = (code: string, payload: Record<string, unknown>, token = ctx.world.tokens.admin) =>
    ctx.app.inject({ method: 'PATCH', url: `/api/categories/${code}`, headers: auth(token), payload });

  it('GET lists every category with its deadline to any signed-in role', async () => {
    for (const token of Object.values(ctx.world.tokens)) {
      const res = await ctx.app.inject({ url: '/api/categories', headers: auth(token) });
      expect(res.statusCode).toBe(200);
      const garbage = res.json().categories.find((c: { code: string }) => c.code === '06010');
      expect(garbage).toEqual({
        code: '06010',
        name: '暴露垃圾',
        group_code: '06',
        group_name: '市容环境',
        department: '城管局',
        limit_value: 4,
        clock: 'working_hours',
        tags: ['创文', '创卫'],
        local: false,
        legacy_code: null,
        active: true,
        after_photo_required: false,
      });
    }
  });

  it('PATCH lets the admin change the limit, clock, department and activity', async () => {
    const res = await patch('06012', { limit_value: 2, clock: 'working_days', department: '环卫处', active: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      code: '06012',
      limit_value: 2,
      clock: 'working_days',
      department: '环卫处',
      active: false,
    });
    const list = await ctx.app.inject({ url: '/api/categories', headers: auth(ctx.world.tokens.leader) });
    expect(list.json().categories.find((c: { code: string }) => c.code === '06012')).toMatchObject({
      limit_value: 2,
      clock: 'working_days',
      active: false,
    });
  });

  it('PATCH is admin only (403) and changes nothing for others', async () => {
    for (const role of ['leader', 'manager', 'inspector', 'department'] as const) {
      expect((await patch('06010', { limit_value: 99 }, ctx.world.tokens[role])).statusCode, role).toBe(403);
    }
    const row = await ctx.handle.db
      .selectFrom('categories')
      .select('limit_value')
      .where('code', '=', '06010')
      .executeTakeFirstOrThrow();
    expect(Number(row.limit_value)).toBe(4);
  });

  it('PATCH refuses bad values: fractional working days 422, zero limit or unknown clock 400, empty body 400, unknown code 404', async () => {
    expect((await patch('06010', { clock: 'working_days' })).statusCode).toBe(200);
    expect((await patch('06010', { limit_value: 1.5 })).statusCode).toBe(422);
    expect((await patch('06010', { clock: 'working_hours', limit_value: 1.5 })).statusCode).toBe(200);
    expect((await patch('06010', { limit_value: 0 })).statusCode).toBe(400);
    expect((await patch('06010', { clock: 'lunar_days' })).statusCode).toBe(400);
    expect((await patch('06010', {})).statusCode).toBe(400);
    expect((await patch('99999', { limit_value: 1 })).statusCode).toBe(404);
    expect((await patch('06010', { limit_value: 4 })).json()).toMatchObject({ limit_value: 4, clock: 'working_hours' });
  });
});
