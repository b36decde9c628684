import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, BLOCKS } from '../../helpers/world.js';
import { pointInBlock } from '../../helpers/import-rows.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'problems');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describe.each(BACKENDS)('POST /api/problems/import on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });

  const importCsv = (payload: Buffer | string, query = '', token = ctx.world.tokens.inspector) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/import${query}`,
      headers: { ...auth(token), 'content-type': 'text/csv' },
      payload,
    });
  const importJson = (payload: Buffer | string | object, query = '', contentType = 'application/geo+json') =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/import${query}`,
      headers: { ...auth(ctx.world.tokens.inspector), 'content-type': contentType },
      payload: typeof payload === 'object' && !Buffer.isBuffer(payload) ? JSON.stringify(payload) : payload,
    });
  const count = async (table: 'problems' | 'problem_events') =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n,
    );
  const problems = () =>
    // Imports insert block by block (see db/queries/problem-import-stage.ts), not in file order: read back by block.
    ctx.handle.db
      .selectFrom('problems')
      .select([
        'id',
        'category_code',
        'description',
        'address',
        'region_code',
        'reported_at',
        'source',
        'severity',
        'reporter',
        'photos',
        'recurrence_of',
      ])
      .orderBy('region_code')
      .orderBy('id')
      .execute();

  it('reads a GBK CSV (as Excel on Chinese Windows saves it) with category names and Shanghai local times', async () => {
    const bytes = fixture('gbk.csv');
    // The fixture really is GBK: strict UTF-8 decoding fails on it.
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const res = await importCsv(bytes);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ created: 3, rejected: [], total: 3, possible_duplicates: [] });
    const rows = await problems();
    expect(rows.map((r) => [r.category_code, r.description, r.region_code])).toEqual([
      ['06010', '路边垃圾堆放', '430121001001001'],
      ['09006', '水果摊占用人行道', '430121001001002'],
      ['06042', '垃圾箱满溢', '430121002002001'],
    ]);
    expect(rows[2].address).toBe('东八路,近公交站');
    // '2026-03-05 09:30' in Asia/Shanghai is 01:30 UTC.
    expect(rows[0].reported_at.toISOString()).toBe('2026-03-05T01:30:00.000Z');
    const events = await ctx.handle.db.selectFrom('problem_events').selectAll().orderBy('problem_id').execute();
    expect(events.map((e) => [e.problem_id, e.action, e.to_status, e.actor, e.actor_id])).toEqual(
      rows.map((r) => [r.id, 'import', 'reported', 'inspector', ctx.world.userIds.inspector]),
    );
  });

  it('reads a UTF-8 CSV with BOM, 经度/纬度 headers, 事项 names, 来源 and 等级 in Chinese', async () => {
    const res = await importCsv(fixture('utf8-bom.csv'));
    expect(res.statusCode).toBe(201);
    expect(res.json().created).toBe(2);
    const rows = await problems();
    expect(rows.map((r) => [r.category_code, r.source, r.severity, r.reporter, r.region_code])).toEqual([
      ['09009', 'citizen', 1, '李四', '430121001002001'],
      ['07001', 'inspection', 2, '张三', '430121002001002'],
    ]);
  });

  it('refuses a CSV with bad rows, reporting every one with its line and reason, and writes nothing', async () => {
    const expected = JSON.parse(fixture('bad-rows.expected.json').toString('utf8')) as {
      total: number;
      rejected: { line: number; reason: string }[];
    };
    const versionBefore = (await sql<{ problems: number }>`SELECT problems FROM data_version`.execute(ctx.handle.db))
      .rows[0].problems;
    const res = await importCsv(fixture('bad-rows.csv'));
    expect(res.statusCode).toBe(422);
    const error = res.json().error;
    expect(error.code).toBe('IMPORT_REJECTED');
    expect(error.details.total).toBe(expected.total);
    expect(error.details.rejected.map((r: { line: number }) => r.line)).toEqual(expected.rejected.map((r) => r.line));
    expected.rejected.forEach((want, i) => expect(error.details.rejected[i].reason).toContain(want.reason));
    expect(await count('problems')).toBe(0);
    expect(await count('problem_events')).toBe(0);
    const versionAfter = (await sql<{ problems: number }>`SELECT problems FROM data_version`.execute(ctx.handle.db))
      .rows[0].problems;
    expect(versionAfter).toBe(versionBefore);
  });

  it('with mode=partial imports the good rows of the same CSV and reports the bad ones', async () => {
    const expected = JSON.parse(fixture('bad-rows.expected.json').toString('utf8')) as {
      rejected: { line: number }[];
      valid_lines: number[];
    };
    const res = await importCsv(fixture('bad-rows.csv'), '?mode=partial');
    expect(res.statusCode).toBe(201);
    expect(res.json().created).toBe(expected.valid_lines.length);
    expect(res.json().rejected.map((r: { line: number }) => r.line)).toEqual(expected.rejected.map((r) => r.line));
    const rows = await problems();
    expect(rows.map((r) => r.description)).toEqual(['好的一行', '好的第二行', '多行\n描述']);
    expect(rows[2].severity).toBe(3);
    expect(await count('problem_events')).toBe(3);
  });

  it('imports a GeoJSON FeatureCollection (application/geo+json) with codes, names and photos', async () => {
    const res = await importJson(fixture('import.geojson'));
    expect(res.statusCode).toBe(201);
    expect(res.json().created).toBe(3);
    const rows = await problems();
    expect(rows.map((r) => [r.category_code, r.region_code, r.source])).toEqual([
      ['06010', '430121001001001', 'inspection'],
      ['L01002', '430121002001001', 'hotline'],
      ['09006', '430121002002002', 'inspection'],
    ]);
    expect(rows[2].photos).toEqual(['https://example.org/p/1.jpg']);
    expect(rows[0].reported_at.toISOString()).toBe('2026-03-01T02:00:00.000Z');
  });

  it('converts GCJ-02 input of a GeoJSON import (crs=gcj02) before assigning blocks', async () => {
    // GCJ-02 (113.025616, 28.206708) is WGS84 (113.0199, 28.21): 10 m west of the street border
    // at 113.02, in block 430121001001002. Read as WGS84 the same numbers would fall in street 2.
    const res = await importJson(
      {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [113.025616, 28.206708] },
            properties: { category: '06010' },
          },
        ],
      },
      '?crs=gcj02',
      'application/json',
    );
    expect(res.statusCode).toBe(201);
    const [row] = await problems();
    const lon = Number(
      (await sql<{ x: number }>`SELECT ST_X(geom) AS x FROM problems WHERE id = ${row.id}`.execute(ctx.handle.db))
        .rows[0].x,
    );
    expect(lon).toBeCloseTo(113.0199, 5);
    expect(row.region_code).toBe('430121001001002');
  });

  it('refuses a GeoJSON with empty, swapped, non-point and unknown-category features by index', async () => {
    const res = await importJson(fixture('bad.geojson'));
    expect(res.statusCode).toBe(422);
    const rejected = res.json().error.details.rejected as { line: number; reason: string }[];
    expect(rejected.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rejected[0].reason).toMatch(/null \(empty geometry\)/);
    expect(rejected[1].reason).toMatch(/empty Point/);
    expect(rejected[2].reason).toMatch(/swapped/);
    expect(rejected[3].reason).toMatch(/LineString/);
    expect(rejected[4].reason).toMatch(/unknown category/);
    expect(await count('problems')).toBe(0);
  });

  it('answers 400 for an empty CSV and 422 naming the missing columns', async () => {
    const empty = await importCsv('');
    expect(empty.statusCode).toBe(400);
    const headerOnly = await importCsv('lon,lat,category\n');
    expect(headerOnly.statusCode).toBe(400);
    expect(headerOnly.json().error.message).toMatch(/no rows/);
    const noColumns = await importCsv('x1,y1,kind\n113.0,28.2,06010\n');
    expect(noColumns.statusCode).toBe(422);
    expect(noColumns.json().error.message).toMatch(/missing column lon or 经度, lat or 纬度, category/);
    const notGeoJson = await importJson({ type: 'Feature' });
    expect(notGeoJson.statusCode).toBe(422);
    expect(await count('problems')).toBe(0);
  });

  it('links an imported row to a problem closed at the same spot within 30 days (recurrence)', async () => {
    await importCsv('lon,lat,category\n113.005,28.21,06010\n113.035,28.23,06010\n');
    const [closed, elsewhere] = await problems();
    await sql`UPDATE problems SET status = 'closed', closed_at = now() - interval '2 days' WHERE id IN (${closed.id}, ${elsewhere.id})`.execute(
      ctx.handle.db,
    );
    // 10 m east of the first; 200 m from the second; same spot as the first but another category.
    const res = await importCsv('lon,lat,category\n113.0051,28.21,06010\n113.037,28.23,06010\n113.005,28.21,09006\n');
    expect(res.statusCode).toBe(201);
    const links = (await problems()).filter((r) => r.id !== closed.id && r.id !== elsewhere.id);
    expect(links.map((r) => [r.category_code, r.region_code, r.recurrence_of])).toEqual([
      ['06010', '430121001001001', closed.id],
      ['09006', '430121001001001', null],
      ['06010', '430121002002002', null],
    ]);
  });

  it('links a recurrence in every direction within 30 m of a closed problem, and none at 35 m', async () => {
    // One closed problem at the centre of each of four blocks, in different parts of the grid.
    const centres = BLOCKS.slice(0, 4).map((b) => [(b.box[0] + b.box[2]) / 2, (b.box[1] + b.box[3]) / 2]);
    await importCsv(
      `lon,lat,category\n${centres.map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)},06010`).join('\n')}\n`,
    );
    const closed = await problems();
    await sql`UPDATE problems SET status = 'closed', closed_at = now() - interval '2 days'`.execute(ctx.handle.db);
    // Around each: 16 directions at 25 m (a recurrence) and at 35 m (not one); metres to degrees
    // on the sphere, far enough from 30 m that the spheroid's few centimetres cannot matter.
    const lines = ['lon,lat,category,description'];
    const expected = new Map<string, number | null>();
    centres.forEach(([x, y], c) => {
      const id = closed.find((p) => p.description === '' && p.region_code === BLOCKS[c].code)!.id;
      for (let k = 0; k < 16; k++) {
        const angle = ((k * 22.5 + 7) * Math.PI) / 180;
        for (const metres of [25, 35]) {
          const lon = x + (metres * Math.sin(angle)) / (111_320 * Math.cos((y * Math.PI) / 180));
          const lat = y + (metres * Math.cos(angle)) / 110_574;
          const name = `c${c} k${k} ${metres}m`;
          lines.push(`${lon.toFixed(7)},${lat.toFixed(7)},06010,${name}`);
          expected.set(name, metres === 25 ? id : null);
        }
      }
    });
    const res = await importCsv(lines.join('\n') + '\n');
    expect(res.statusCode).toBe(201);
    const links = new Map(
      (await problems()).filter((r) => r.description !== '').map((r) => [r.description, r.recurrence_of]),
    );
    expect(links).toEqual(expected);
  });

  it('flags rows that repeat an open problem (same category, 50 m, 24 h) — the same file uploaded twice', async () => {
    const csv =
      'lon,lat,category,reported_at\n113.005,28.21,06010,2026-03-05 09:30\n113.035,28.23,06042,2026-03-05 10:00\n';
    const first = await importCsv(csv);
    expect(first.json().possible_duplicates).toEqual([]);
    const ids = (await problems()).map((r) => r.id);
    // Again, plus one row 300 m away and one of another category at the same spot.
    const second = await importCsv(
      `${csv}113.008,28.21,06010,2026-03-05 09:40\n113.005,28.21,09006,2026-03-05 09:30\n`,
    );
    expect(second.statusCode).toBe(201);
    expect(second.json().created).toBe(4);
    const dups = second.json().possible_duplicates as { line: number; id: number; distance_m: number }[];
    expect(dups.map((d) => d.line)).toEqual([2, 3]);
    expect(dups.every((d) => ids.includes(d.id) && d.distance_m === 0)).toBe(true);
  });

  it('is for admins and inspectors only', async () => {
    const csv = fixture('utf8-bom.csv');
    expect((await importCsv(csv, '', ctx.world.tokens.manager)).statusCode).toBe(403);
    expect((await importCsv(csv, '', ctx.world.tokens.leader)).statusCode).toBe(403);
    expect((await importCsv(csv, '', ctx.world.tokens.department)).statusCode).toBe(403);
    expect((await importCsv(csv, '', ctx.world.tokens.admin)).statusCode).toBe(201);
  });

  // How long this takes is measured in bench/import-csv-pglite.ts (and bench/import-csv.ts on PostgreSQL).
  it('imports 10,000 generated rows at once and puts each in the block its coordinates fall in', async () => {
    const lines = ['lon,lat,category,description,reported_at'];
    const expectedPerBlock = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const { block, lon, lat } = pointInBlock(i);
      lines.push(
        `${lon.toFixed(6)},${lat.toFixed(6)},${i % 2 ? '06010' : '暴露垃圾'},row ${i},2026-03-0${1 + (i % 9)} 08:${String(i % 60).padStart(2, '0')}`,
      );
      expectedPerBlock.set(block.code, (expectedPerBlock.get(block.code) ?? 0) + 1);
    }
    const res = await importCsv(lines.join('\n'));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ created: 10_000, rejected: [], total: 10_000, possible_duplicates: [] });
    const perBlock = await sql<{
      region_code: string;
      n: number;
    }>`SELECT region_code, count(*)::int AS n FROM problems GROUP BY region_code`.execute(ctx.handle.db);
    expect(new Map(perBlock.rows.map((r) => [r.region_code, r.n]))).toEqual(expectedPerBlock);
    expect(await count('problem_events')).toBe(10_000);
  });
});
