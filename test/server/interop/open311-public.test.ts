/**
 * Public (account-less) reporting through Open311: lands as 市民 / 上报, is refused past the per-address
 * limit, and the public GETs never show a private field (reporter, phone, email, staff notes).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';

const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/open311/v2/requests.json',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});
const citizen = {
  service_code: '06011',
  lat: '28.21',
  long: '113.005',
  description: '小区门口有渣土',
  first_name: '四',
  last_name: '李',
  phone: '13912345678',
  email: 'lisi@example.org',
  device_id: 'device-xyz-1',
};
const PRIVATE = ['13912345678', 'lisi@example.org', 'device-xyz-1', '李四', 'phone', 'email', '内部：联系人电话已核实'];

describe.each(BACKENDS)('Open311 public reporting on $name', (backend) => {
  const ctx = useApp(backend, { config: { publicReportMax: 2, publicReportWindowMinutes: 60 } });

  it('lands as 市民 / 上报 in its block, is refused past the limit per address, and exposes nothing private', async () => {
    const first = await ctx.app.inject(form(citizen));
    expect(first.statusCode, first.body).toBe(201);
    const id = Number(first.json()[0].service_request_id);
    const row = await sql<{ source: string; status: string; region_code: string; created_by: number | null }>`
      SELECT source, status, region_code, created_by FROM problems WHERE id = ${id}`.execute(ctx.handle.db);
    expect(row.rows[0]).toEqual({
      source: 'citizen',
      status: 'reported',
      region_code: MANAGER_BLOCK,
      created_by: null,
    });
    expect(first.json()[0].service_notice).toContain('立案');

    const second = await ctx.app.inject(form({ ...citizen, description: '第二条' }));
    expect(second.statusCode).toBe(201);
    const third = await ctx.app.inject(form({ ...citizen, description: '第三条' }));
    expect(third.statusCode).toBe(429);
    expect(third.json()).toEqual([{ code: 429, description: expect.stringContaining('Rate limit') }]);
    const xml = await ctx.app.inject({ ...form(citizen), url: '/open311/v2/requests.xml' });
    expect(xml.statusCode).toBe(429);
    expect(xml.body).toContain('<code>429</code>');
    // Nothing of the refused ones was written.
    const n = await sql<{ n: number }>`SELECT count(*) AS n FROM problems WHERE source = 'citizen'`.execute(
      ctx.handle.db,
    );
    expect(Number(n.rows[0].n)).toBe(2);
    // Another address has its own allowance; a keyed intake is not limited by the public one.
    const other = await ctx.app.inject({ ...form(citizen), remoteAddress: '10.1.2.3' });
    expect(other.statusCode).toBe(201);
    const keyed = await ctx.app.inject({
      ...form(citizen),
      headers: { ...form(citizen).headers, ...auth(ctx.world.tokens.inspector) },
    });
    expect(keyed.statusCode).toBe(201);

    // Staff work on it and write a note that must stay internal.
    const p = await ctx.app.inject({ url: `/api/problems/${id}`, headers: auth(ctx.world.tokens.admin) });
    const filed = await ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: auth(ctx.world.tokens.admin),
      payload: { action: 'file', version: p.json().properties.version, note: '内部：联系人电话已核实' },
    });
    expect(filed.statusCode).toBe(200);

    for (const url of [
      `/open311/v2/requests/${id}.json`,
      `/open311/v2/requests/${id}.xml`,
      '/open311/v2/requests.json',
      '/open311/v2/requests.xml',
    ]) {
      const res = await ctx.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('小区门口有渣土');
      for (const secret of PRIVATE) expect(res.body, `${url} shows ${secret}`).not.toContain(secret);
    }
    const one = (await ctx.app.inject({ url: `/open311/v2/requests/${id}.json` })).json()[0];
    expect(one.status_notes).toBe('立案 Filed');
    expect(one.notes.map((x: { type: string }) => x.type)).toEqual(['create', 'file']);

    // Staff with a key see the note; the hotline's (non-citizen) request is not public at all.
    const staff = (
      await ctx.app.inject({ url: `/open311/v2/requests/${id}.json`, headers: auth(ctx.world.tokens.admin) })
    ).json()[0];
    expect(staff.status_notes).toBe('内部：联系人电话已核实');
    const keyedId = keyed.json()[0].service_request_id;
    expect((await ctx.app.inject({ url: `/open311/v2/requests/${keyedId}.json` })).statusCode).toBe(404);
    const publicList = (await ctx.app.inject({ url: '/open311/v2/requests.json' })).json();
    expect(publicList.map((r: { service_request_id: string }) => r.service_request_id)).not.toContain(keyedId);
    // The private record is kept for staff, in the database.
    const intake = await sql<{ contact: Record<string, string>; client_address: string }>`
      SELECT contact, client_address FROM problem_intake WHERE problem_id = ${id}`.execute(ctx.handle.db);
    expect(intake.rows[0].contact.phone).toBe('13912345678');
    expect(intake.rows[0].client_address).toBe('127.0.0.1');
  });

  it('is off when PUBLIC_REPORT_MAX=0', async () => {
    const { buildTestApp } = await import('../../helpers/app.js');
    const app = await buildTestApp(ctx.handle, { publicReportMax: 0 });
    try {
      const res = await app.inject(form(citizen));
      expect(res.statusCode).toBe(403);
      expect(res.json()[0].code).toBe(403);
    } finally {
      await app.close();
    }
  });
});
