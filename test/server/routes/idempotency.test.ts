import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, type RoleName } from '../../helpers/world.js';

describe.each(BACKENDS)('Idempotency-Key on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const [lon, lat] = centre(MANAGER_BLOCK);
  const create = (role: RoleName, key?: string, description = '离线上报') =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: { ...auth(ctx.world.tokens[role]), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { lon, lat, category: '06010', description },
    });
  const act = (role: RoleName, id: number, body: Record<string, unknown>, key?: string) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: { ...auth(ctx.world.tokens[role]), ...(key ? { 'idempotency-key': key } : {}) },
      payload: body,
    });
  const count = async (table: 'problems' | 'problem_events') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n);

  describe('POST /api/problems', () => {
    it('creates one problem for a request retried with the same key, and answers the retry with it', async () => {
      const first = await create('inspector', 'offline-0001-aaaa');
      expect(first.statusCode, first.body).toBe(201);
      const retry = await create('inspector', 'offline-0001-aaaa');
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().id).toBe(first.json().id);
      expect(retry.json().problem.properties.description).toBe('离线上报');
      expect(await count('problems')).toBe(1);
      expect(await count('problem_events')).toBe(1);
    });

    it('creates one problem when two retries arrive at once', async () => {
      const [a, b] = await Promise.all([create('inspector', 'offline-race-1'), create('inspector', 'offline-race-1')]);
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expect(a.json().id).toBe(b.json().id);
      expect(await count('problems')).toBe(1);
    });

    it('keeps keys per user, and without a key every request writes', async () => {
      expect((await create('inspector', 'shared-key-123')).statusCode).toBe(201);
      expect((await create('admin', 'shared-key-123')).statusCode).toBe(201);
      expect((await create('inspector')).statusCode).toBe(201);
      expect((await create('inspector')).statusCode).toBe(201);
      expect(await count('problems')).toBe(4);
    });

    it('refuses a malformed key with 400 and a key reused for another request with 422', async () => {
      const bad = await create('inspector', 'short');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.params).toEqual({ reason: 'bad_idempotency_key' });
      const made = await create('inspector', 'reused-key-0001');
      const id = made.json().id;
      const reused = await act('inspector', id, { action: 'file', version: 1 }, 'reused-key-0001');
      expect(reused.statusCode).toBe(422);
      expect(reused.json().error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        params: { reason: 'key_reused', request: 'POST /api/problems' },
      });
      expect(await count('problem_events')).toBe(1);
    });
  });

  describe('POST /api/problems/:id/transitions', () => {
    it('applies a transition once when retried with the same key (no 409 for the retry)', async () => {
      const id = (await create('inspector')).json().id;
      const first = await act('manager', id, { action: 'file', version: 1 }, 'tr-key-000001');
      expect(first.statusCode, first.body).toBe(200);
      const retry = await act('manager', id, { action: 'file', version: 1 }, 'tr-key-000001');
      expect(retry.statusCode, retry.body).toBe(200);
      expect(retry.json().properties).toMatchObject({ status: 'filed', version: 2 });
      expect(await count('problem_events')).toBe(2);
      // Without the key the same stale request is a conflict, as before.
      const stale = await act('manager', id, { action: 'file', version: 1 });
      expect(stale.statusCode).toBe(409);
    });

    it('lets a retry run for real after a refused first attempt (the refusal wrote nothing)', async () => {
      const id = (await create('inspector')).json().id;
      const refused = await act('manager', id, { action: 'void', version: 1 }, 'void-key-00001');
      expect(refused.statusCode).toBe(400);
      const ok = await act('manager', id, { action: 'void', version: 1, note: '重复上报' }, 'void-key-00001');
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().properties.status).toBe('voided');
    });
  });
});
