import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';

/**
 * Every role-restricted route checks the role before it validates the request, so a caller without
 * the role gets the same 403 FORBIDDEN whether their request is well-formed or not.
 */
const ADMIN_ONLY = [
  { method: 'GET', url: '/api/users' },
  { method: 'POST', url: '/api/users' },
  { method: 'PATCH', url: '/api/users/1' },
  { method: 'PATCH', url: '/api/categories/06010' },
  { method: 'PUT', url: '/api/calendar/2025-10-01' },
  { method: 'DELETE', url: '/api/calendar/2025-10-01' },
  { method: 'POST', url: '/api/regions/import' },
] as const;

describe.each(BACKENDS)('role checks on $name', (backend) => {
  const ctx = useApp(backend, { world: 'once' });

  it.each(ADMIN_ONLY)('$method $url answers an inspector with a malformed body 403 FORBIDDEN', async (route) => {
    const res = await ctx.app.inject({
      method: route.method,
      url: route.url,
      headers: auth(ctx.world.tokens.inspector),
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: { not_a_field: [] } }),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('POST /api/problems/import answers a manager with a malformed body 403 FORBIDDEN', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems/import',
      headers: auth(ctx.world.tokens.manager),
      payload: { not_a_field: [] },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('PATCH /api/problems/:id answers a leader with a malformed body 403 FORBIDDEN', async () => {
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/api/problems/1',
      headers: auth(ctx.world.tokens.leader),
      payload: { version: 'x' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });
});
