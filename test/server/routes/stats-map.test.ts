/**
 * GET /api/stats/map: the one number the map draws per region, from the rollups, as parallel
 * arrays; an ETag that holds while the numbers it covers stand and moves when they change.
 */
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre } from '../../helpers/world.js';

const B1 = '430121001001001';
const B2 = '430121001001002';
const B5 = '430121002001001';
const HOUR = 3_600_000;

describe.each(BACKENDS)('GET /api/stats/map on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const get = (query: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ url: `/api/stats/map${query}`, headers: { ...auth(ctx.world.tokens.leader), ...headers } });

  /** One problem in `block`, reported a day ago, due `dueInHours` from now (null: no deadline). */
  async function add(
    block: string,
    status: string,
    dueInHours: number | null,
    category = '06010',
    source = 'inspection',
  ) {
    const [lon, lat] = centre(block);
    const now = Date.now();
    await sql`INSERT INTO problems (category_code, status, source, geom, region_code, reported_at, due_at)
      VALUES (${category}, ${status}, ${source}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block},
              ${new Date(now - 24 * HOUR)}, ${dueInHours === null ? null : new Date(now + dueInHours * HOUR)})`.execute(
      ctx.handle.db,
    );
  }

  async function fixture() {
    await add(B1, 'filed', -48); // overdue for two days
    await add(B1, 'in_progress', -0.02); // overdue since a minute ago (today's deadlines: read from the problems)
    await add(B1, 'dispatched', 30); // not yet due
    await add(B1, 'closed', -48); // closed: not open, not overdue
    await add(B2, 'reported', null, '06012', 'hotline'); // open, no deadline yet
    await add(B2, 'voided', -5);
    await add(B5, 'resolved', -3, '06012'); // awaiting re-inspection still counts as open
  }

  it('answers open and overdue per block as arrays of the non-zero regions', async () => {
    await fixture();
    const open = await get('?level=block&measure=open');
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({
      level: 'block',
      parent: null,
      measure: 'open',
      source: 'rollups',
      codes: [B1, B2, B5],
      values: [3, 1, 1],
    });
    const overdue = (await get('?level=block&measure=overdue')).json();
    expect([overdue.codes, overdue.values]).toEqual([
      [B1, B5],
      [2, 1],
    ]);
    const streets = (await get('?level=street&measure=open')).json();
    expect([streets.codes, streets.values]).toEqual([
      ['430121001', '430121002'],
      [4, 1],
    ]);
    const under = (await get('?level=block&parent=430121002&measure=open')).json();
    expect([under.codes, under.values]).toEqual([[B5], [1]]);
    const category = (await get('?level=block&measure=overdue&category=06012')).json();
    expect([category.codes, category.values]).toEqual([[B5], [1]]);
  });

  it('counts for a department only its categories and for a manager only their block, on the unfiltered map too', async () => {
    await fixture();
    await add(B2, 'filed', 5, '03001'); // 卫健局's: not the 城管局 department's
    const as = async (role: 'department' | 'manager' | 'leader') =>
      (
        await ctx.app.inject({
          url: '/api/stats/map?level=block&measure=open',
          headers: auth(ctx.world.tokens[role]),
        })
      ).json();
    const leader = await as('leader');
    expect([leader.codes, leader.values]).toEqual([
      [B1, B2, B5],
      [3, 2, 1],
    ]);
    const department = await as('department');
    expect([department.codes, department.values]).toEqual([
      [B1, B2, B5],
      [3, 1, 1],
    ]);
    // The manager's block is B1; B2 next door is not theirs.
    const manager = await as('manager');
    expect([manager.codes, manager.values]).toEqual([[B1], [3]]);
  });

  it('answers a filter the rollups do not hold (source) from the problems, with the same numbers', async () => {
    await fixture();
    const res = (await get('?level=block&measure=open&source=hotline')).json();
    expect(res).toMatchObject({ source: 'problems', codes: [B2], values: [1] });
    expect(res.codes).toEqual([B2]);
  });

  it('revalidates with 304 until a number it covers changes; a write elsewhere keeps it', async () => {
    await fixture();
    const first = await get('?level=block&parent=430121001&measure=open');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"map-/);
    expect((await get('?level=block&parent=430121001&measure=open', { 'if-none-match': etag })).statusCode).toBe(304);

    // A problem in the other street leaves this street's answer (and its ETag) as it was.
    await add(B5, 'filed', 10);
    const again = await get('?level=block&parent=430121001&measure=open', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);

    // A report in this street through the API moves it, and the new answer counts it.
    const [lon, lat] = centre(B2);
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(ctx.world.tokens.inspector),
      payload: { lon, lat, category: '06010', description: '新问题' },
    });
    expect(created.statusCode).toBe(201);
    const after = await get('?level=block&parent=430121001&measure=open', { 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    expect([after.json().codes, after.json().values]).toEqual([
      [B1, B2],
      [3, 2],
    ]);
  });

  it('keeps a county-wide answer right street by street: each write shows, in its street only', async () => {
    await fixture();
    const url = '?level=block&measure=open';
    expect((await get(url)).json().values).toEqual([3, 1, 1]);
    const etag = (await get(url)).headers.etag as string;

    // A write in the second street: the county-wide answer changes there and nowhere else.
    await add(B5, 'filed', 10);
    const second = await get(url, { 'if-none-match': etag });
    expect(second.statusCode).toBe(200);
    expect([second.json().codes, second.json().values]).toEqual([
      [B1, B2, B5],
      [3, 1, 2],
    ]);
    // Then one in the first street (closing B2's open problem), with the second street's part kept.
    await sql`UPDATE problems SET status = 'closed' WHERE region_code = ${B2} AND status = 'reported'`.execute(
      ctx.handle.db,
    );
    const first = (await get(url)).json();
    expect([first.codes, first.values]).toEqual([
      [B1, B5],
      [3, 2],
    ]);
    // The community level and a street's own answer agree with it.
    const communities = (await get('?level=community&measure=open')).json();
    expect([communities.codes, communities.values]).toEqual([
      ['430121001001', '430121002001'],
      [3, 2],
    ]);
    const overdue = (await get('?level=block&measure=overdue')).json();
    expect([overdue.codes, overdue.values]).toEqual([
      [B1, B5],
      [2, 1],
    ]);
  });

  it('counts a deadline that passes with no write: the overdue answer and its ETag move with the clock', async () => {
    await fixture();
    // Due in 1.5 s: not overdue at the first request, overdue two seconds later.
    const [lon, lat] = centre(B5);
    await sql`INSERT INTO problems (category_code, status, source, geom, region_code, reported_at, due_at)
      VALUES ('06010', 'filed', 'inspection', ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${B5},
              ${new Date(Date.now() - HOUR)}, ${new Date(Date.now() + 1500)})`.execute(ctx.handle.db);
    const url = '?level=block&measure=overdue';
    const before = await get(url);
    expect([before.json().codes, before.json().values]).toEqual([
      [B1, B5],
      [2, 1],
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await get(url, { 'if-none-match': before.headers.etag as string });
    expect(after.statusCode).toBe(200);
    expect([after.json().codes, after.json().values]).toEqual([
      [B1, B5],
      [2, 2],
    ]);
  });

  it('sends a cached answer gzip-compressed once, the same numbers as uncompressed', async () => {
    await fixture();
    await get('?level=block&measure=open');
    const zipped = await get('?level=block&measure=open', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString())).toMatchObject({
      codes: [B1, B2, B5],
      values: [3, 1, 1],
    });
    const plain = await get('?level=block&measure=open', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json()).toMatchObject({ codes: [B1, B2, B5], values: [3, 1, 1] });
  });

  it('refuses a parent below the level and an unknown measure (400)', async () => {
    expect((await get('?level=street&parent=430121001001&measure=open')).statusCode).toBe(400);
    expect((await get('?level=block&measure=closure_rate')).statusCode).toBe(400);
    expect((await ctx.app.inject({ url: '/api/stats/map?measure=open' })).statusCode).toBe(401);
  });
});
