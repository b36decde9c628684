/**
 * Hostile input (issue 14, part 2): impossible dates, offsets and years, oversized ids, NUL bytes,
 * forged cursors, wrong JSON types and object-valued import fields are a 4xx on every route that
 * takes them — never a 5xx, never a cut-off download, never a partial or altered write.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import fc from 'fast-check';
import { BACKENDS } from '../helpers/db.js';
import { useApp } from '../helpers/app.js';
import { insertProblemRows } from '../helpers/problems.js';
import { auth, centre, MANAGER_BLOCK } from '../helpers/world.js';

const BAD_INSTANTS = [
  '2026-02-30',
  '2026-13-45',
  '2026-12-01T25:61',
  '2026-12-01T10:00+99:99',
  '2026-12-01T10:00:61Z',
  '2025-02-29',
  '0000-01-01',
  '9999-12-31',
];
const FILTER_ROUTES = [
  '/api/problems',
  '/api/stats/regions',
  '/api/stats/regions/430121',
  '/api/rankings',
  '/api/hotspots',
  '/api/exports/problems.csv',
  '/api/exports/problems.geojson',
  '/api/exports/problems.xlsx',
  '/tiles/problems/14/13334/6852.mvt',
];

const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe.each(BACKENDS)('hostile input on $name', (backend) => {
  const ctx = useApp(backend);
  const get = (url: string) => ctx.app.inject({ url, headers: auth(ctx.world.tokens.leader) });
  const count = async (table: 'problems' | 'problem_events') =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n;

  beforeAll(async () => {
    await insertProblemRows(ctx.handle.db, [{ block: MANAGER_BLOCK, status: 'filed', reported: '2026-03-02 09:00' }]);
  });

  it.each(FILTER_ROUTES)(
    '%s: impossible dates, offsets and years in from/to are 400 VALIDATION_FAILED',
    async (route) => {
      for (const param of ['from', 'to']) {
        for (const value of BAD_INSTANTS) {
          const res = await get(`${route}?${param}=${encodeURIComponent(value)}`);
          expect(res.statusCode, `${route}?${param}=${value}: ${res.body.slice(0, 200)}`).toBe(400);
          expect(res.json().error.code).toBe('VALIDATION_FAILED');
        }
      }
    },
  );

  it('a real leap day and a valid offset are accepted', async () => {
    expect((await get('/api/problems?from=2024-02-29&to=2026-12-01T10:00%2B08:00')).statusCode).toBe(200);
    expect((await get('/api/exports/problems.csv?from=2024-02-29T00:00Z')).statusCode).toBe(200);
  });

  it('statistics periods and ranking months refuse impossible values', async () => {
    for (const v of BAD_INSTANTS)
      for (const p of ['period_from', 'period_to'])
        expect((await get(`/api/stats/regions?${p}=${encodeURIComponent(v)}`)).statusCode, `${p}=${v}`).toBe(400);
    for (const period of ['0000-01', '2026-13', '2026-00', '9999-12'])
      expect((await get(`/api/rankings?period=${period}`)).statusCode, period).toBe(400);
    expect((await get('/api/rankings?period=2026-03')).statusCode).toBe(200);
  });

  it('ids beyond a 32-bit integer are 400, not 500', async () => {
    for (const id of ['9999999999999999999', '2147483648', '-1', '0']) {
      const res = await get(`/api/problems/${id}`);
      expect(res.statusCode, id).toBe(400);
      expect((await get(`/api/problems/${id}/events`)).statusCode, id).toBe(400);
    }
    expect((await get('/api/problems/2147483647')).statusCode).toBe(404);
  });

  it('a NUL byte in the search text is 400', async () => {
    const res = await get('/api/problems?q=%00abc');
    expect(res.statusCode).toBe(400);
    expect((await get('/api/exports/problems.csv?q=a%00')).statusCode).toBe(400);
  });

  it('a well-formed cursor holding an impossible time or id is 400', async () => {
    for (const c of [
      cursorOf(['2026-02-30 10:00:00+08', 5]),
      cursorOf(['2026-12-01 25:00:00+08', 5]),
      cursorOf(['0000-01-01 00:00:00+00', 5]),
      cursorOf(['2026-03-02 09:00:00+08', 99999999999]),
      'not-a-cursor',
    ]) {
      const res = await get(`/api/problems?cursor=${c}`);
      expect(res.statusCode, c).toBe(400);
    }
  });

  it('POST /api/problems: a NUL byte or a wrong type in the body is 400 and writes nothing', async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const before = [await count('problems'), await count('problem_events')];
    for (const payload of [
      { lon, lat, category: '06010', description: '有\u0000空字符' },
      { lon, lat, category: '06010', description: '正常', address: 'a\u0000' },
      { lon: String(lon), lat, category: '06010' },
      { lon, lat, category: '06010', severity: '2' },
      { lon, lat, category: { code: '06010' } },
      { lon, lat, category: '06010', description: 12345 },
    ]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/problems',
        headers: auth(ctx.world.tokens.inspector),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect([await count('problems'), await count('problem_events')]).toEqual(before);
  });

  it('POST /api/problems stores the description and address exactly as sent', async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const description = '  前后有空格\t ';
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(ctx.world.tokens.inspector),
      payload: { lon, lat, category: '06010', description, address: ' 路口 ' },
    });
    expect(res.statusCode).toBe(201);
    const row = await ctx.handle.db
      .selectFrom('problems')
      .select(['description', 'address'])
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ description, address: ' 路口 ' });
  });

  it('a GeoJSON import whose category or description is an object is refused whole (422), never stored as [object Object]', async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const before = [await count('problems'), await count('problem_events')];
    const feature = (properties: Record<string, unknown>) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties,
    });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems/import',
      headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'application/geo+json' },
      payload: {
        type: 'FeatureCollection',
        features: [
          feature({ category: '06010', description: '好的一行' }),
          feature({ category: { code: '06010' }, description: 'x' }),
          feature({ category: '06010', description: { text: '对象' } }),
          feature({ category: '06010', description: '有\u0000空字符' }),
          feature({ category: ['06010'], description: 'y' }),
        ],
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.rejected.map((r: { line: number }) => r.line)).toEqual([1, 2, 3, 4]);
    expect([await count('problems'), await count('problem_events')]).toEqual(before);
    const objects = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM problems WHERE description LIKE '%[object Object]%'`.execute(ctx.handle.db);
    expect(objects.rows[0].n).toBe(0);
  });

  it('a CSV import keeps surrounding spaces in free text and trims only the structural fields', async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems/import',
      headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'text/csv' },
      payload: `lon,lat,category,description,address\n ${lon} , ${lat} , 06010 ,"  两端空格  ", 门前 \n`,
    });
    expect(res.statusCode, res.body).toBe(201);
    const row = await sql<{ description: string; address: string }>`SELECT description, address FROM problems
      WHERE description LIKE '%两端空格%'`.execute(ctx.handle.db);
    expect(row.rows).toEqual([{ description: '  两端空格  ', address: ' 门前 ' }]);
  });

  it('property (seed 20261202): any filter values on the list and the CSV export → never a 5xx', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('2026-02-30', '2026-12-01T10:00+08:00', '-1', '1e400', 'true', ',', '%', '\u0000'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'from',
          'to',
          'status',
          'category',
          'region',
          'overdue',
          'q',
          'limit',
          'cursor',
          'bbox',
          'source',
          'tag',
        ),
        value,
        fc.constantFrom('/api/problems', '/api/exports/problems.csv', '/api/stats/regions'),
        async (param, v, route) => {
          const res = await get(`${route}?${param}=${encodeURIComponent(v)}`);
          expect(res.statusCode, `${route}?${param}=${JSON.stringify(v)}`).toBeLessThan(500);
        },
      ),
      { seed: 20_261_202, numRuns: 120 },
    );
  });

  it('property (seed 20261202): any description and address are stored exactly as sent, or refused with nothing written', async () => {
    const [lon, lat] = centre(MANAGER_BLOCK);
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom(' ', '\t', '\n', '"', '=', '\u0000', '描'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 40,
    });
    await fc.assert(
      fc.asyncProperty(text, text, async (description, address) => {
        const before = [await count('problems'), await count('problem_events')];
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/api/problems',
          headers: auth(ctx.world.tokens.inspector),
          payload: { lon, lat, category: '06010', description, address },
        });
        if (description.includes('\u0000') || address.includes('\u0000')) {
          expect(res.statusCode).toBe(400);
          expect([await count('problems'), await count('problem_events')]).toEqual(before);
          return;
        }
        expect(res.statusCode, res.body).toBe(201);
        const row = await ctx.handle.db
          .selectFrom('problems')
          .select(['description', 'address'])
          .where('id', '=', res.json().id)
          .executeTakeFirstOrThrow();
        expect(row.description).toBe(description);
        expect(row.address).toBe(address);
        expect([await count('problems'), await count('problem_events')]).toEqual([before[0] + 1, before[1] + 1]);
      }),
      { seed: 20_261_202, numRuns: 40 },
    );
  });
});
