import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';

describe.each(BACKENDS)('API keys on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const admin = () => auth(ctx.world.tokens.admin);
  const issue = (payload: Record<string, unknown>) =>
    ctx.app.inject({ method: 'POST', url: '/api/api-keys', headers: admin(), payload });

  describe('POST /api/api-keys', () => {
    it('issues a key once, stores only its hash, and the key acts as its user (Bearer or X-API-Key)', async () => {
      const res = await issue({ name: '12345 热线', user_id: ctx.world.userIds.manager });
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json();
      expect(created.key).toMatch(/^pmk_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({ name: '12345 热线', username: 'manager', source: 'hotline', revoked_at: null });
      expect(created.key.startsWith(created.key_prefix)).toBe(true);

      const stored = await sql<{ key_hash: string }>`SELECT key_hash FROM api_keys`.execute(ctx.handle.db);
      expect(stored.rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored.rows)).not.toContain(created.key);
      const list = await ctx.app.inject({ url: '/api/api-keys', headers: admin() });
      expect(list.json().api_keys).toHaveLength(1);
      expect(list.body).not.toContain(created.key);

      for (const headers of [auth(created.key), { 'x-api-key': created.key }]) {
        const me = await ctx.app.inject({ url: '/api/auth/me', headers });
        expect(me.statusCode).toBe(200);
        expect(me.json()).toMatchObject({ username: 'manager', role: 'manager', scope: [MANAGER_BLOCK] });
      }
      const used = await ctx.app.inject({ url: '/api/api-keys', headers: admin() });
      expect(used.json().api_keys[0].last_used_at).not.toBeNull();
    });

    it('refuses an unknown or inactive user with 422', async () => {
      expect((await issue({ name: 'x', user_id: 999999 })).statusCode).toBe(422);
      await sql`UPDATE users SET active = false WHERE id = ${ctx.world.userIds.inspector}`.execute(ctx.handle.db);
      expect((await issue({ name: 'x', user_id: ctx.world.userIds.inspector })).statusCode).toBe(422);
      expect((await issue({ name: '', user_id: ctx.world.userIds.admin })).statusCode).toBe(400);
      expect((await issue({ name: 'x', user_id: ctx.world.userIds.admin, source: 'fax' })).statusCode).toBe(400);
      expect(
        Number((await sql<{ n: number }>`SELECT count(*) AS n FROM api_keys`.execute(ctx.handle.db)).rows[0].n),
      ).toBe(0);
    });
  });

  describe('DELETE /api/api-keys/:id', () => {
    it('revokes at once; a deactivated user’s key stops working too', async () => {
      const a = (await issue({ name: 'a', user_id: ctx.world.userIds.inspector })).json();
      const b = (await issue({ name: 'b', user_id: ctx.world.userIds.leader })).json();
      const del = await ctx.app.inject({ method: 'DELETE', url: `/api/api-keys/${a.id}`, headers: admin() });
      expect(del.statusCode).toBe(200);
      expect(del.json().revoked_at).not.toBeNull();
      expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(a.key) })).statusCode).toBe(401);
      expect(
        (await ctx.app.inject({ method: 'DELETE', url: '/api/api-keys/999999', headers: admin() })).statusCode,
      ).toBe(404);

      expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(b.key) })).statusCode).toBe(200);
      await sql`UPDATE users SET active = false WHERE id = ${ctx.world.userIds.leader}`.execute(ctx.handle.db);
      expect((await ctx.app.inject({ url: '/api/auth/me', headers: auth(b.key) })).statusCode).toBe(401);
    });
  });

  describe('PUT /api/categories/:code/attributes', () => {
    const attr = (code: string, extra: Record<string, unknown> = {}) => ({
      variable: true,
      code,
      datatype: 'string',
      required: false,
      datatype_description: '',
      order: 1,
      description: code,
      ...extra,
    });
    const put = (code: string, attributes: unknown[]) =>
      ctx.app.inject({
        method: 'PUT',
        url: `/api/categories/${code}/attributes`,
        headers: admin(),
        payload: { attributes },
      });

    it('sets the attributes Open311 shows, and refuses duplicates, empty lists and unknown categories', async () => {
      expect((await put('06010', [attr('a'), attr('a')])).statusCode).toBe(422);
      expect((await put('06010', [attr('a', { datatype: 'singlevaluelist' })])).statusCode).toBe(422);
      expect((await put('99999', [attr('a')])).statusCode).toBe(404);
      expect((await put('06010', [attr('where', { required: true })])).statusCode).toBe(200);
      const def = await ctx.app.inject({ url: '/open311/v2/services/06010.json' });
      expect(def.json().attributes.map((a: { code: string }) => a.code)).toEqual(['where']);
      const list = (await ctx.app.inject({ url: '/open311/v2/services.json' })).json();
      expect(list.find((s: { service_code: string }) => s.service_code === '06010').metadata).toBe(true);
      expect((await put('06010', [])).statusCode).toBe(200);
      expect((await ctx.app.inject({ url: '/open311/v2/services/06010.json' })).json().attributes).toEqual([]);
    });
  });
});
