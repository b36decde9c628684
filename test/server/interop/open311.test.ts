/**
 * Open311 GeoReport v2 end to end, through a client written from the spec (./open311-client.ts)
 * talking HTTP to a listening app on a free loopback port: an intake key posts a request, reads it
 * back by id and in the list (JSON and XML), and sees it closed once the workflow closes it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';
import { errorsOf, Open311Client, requestsOf, SPEC_REQUEST_FIELDS } from './open311-client.js';

/** Centre of the manager's block, WGS84, and the same place as GCJ-02 (gcoord, computed once and written out). */
const MINE_WGS = [113.005, 28.21] as const;
const MINE_GCJ = [113.01066172119614, 28.2066635883977] as const;

describe.each(BACKENDS)('Open311 GeoReport v2 on $name', (backend) => {
  const ctx = useApp(backend, { config: { publicReportMax: 100 } });
  let endpoint: string;
  let hotline: Open311Client;
  let hotlineKey: string;
  let managerKey: string;

  const admin = () => auth(ctx.world.tokens.admin);
  const issueKey = async (userId: number, name: string, source?: string) => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: admin(),
      payload: { name, user_id: userId, ...(source ? { source } : {}) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().key as string;
  };
  const transition = async (id: string, action: string, note?: string) => {
    const p = await ctx.app.inject({ url: `/api/problems/${id}`, headers: admin() });
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: admin(),
      payload: { action, version: p.json().properties.version, ...(note ? { note } : {}) },
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = ctx.app.server.address() as AddressInfo;
    endpoint = `http://127.0.0.1:${port}/open311/v2`;
    hotlineKey = await issueKey(ctx.world.userIds.inspector, '12345 热线', 'hotline');
    managerKey = await issueKey(ctx.world.userIds.manager, '网格长小程序', 'citizen');
    hotline = new Open311Client(endpoint, hotlineKey);
    // A category with an extra question (service attribute).
    const put = await ctx.app.inject({
      method: 'PUT',
      url: '/api/categories/06010/attributes',
      headers: admin(),
      payload: {
        attributes: [
          {
            variable: true,
            code: 'amount',
            datatype: 'singlevaluelist',
            required: true,
            datatype_description: '垃圾量',
            order: 1,
            description: '垃圾量 How much',
            values: [
              { key: 'small', name: '少量' },
              { key: 'large', name: '大量' },
            ],
          },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
  });

  it('discovery names this endpoint with JSON and XML', async () => {
    const d = await hotline.discovery();
    expect(d.status).toBe(200);
    expect(d.body.endpoints[0].url).toBe(endpoint);
    expect(d.body.endpoints[0].formats).toEqual(['application/json', 'text/xml']);
    const x = await hotline.discovery('xml');
    expect(x.contentType).toMatch(/^text\/xml/);
    expect(x.body.discovery.endpoints.endpoint[0].formats.format).toEqual(['application/json', 'text/xml']);
  });

  it('services: one per category, the national code as service_code, grouped; definitions list attributes', async () => {
    const s = await hotline.services();
    const garbage = s.body.find((x: { service_code: string }) => x.service_code === '06010');
    expect(garbage).toMatchObject({ service_name: '暴露垃圾', group: '市容环境', metadata: true, type: 'realtime' });
    expect(s.body.find((x: { service_code: string }) => x.service_code === '06011').metadata).toBe(false);
    const x = await hotline.services('xml');
    const xg = x.body.services.service.find((e: { service_code: string }) => e.service_code === '06010');
    expect(xg).toMatchObject({ service_name: '暴露垃圾', group: '市容环境', metadata: 'true' });
    expect(x.body.services.service.length).toBe(s.body.length);

    const def = await hotline.serviceDefinition('06010');
    expect(def.body.service_code).toBe('06010');
    expect(def.body.attributes.map((a: { code: string }) => a.code)).toEqual(['amount']);
    const xd = await hotline.serviceDefinition('06010', 'xml');
    expect(xd.body.service_definition.attributes.attribute[0].values.value.map((v: { key: string }) => v.key)).toEqual([
      'small',
      'large',
    ]);
    const missing = await hotline.serviceDefinition('99999');
    expect(missing.status).toBe(404);
    expect(errorsOf(missing, 'json')[0].code).toBe(404);
  });

  it('posts with an API key, reads it by id and in the list (JSON and XML), and sees it closed after the workflow', async () => {
    const refused = await hotline.post({ service_code: '06010', lat: MINE_WGS[1], long: MINE_WGS[0] });
    expect(refused.status).toBe(400);
    expect(errorsOf(refused, 'json')[0]).toMatchObject({ code: 400 });
    expect(errorsOf(refused, 'json')[0].description).toContain('attribute[amount]');

    const posted = await hotline.post({
      service_code: '06010',
      lat: MINE_WGS[1],
      long: MINE_WGS[0],
      address_string: '人民路 12 号',
      description: '路边垃圾堆积 12345 转办',
      media_url: 'https://img.example.org/a.jpg',
      phone: '13800000001',
      first_name: '三',
      last_name: '张',
      attribute: { amount: 'large' },
    });
    expect(posted.status, posted.text).toBe(201);
    const [receipt] = posted.body;
    expect(receipt.service_request_id).toMatch(/^\d+$/);
    expect(receipt.token.length).toBeGreaterThanOrEqual(20);
    const id: string = receipt.service_request_id;

    // Assigned like any problem, marked with the key's source, waiting for 立案.
    const row = await sql<{ region_code: string; source: string; status: string }>`
      SELECT region_code, source, status FROM problems WHERE id = ${Number(id)}`.execute(ctx.handle.db);
    expect(row.rows[0]).toEqual({ region_code: MANAGER_BLOCK, source: 'hotline', status: 'reported' });

    const token = await hotline.token(receipt.token);
    expect(token.body).toEqual([{ service_request_id: id, token: receipt.token }]);

    for (const format of ['json', 'xml'] as const) {
      const one = requestsOf(await hotline.request(id, format), format);
      expect(one).toHaveLength(1);
      for (const f of SPEC_REQUEST_FIELDS) expect(one[0], `${format} has ${f}`).toHaveProperty(f);
      expect(one[0]).toMatchObject({
        service_request_id: id,
        status: 'open',
        service_code: '06010',
        service_name: '暴露垃圾',
        agency_responsible: '城管局',
        address: '人民路 12 号',
        description: '路边垃圾堆积 12345 转办',
        media_url: 'https://img.example.org/a.jpg',
      });
      expect(Number(one[0].lat)).toBeCloseTo(MINE_WGS[1], 6);
      expect(Number(one[0].long)).toBeCloseTo(MINE_WGS[0], 6);
      const list = requestsOf(await hotline.requests({ service_code: '06010', status: 'open' }, format), format);
      expect(list.map((r) => r.service_request_id)).toContain(id);
    }
    const before = requestsOf(await hotline.request(id), 'json')[0];
    expect(before.expected_datetime).toBeNull();

    await transition(id, 'file');
    const filed = requestsOf(await hotline.request(id), 'json')[0];
    const due = await sql<{ due_at: Date }>`SELECT due_at FROM problems WHERE id = ${Number(id)}`.execute(
      ctx.handle.db,
    );
    expect(filed.expected_datetime).toBe(due.rows[0].due_at.toISOString());
    await transition(id, 'dispatch');
    await transition(id, 'start');
    await transition(id, 'resolve', '已清运');
    await transition(id, 'close', '核查合格，结案');

    for (const format of ['json', 'xml'] as const) {
      const closed = requestsOf(await hotline.request(id, format), format)[0];
      expect(closed.status).toBe('closed');
      expect(closed.status_notes).toBe('核查合格，结案');
      const notes = format === 'json' ? closed.notes : closed.notes.note;
      expect(notes.map((n: { type: string }) => n.type)).toEqual([
        'create',
        'file',
        'dispatch',
        'start',
        'resolve',
        'close',
      ]);
      expect(notes[4].description).toBe('已清运');
      const closedList = requestsOf(await hotline.requests({ status: 'closed' }, format), format);
      expect(closedList.map((r) => r.service_request_id)).toContain(id);
      const openList = requestsOf(await hotline.requests({ status: 'open' }, format), format);
      expect(openList.map((r) => r.service_request_id)).not.toContain(id);
      const byId = requestsOf(await hotline.requests({ service_request_id: id, status: 'open' }, format), format);
      expect(byId.map((r) => r.service_request_id)).toEqual([id]);
    }
  });

  it('converts GCJ-02 positions (crs=gcj02 extension) to WGS84 before assigning the block', async () => {
    const base = { service_code: '06011', lat: MINE_GCJ[1], long: MINE_GCJ[0] };
    const gcj = await hotline.post({ ...base, extra: { crs: 'gcj02' } });
    expect(gcj.status, gcj.text).toBe(201);
    const asWgs = await hotline.post(base);
    expect(asWgs.status).toBe(201);
    const r = await sql<{ id: number; region_code: string; lon: number; lat: number }>`
      SELECT id, region_code, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM problems
      WHERE id IN (${Number(gcj.body[0].service_request_id)}, ${Number(asWgs.body[0].service_request_id)}) ORDER BY id`.execute(
      ctx.handle.db,
    );
    expect(r.rows[0].region_code).toBe(MANAGER_BLOCK);
    expect(r.rows[0].lon).toBeCloseTo(MINE_WGS[0], 4);
    expect(r.rows[0].lat).toBeCloseTo(MINE_WGS[1], 4);
    // The same numbers taken as WGS84 lie ~600 m east, in the neighbour's block.
    expect(r.rows[1].region_code).toBe(NEIGHBOUR_BLOCK);
  });

  it("a manager's key reads only their area and cannot post outside it", async () => {
    const manager = new Open311Client(endpoint, managerKey);
    const n = await hotline.post({ service_code: '06011', lat: 28.21, long: 113.015, description: '邻居网格' });
    expect(n.status).toBe(201);
    const neighbourId = n.body[0].service_request_id;
    const all = requestsOf(await hotline.requests(), 'json').map((r) => r.service_request_id);
    expect(all).toContain(neighbourId);
    const mine = requestsOf(await manager.requests(), 'json');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((r) => r.service_request_id)).not.toContain(neighbourId);
    for (const r of mine) expect(Number(r.long)).toBeLessThan(113.01);
    const hidden = await manager.request(neighbourId);
    expect(hidden.status).toBe(404);
    const outside = await manager.post({ service_code: '06011', lat: 28.21, long: 113.015 });
    expect(outside.status).toBe(403);
    expect(errorsOf(outside, 'json')[0].code).toBe(403);
  });

  it('answers errors in the spec shape, in the format asked', async () => {
    const badKey = await new Open311Client(endpoint, 'not-a-key').post({
      service_code: '06011',
      lat: 28.21,
      long: 113.005,
    });
    expect(badKey.status).toBe(403);
    expect(errorsOf(badKey, 'json')).toEqual([{ code: 403, description: expect.stringContaining('api_key') }]);
    const missing = await hotline.request('99999999', 'xml');
    expect(missing.status).toBe(404);
    expect(errorsOf(missing, 'xml')).toEqual([{ code: 404, description: expect.any(String) }]);
    const noPlace = await hotline.post({ service_code: '06011', address_string: '人民路' });
    expect(noPlace.status).toBe(400);
    expect(errorsOf(noPlace, 'json')[0].description).toContain('lat and long');
    const unknown = await hotline.post({ service_code: '99999', lat: 28.21, long: 113.005 });
    expect(unknown.status).toBe(400);
    const outside = await hotline.post({ service_code: '06011', lat: 28.3, long: 113.2 });
    expect(outside.status).toBe(400);
    expect(errorsOf(outside, 'json')[0].description).toContain('outside');
    const tooLong = await hotline.post({
      service_code: '06011',
      lat: 28.21,
      long: 113.005,
      description: 'x'.repeat(4001),
    });
    expect(tooLong.status).toBe(400);
    const count = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM problems WHERE description = ${'x'.repeat(4001)}`.execute(ctx.handle.db);
    expect(Number(count.rows[0].n)).toBe(0);
  });

  it('accepts a JSON body with api_key as well', async () => {
    const res = await fetch(`${endpoint}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: hotlineKey,
        service_code: '06011',
        lat: 28.21,
        long: 113.005,
        description: 'JSON 上报',
      }),
    });
    expect(res.status).toBe(201);
    const [r] = (await res.json()) as { service_request_id: string }[];
    const got = requestsOf(await hotline.request(r.service_request_id), 'json')[0];
    expect(got.description).toBe('JSON 上报');
  });
});
