import { beforeAll, describe, expect, it } from 'vitest';
import { hash } from '@node-rs/argon2';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';
import { hashToken } from '../../../server/plugins/auth.js';
import { assertNoDemoUsersInProduction } from '../../../db/queries/users.js';

describe.each(BACKENDS)('auth routes on $name', (backend) => {
  const ctx = useApp(backend, { config: { tokenTtlHours: 2 } });
  beforeAll(async () => {
    await ctx.handle.db
      .insertInto('users')
      .values([
        {
          username: 'wang.gz',
          display_name: '王网格长',
          role: 'manager',
          scope: [MANAGER_BLOCK],
          password_hash: await hash('correct horse'),
        },
        {
          username: 'gone',
          display_name: '已停用',
          role: 'leader',
          scope: [],
          password_hash: await hash('correct horse'),
          active: false,
        },
      ])
      .execute();
  });

  const login = (username: string, password: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

  describe('POST /api/auth/login', () => {
    it('returns a working token, its expiry and the user with scope (no hash)', async () => {
      const t0 = Date.now();
      const res = await login('wang.gz', 'correct horse');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.user).toEqual({
        id: expect.any(Number),
        username: 'wang.gz',
        display_name: '王网格长',
        role: 'manager',
        scope: [MANAGER_BLOCK],
        department: null,
      });
      expect(res.body).not.toContain('argon2');
      const ttl = Date.parse(body.expires_at) - t0;
      expect(ttl).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(2 * 3_600_000 + 60_000);
      // Only the token's hash is stored.
      const stored = await ctx.handle.db
        .selectFrom('api_tokens')
        .select('token_hash')
        .where('token_hash', '=', hashToken(body.token))
        .execute();
      expect(stored).toHaveLength(1);
      expect(
        await ctx.handle.db.selectFrom('api_tokens').select('id').where('token_hash', '=', body.token).execute(),
      ).toHaveLength(0);
      const me = await ctx.app.inject({ url: '/api/auth/me', headers: auth(body.token) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: 'wang.gz', role: 'manager', scope: [MANAGER_BLOCK] });
    });

    it('answers a wrong password, an unknown user and an inactive user with the same 401', async () => {
      const answers = await Promise.all([
        login('wang.gz', 'wrong horse'),
        login('nobody', 'correct horse'),
        login('gone', 'correct horse'),
      ]);
      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toEqual({ code: 'UNAUTHORIZED', message: 'wrong username or password', params: {} });
      }
    });

    it('never lets a token-only account log in', async () => {
      expect((await login('admin', '!no-login')).statusCode).toBe(401);
    });

    it('rejects a body without a password with 400', async () => {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'wang.gz' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the token: the next request with it is 401, other tokens keep working', async () => {
      const a = (await login('wang.gz', 'correct horse')).json().token;
      const b = (await login('wang.gz', 'correct horse')).json().token;
      const out = await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(a) });
      expect(out.statusCode).toBe(200);
      expect(out.json()).toEqual({ revoked: true });
      const after = await ctx.app.inject({ url: '/api/auth/me', headers: auth(a) });
      expect(after.statusCode).toBe(401);
      expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(a) })).statusCode).toBe(
        401,
      );
      expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(b) })).statusCode).toBe(200);
    });

    it('needs a token', async () => {
      expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(401);
    });
  });

  describe('GET /api/auth/me', () => {
    it('answers each role with itself', async () => {
      const res = await ctx.app.inject({ url: '/api/auth/me', headers: auth(ctx.world.tokens.department) });
      expect(res.json()).toEqual({
        id: ctx.world.userIds.department,
        username: 'dept',
        display_name: '测试department',
        role: 'department',
        scope: [],
        department: '城管局',
      });
    });

    it('refuses an expired token with 401', async () => {
      await ctx.handle.db
        .insertInto('api_tokens')
        .values({
          user_id: ctx.world.userIds.leader,
          token_hash: hashToken('expired-token'),
          expires_at: new Date(Date.now() - 1000),
        })
        .execute();
      const res = await ctx.app.inject({ url: '/api/auth/me', headers: auth('expired-token') });
      expect(res.statusCode).toBe(401);
    });

    it('refuses a made-up token with 401', async () => {
      expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth('not-a-token') })).statusCode).toBe(401);
    });
  });

  describe('assertNoDemoUsersInProduction', () => {
    it('refuses production with demo users, naming them, and allows it without', async () => {
      await expect(assertNoDemoUsersInProduction(ctx.handle.db, 'production')).resolves.toBeUndefined();
      await ctx.handle.db.updateTable('users').set({ demo: true }).where('username', '=', 'leader').execute();
      try {
        await expect(assertNoDemoUsersInProduction(ctx.handle.db, 'production')).rejects.toThrow(
          /NODE_ENV=production.*demo user.*leader/,
        );
        await expect(assertNoDemoUsersInProduction(ctx.handle.db, 'development')).resolves.toBeUndefined();
      } finally {
        await ctx.handle.db.updateTable('users').set({ demo: false }).where('username', '=', 'leader').execute();
      }
    });
  });
});
