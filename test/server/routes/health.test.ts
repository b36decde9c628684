import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { buildTestApp, useApp } from '../../helpers/app.js';

describe.each(BACKENDS)('health checks on $name', (backend) => {
  const ctx = useApp(backend, { world: false });

  it('GET /healthz answers ok without a token', async () => {
    const res = await ctx.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports the backend once the database answers', async () => {
    const res = await ctx.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      backend: backend.name === 'postgres' ? 'pg' : 'pglite',
      mvt: backend.name === 'postgres',
    });
  });

  it('GET /readyz answers 503 when the database is gone', async () => {
    const h2 = await backend.open();
    const app2 = await buildTestApp(h2);
    await h2.close();
    const res = await app2.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DB_UNAVAILABLE');
    await app2.close();
  });

  it('an /api route without a token is 401 with the error shape', async () => {
    const res = await ctx.app.inject('/api/categories');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });
});

describe('request log', () => {
  it('never writes an ?access_token= to the log', async () => {
    const { Writable } = await import('node:stream');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const handle = await BACKENDS[0].open();
    const app = await buildTestApp(handle, {}, { level: 'info', stream });
    const res = await app.inject('/api/categories?access_token=secret-token-123&x=1');
    expect(res.statusCode).toBe(401);
    await app.close();
    await handle.close();
    const log = lines.join('');
    expect(log).toContain('/api/categories?access_token=[redacted]&x=1');
    expect(log).not.toContain('secret-token-123');
  });
});
