import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type RoleName } from '../../helpers/world.js';

describe.each(BACKENDS)('user administration on $name', (backend) => {
  const ctx = useApp(backend);

  const as = (role: RoleName) => auth(ctx.world.tokens[role]);
  const create = (payload: Record<string, unknown>, role: RoleName = 'admin') =>
    ctx.app.inject({ method: 'POST', url: '/api/users', headers: as(role), payload });
  const patch = (id: number, payload: Record<string, unknown>, role: RoleName = 'admin') =>
    ctx.app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: as(role), payload });
  const login = (username: string, password: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

  it('lists users for the admin without any password hash', async () => {
    const res = await ctx.app.inject({ url: '/api/users', headers: as('admin') });
    expect(res.statusCode).toBe(200);
    const users = res.json().users;
    expect(users.map((u: { username: string }) => u.username)).toEqual([
      'admin',
      'leader',
      'manager',
      'inspector',
      'dept',
    ]);
    expect(users.find((u: { username: string }) => u.username === 'manager')).toMatchObject({
      role: 'manager',
      scope: [MANAGER_BLOCK],
      active: true,
      demo: false,
    });
    expect(res.body).not.toMatch(/password|no-login/);
  });

  it('refuses every other role with 403 on list, create and patch', async () => {
    for (const role of ['leader', 'manager', 'inspector', 'department'] as const) {
      expect((await ctx.app.inject({ url: '/api/users', headers: as(role) })).statusCode, role).toBe(403);
      expect(
        (await create({ username: `x${role}`, display_name: 'x', role: 'admin', password: 'longenough' }, role))
          .statusCode,
        role,
      ).toBe(403);
      expect((await patch(ctx.world.userIds[role], { role: 'admin' }, role)).statusCode, role).toBe(403);
    }
    expect(
      (
        await ctx.handle.db
          .selectFrom('users')
          .select('role')
          .where('id', '=', ctx.world.userIds.manager)
          .executeTakeFirstOrThrow()
      ).role,
    ).toBe('manager');
    // Refused before the body is even validated: a non-admin learns nothing about the rules.
    expect((await create({}, 'manager')).statusCode).toBe(403);
  });

  it('creates a manager who can log in at once; the answer has no hash', async () => {
    const res = await create({
      username: 'li.gz',
      display_name: '李网格长',
      role: 'manager',
      scope: [NEIGHBOUR_BLOCK],
      password: 'secret-123',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      username: 'li.gz',
      role: 'manager',
      scope: [NEIGHBOUR_BLOCK],
      department: null,
      active: true,
    });
    expect(res.body).not.toMatch(/password|argon/);
    const stored = await ctx.handle.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'li.gz')
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    const l = await login('li.gz', 'secret-123');
    expect(l.statusCode).toBe(200);
    expect(l.json().user.scope).toEqual([NEIGHBOUR_BLOCK]);
  });

  it('refuses bad users: short password 400, unknown region 422, manager without scope 422, department without department 422, taken name 409', async () => {
    const short = await create({ username: 'short', display_name: 's', role: 'leader', password: '1234567' });
    expect(short.statusCode).toBe(400);
    const unknown = await create({
      username: 'ghost',
      display_name: 'g',
      role: 'manager',
      scope: [MANAGER_BLOCK, '430121009009009'],
      password: 'longenough',
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details).toEqual({ unknown_regions: ['430121009009009'] });
    expect(
      (await create({ username: 'noscope', display_name: 'n', role: 'manager', password: 'longenough' })).statusCode,
    ).toBe(422);
    expect(
      (await create({ username: 'nodept', display_name: 'n', role: 'department', password: 'longenough' })).statusCode,
    ).toBe(422);
    expect(
      (await create({ username: 'manager', display_name: 'dup', role: 'leader', password: 'longenough' })).statusCode,
    ).toBe(409);
    const names = (await ctx.handle.db.selectFrom('users').select('username').execute()).map((u) => u.username);
    for (const n of ['short', 'ghost', 'noscope', 'nodept']) expect(names).not.toContain(n);
  });

  it("changes a manager's scope, which changes what they may see at once", async () => {
    const created = (
      await create({
        username: 'zhao',
        display_name: '赵',
        role: 'manager',
        scope: [MANAGER_BLOCK],
        password: 'zhao-pass-1',
      })
    ).json();
    const res = await patch(created.id, { scope: ['430121002'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toEqual(['430121002']);
    expect((await patch(created.id, { scope: ['999999'] })).statusCode).toBe(422);
    expect((await patch(created.id, { scope: [] })).statusCode).toBe(422);
    const me = await ctx.app.inject({
      url: '/api/auth/me',
      headers: auth((await login('zhao', 'zhao-pass-1')).json().token),
    });
    expect(me.json().scope).toEqual(['430121002']);
  });

  it('revokes all tokens of a user whose password changes; the new password works, the old does not', async () => {
    await create({ username: 'qian', display_name: '钱', role: 'inspector', password: 'old-password' });
    const t = (await login('qian', 'old-password')).json();
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(t.token) })).statusCode).toBe(200);
    const res = await patch(t.user.id, { password: 'new-password' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/password_hash|argon/);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(t.token) })).statusCode).toBe(401);
    expect((await login('qian', 'old-password')).statusCode).toBe(401);
    expect((await login('qian', 'new-password')).statusCode).toBe(200);
  });

  it('deactivates a user: their tokens stop working and login fails', async () => {
    await create({ username: 'sun', display_name: '孙', role: 'leader', password: 'sun-password' });
    const t = (await login('sun', 'sun-password')).json();
    const res = await patch(t.user.id, { active: false });
    expect(res.json().active).toBe(false);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(t.token) })).statusCode).toBe(401);
    expect((await login('sun', 'sun-password')).statusCode).toBe(401);
  });

  it('refuses to demote or deactivate the last active admin, and 404s an unknown user', async () => {
    const demote = await patch(ctx.world.userIds.admin, { role: 'leader' });
    expect(demote.statusCode).toBe(409);
    expect((await patch(ctx.world.userIds.admin, { active: false })).statusCode).toBe(409);
    expect((await ctx.app.inject({ url: '/api/users', headers: as('admin') })).statusCode).toBe(200);
    expect((await patch(999999, { display_name: 'x' })).statusCode).toBe(404);
    expect((await patch(ctx.world.userIds.leader, {})).statusCode).toBe(400);
  });
});
