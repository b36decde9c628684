import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import * as gcoordModule from 'gcoord';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';

// Same CommonJS interop as domain/coords.ts (the api is at `default` at run time).
type GcoordApi = typeof gcoordModule.default.default;
const interop = gcoordModule.default as unknown as { default?: GcoordApi } & GcoordApi;
const gcoord: GcoordApi = interop.default ?? interop;

const GARBAGE = '06010'; // 暴露垃圾, 城管局
const VENDING = '09006'; // 占道经营, 城管局
const DUST = '08004'; // 工地扬尘, 住建局

/** Moves a WGS84 point `east` and `north` metres (small distances at 28° N). */
function offset([lon, lat]: [number, number], east: number, north: number): [number, number] {
  return [lon + east / (111_320 * Math.cos((lat * Math.PI) / 180)), lat + north / 110_574];
}

describe.each(BACKENDS)('problems API on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });

  const post = (token: string, payload: object) =>
    ctx.app.inject({ method: 'POST', url: '/api/problems', headers: auth(token), payload });
  const get = (token: string, url: string) => ctx.app.inject({ method: 'GET', url, headers: auth(token) });
  const count = async (table: 'problems' | 'problem_events') =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n,
    );
  /** Metres between a stored problem and a WGS84 point, measured by PostGIS on the spheroid. */
  const storedDistance = async (id: number, [lon, lat]: [number, number]) =>
    Number(
      (
        await sql<{
          d: number;
        }>`SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)::geography) AS d FROM problems WHERE id = ${id}`.execute(
          ctx.handle.db,
        )
      ).rows[0].d,
    );

  describe('POST /api/problems', () => {
    it('assigns a WGS84 point to its 15-digit block and answers the chain county → block', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const versionBefore = (await sql<{ problems: number }>`SELECT problems FROM data_version`.execute(ctx.handle.db))
        .rows[0].problems;
      const res = await post(ctx.world.tokens.inspector, {
        lon,
        lat,
        category: GARBAGE,
        description: '路边垃圾',
        address: '星沙大道',
        severity: 2,
        photos: ['https://example.org/a.jpg'],
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.region_code).toBe(MANAGER_BLOCK);
      expect(body.chain).toEqual([
        { code: '430121', name: '测试县', level: 'county' },
        { code: '430121001', name: '街道1', level: 'street' },
        { code: '430121001001', name: '社区1-1', level: 'community' },
        { code: MANAGER_BLOCK, name: '网格1-1-1', level: 'block' },
      ]);
      expect(body.possible_duplicates).toEqual([]);
      expect(body.recurrence_of).toBeNull();
      expect(body.problem).toMatchObject({
        type: 'Feature',
        id: body.id,
        geometry: { type: 'Point', coordinates: [lon, lat] },
        properties: {
          id: body.id,
          category_code: GARBAGE,
          category_name: '暴露垃圾',
          status: 'reported',
          severity: 2,
          region_code: MANAGER_BLOCK,
          overdue: false,
          version: 1,
          photos: ['https://example.org/a.jpg'],
        },
      });
      const events = await ctx.handle.db
        .selectFrom('problem_events')
        .selectAll()
        .where('problem_id', '=', body.id)
        .execute();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'create',
        from_status: null,
        to_status: 'reported',
        actor: 'inspector',
        actor_id: ctx.world.userIds.inspector,
      });
      const versionAfter = (await sql<{ problems: number }>`SELECT problems FROM data_version`.execute(ctx.handle.db))
        .rows[0].problems;
      expect(versionAfter).toBeGreaterThan(versionBefore);
    });

    it('stores a GCJ-02 (Amap) position within 10 m of its WGS84 place', async () => {
      const wgs = centre('430121002002001');
      const gcj = gcoord.transform([wgs[0], wgs[1]], gcoord.WGS84, gcoord.GCJ02) as [number, number];
      // The offset is real here: taking the GCJ-02 numbers as WGS84 would put the point far away.
      expect(
        await (async () => {
          const r = await sql<{
            d: number;
          }>`SELECT ST_Distance(ST_SetSRID(ST_MakePoint(${gcj[0]}::float8, ${gcj[1]}::float8), 4326)::geography, ST_SetSRID(ST_MakePoint(${wgs[0]}::float8, ${wgs[1]}::float8), 4326)::geography) AS d`.execute(
            ctx.handle.db,
          );
          return Number(r.rows[0].d);
        })(),
      ).toBeGreaterThan(300);
      const res = await post(ctx.world.tokens.inspector, { lon: gcj[0], lat: gcj[1], crs: 'gcj02', category: GARBAGE });
      expect(res.statusCode).toBe(201);
      expect(res.json().region_code).toBe('430121002002001');
      expect(await storedDistance(res.json().id, wgs)).toBeLessThan(10);
    });

    it('stores a BD-09 (Baidu) position within 10 m of its WGS84 place', async () => {
      const wgs = centre('430121002001002');
      const bd = gcoord.transform([wgs[0], wgs[1]], gcoord.WGS84, gcoord.BD09) as [number, number];
      const res = await post(ctx.world.tokens.inspector, { lon: bd[0], lat: bd[1], crs: 'bd09', category: GARBAGE });
      expect(res.statusCode).toBe(201);
      expect(res.json().region_code).toBe('430121002001002');
      expect(await storedDistance(res.json().id, wgs)).toBeLessThan(10);
    });

    it('assigns a point on the edge between two blocks to exactly one of them (ST_Covers, lower code)', async () => {
      const res = await post(ctx.world.tokens.inspector, { lon: 113.01, lat: 28.21, category: GARBAGE });
      expect(res.statusCode).toBe(201);
      expect(res.json().region_code).toBe(MANAGER_BLOCK);
    });

    it('rejects a point outside every block with 422 OUTSIDE_COVERAGE and writes nothing', async () => {
      const res = await post(ctx.world.tokens.inspector, { lon: 113.5, lat: 28.5, category: GARBAGE });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('OUTSIDE_COVERAGE');
      expect(await count('problems')).toBe(0);
      expect(await count('problem_events')).toBe(0);
    });

    it('names swapped latitude and longitude instead of storing the point', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const res = await post(ctx.world.tokens.inspector, { lon: lat, lat: lon, category: GARBAGE });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/swapped/);
      expect(await count('problems')).toBe(0);
    });

    it('refuses a non-number, a missing coordinate and an empty body with 400 naming the field', async () => {
      const nan = await post(ctx.world.tokens.inspector, { lon: 'NaN', lat: 28.21, category: GARBAGE });
      expect(nan.statusCode).toBe(400);
      expect(JSON.stringify(nan.json().error)).toMatch(/lon/);
      const missing = await post(ctx.world.tokens.inspector, { lon: 113.005, category: GARBAGE });
      expect(missing.statusCode).toBe(400);
      expect(JSON.stringify(missing.json().error)).toMatch(/lat/);
      const empty = await post(ctx.world.tokens.inspector, {});
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.code).toBe('VALIDATION_FAILED');
      const range = await post(ctx.world.tokens.inspector, { lon: 113.005, lat: 95, category: GARBAGE });
      expect(range.statusCode).toBe(422);
      expect(range.json().error.message).toMatch(/-90\.\.90/);
      expect(await count('problems')).toBe(0);
    });

    it('accepts the category by its Chinese name, as a user would type it', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const res = await post(ctx.world.tokens.inspector, { lon, lat, category: '暴露垃圾' });
      expect(res.statusCode).toBe(201);
      expect(res.json().problem.properties.category_code).toBe(GARBAGE);
    });

    it('names the allowed coordinate systems when crs is wrong', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const res = await post(ctx.world.tokens.inspector, { lon, lat, category: GARBAGE, crs: 'wgs' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([
        expect.objectContaining({ path: '/crs', message: expect.stringContaining('wgs84, cgcs2000, gcj02, bd09') }),
      ]);
    });

    it('answers 415 with the accepted types when the body has an unknown content type', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/problems',
        headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'application/xml' },
        payload: '<p/>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringContaining('application/json'),
      });
    });

    it('refuses an unknown category with 422 UNKNOWN_CATEGORY', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const res = await post(ctx.world.tokens.inspector, { lon, lat, category: '99999' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('UNKNOWN_CATEGORY');
    });

    it('lists open problems of the same category within 50 m and 24 h as possible duplicates, nearest first', async () => {
      const here = centre('430121002001001');
      const first = (
        await post(ctx.world.tokens.inspector, {
          lon: here[0],
          lat: here[1],
          category: GARBAGE,
          reported_at: '2026-03-05T08:00:00+08:00',
        })
      ).json();
      const near = offset(here, 20, 0);
      const second = (
        await post(ctx.world.tokens.inspector, {
          lon: near[0],
          lat: near[1],
          category: GARBAGE,
          reported_at: '2026-03-05T20:00:00+08:00',
        })
      ).json();
      expect(second.possible_duplicates).toHaveLength(1);
      expect(second.possible_duplicates[0]).toMatchObject({
        id: first.id,
        status: 'reported',
        reported_at: '2026-03-05T00:00:00.000Z',
      });
      expect(second.possible_duplicates[0].distance_m).toBeGreaterThan(19);
      expect(second.possible_duplicates[0].distance_m).toBeLessThan(21);

      // Not duplicates: another category on the same spot, 80 m away, or 30 hours apart.
      const other = (
        await post(ctx.world.tokens.inspector, {
          lon: here[0],
          lat: here[1],
          category: VENDING,
          reported_at: '2026-03-05T08:00:00+08:00',
        })
      ).json();
      expect(other.possible_duplicates).toEqual([]);
      const far = offset(here, 0, 80);
      const farRes = (
        await post(ctx.world.tokens.inspector, {
          lon: far[0],
          lat: far[1],
          category: GARBAGE,
          reported_at: '2026-03-05T09:00:00+08:00',
        })
      ).json();
      expect(farRes.possible_duplicates).toEqual([]);
      const later = (
        await post(ctx.world.tokens.inspector, {
          lon: here[0],
          lat: here[1],
          category: GARBAGE,
          reported_at: '2026-03-07T02:00:00+08:00',
        })
      ).json();
      expect(later.possible_duplicates).toEqual([]);

      // A closed one is no longer a duplicate candidate; the third report now only sees the second.
      await sql`UPDATE problems SET status = 'closed', closed_at = now() WHERE id = ${first.id}`.execute(ctx.handle.db);
      const third = (
        await post(ctx.world.tokens.inspector, {
          lon: here[0],
          lat: here[1],
          category: GARBAGE,
          reported_at: '2026-03-05T10:00:00+08:00',
        })
      ).json();
      expect(third.possible_duplicates.map((d: { id: number }) => d.id)).toEqual([second.id]);
    });

    it('flags a report at a spot closed within 30 days as a recurrence of the nearest one, and stores it', async () => {
      const spot = centre('430121002002002');
      const old = (
        await post(ctx.world.tokens.inspector, {
          lon: spot[0],
          lat: spot[1],
          category: GARBAGE,
          reported_at: '2026-01-01T08:00:00+08:00',
        })
      ).json();
      const older = (
        await post(ctx.world.tokens.inspector, {
          lon: spot[0],
          lat: spot[1],
          category: GARBAGE,
          reported_at: '2025-12-01T08:00:00+08:00',
        })
      ).json();
      const dust = (
        await post(ctx.world.tokens.inspector, {
          lon: spot[0],
          lat: spot[1],
          category: DUST,
          reported_at: '2026-01-01T08:00:00+08:00',
        })
      ).json();
      await sql`UPDATE problems SET status = 'closed', closed_at = now() - interval '3 days' WHERE id IN (${old.id}, ${dust.id})`.execute(
        ctx.handle.db,
      );
      await sql`UPDATE problems SET status = 'closed', closed_at = now() - interval '40 days' WHERE id = ${older.id}`.execute(
        ctx.handle.db,
      );

      const again = offset(spot, 10, 5);
      const res = (await post(ctx.world.tokens.inspector, { lon: again[0], lat: again[1], category: GARBAGE })).json();
      expect(res.recurrence_of).toBe(old.id);
      expect(res.problem.properties.recurrence_of).toBe(old.id);
      const stored = await ctx.handle.db
        .selectFrom('problems')
        .select('recurrence_of')
        .where('id', '=', res.id)
        .executeTakeFirstOrThrow();
      expect(stored.recurrence_of).toBe(old.id);

      // 60 m away is another spot; another category is another problem.
      const away = offset(spot, 60, 0);
      expect(
        (await post(ctx.world.tokens.inspector, { lon: away[0], lat: away[1], category: GARBAGE })).json()
          .recurrence_of,
      ).toBeNull();
      expect(
        (await post(ctx.world.tokens.inspector, { lon: again[0], lat: again[1], category: VENDING })).json()
          .recurrence_of,
      ).toBeNull();
    });

    it('lets a manager create inside their block but not in the neighbour block (403, nothing written)', async () => {
      const mine = centre(MANAGER_BLOCK);
      const ok = await post(ctx.world.tokens.manager, { lon: mine[0], lat: mine[1], category: GARBAGE });
      expect(ok.statusCode).toBe(201);
      const theirs = centre(NEIGHBOUR_BLOCK);
      const refused = await post(ctx.world.tokens.manager, { lon: theirs[0], lat: theirs[1], category: GARBAGE });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', message: 'the point is outside your area' });
      expect(await count('problems')).toBe(1);
      expect(await count('problem_events')).toBe(1);
    });

    it("lets a department report only its own department's categories, and a leader not at all", async () => {
      const [lon, lat] = centre(NEIGHBOUR_BLOCK);
      expect((await post(ctx.world.tokens.department, { lon, lat, category: GARBAGE })).statusCode).toBe(201);
      const other = await post(ctx.world.tokens.department, { lon, lat, category: DUST });
      expect(other.statusCode).toBe(403);
      expect(other.json().error.message).toMatch(/department/);
      expect((await post(ctx.world.tokens.leader, { lon, lat, category: GARBAGE })).statusCode).toBe(403);
      expect(
        (await ctx.app.inject({ method: 'POST', url: '/api/problems', payload: { lon, lat, category: GARBAGE } }))
          .statusCode,
      ).toBe(401);
      expect(await count('problems')).toBe(1);
    });

    it('never tells a manager about a possible duplicate in the neighbour block', async () => {
      // 113.01 is the edge between the two blocks; 5 m either side.
      const west = offset([113.01, 28.21], -5, 0);
      const east = offset([113.01, 28.21], 5, 0);
      const theirs = (await post(ctx.world.tokens.inspector, { lon: east[0], lat: east[1], category: GARBAGE })).json();
      expect(theirs.region_code).toBe(NEIGHBOUR_BLOCK);
      const mine = (await post(ctx.world.tokens.manager, { lon: west[0], lat: west[1], category: GARBAGE })).json();
      expect(mine.region_code).toBe(MANAGER_BLOCK);
      expect(mine.possible_duplicates).toEqual([]);
      const seenByInspector = (
        await post(ctx.world.tokens.inspector, { lon: west[0], lat: west[1], category: GARBAGE })
      ).json();
      expect(seenByInspector.possible_duplicates.map((d: { id: number }) => d.id).sort()).toEqual(
        [theirs.id, mine.id].sort(),
      );
    });
  });

  describe('GET /api/problems', () => {
    /** Seeds problems straight into the table (fast, and with microsecond times the API would not produce). */
    async function seed(
      rows: {
        code: string;
        category?: string;
        status?: string;
        at: string;
        due?: string;
        description?: string;
        address?: string;
        east?: number;
      }[],
    ) {
      const ids: number[] = [];
      for (const r of rows) {
        const [lon, lat] = offset(centre(r.code), r.east ?? 0, 0);
        const row = await sql<{
          id: number;
        }>`INSERT INTO problems (category_code, description, address, status, geom, region_code, reported_at, due_at)
          VALUES (${r.category ?? GARBAGE}, ${r.description ?? ''}, ${r.address ?? null}, ${r.status ?? 'reported'}, ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326), ${r.code}, ${r.at}::timestamptz, ${r.due ?? null}::timestamptz)
          RETURNING id`.execute(ctx.handle.db);
        ids.push(row.rows[0].id);
      }
      return ids;
    }
    const ids = (res: { json(): { features: { id: number }[] } }) => res.json().features.map((f) => f.id);

    it('answers a FeatureCollection newest first with the contract properties', async () => {
      const [a, b] = await seed([
        { code: MANAGER_BLOCK, at: '2026-03-01T10:00:00Z', description: '旧的' },
        { code: NEIGHBOUR_BLOCK, at: '2026-03-02T10:00:00Z', category: VENDING },
      ]);
      const res = await get(ctx.world.tokens.leader, '/api/problems');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.type).toBe('FeatureCollection');
      expect(body.next).toBeNull();
      expect(ids(res)).toEqual([b, a]);
      expect(Object.keys(body.features[0].properties).sort()).toEqual(
        [
          'id',
          'category_code',
          'category_name',
          'status',
          'severity',
          'source',
          'description',
          'address',
          'reporter',
          'photos',
          'region_code',
          'reported_at',
          'due_at',
          'resolved_at',
          'closed_at',
          'overdue',
          'escalated',
          'rework_count',
          'extension_count',
          'duplicate_of',
          'recurrence_of',
          'version',
        ].sort(),
      );
      expect(body.features[0].properties).toMatchObject({
        category_code: VENDING,
        category_name: '占道经营',
        reported_at: '2026-03-02T10:00:00.000Z',
      });
    });

    it('filters by status, category, region prefix, bbox, from/to, text and overdue', async () => {
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const [p1, p2, p3, p4, p5] = await seed([
        { code: MANAGER_BLOCK, at: '2026-03-01T02:00:00Z', status: 'filed', due: past, description: '垃圾堆在路口' },
        { code: NEIGHBOUR_BLOCK, at: '2026-03-02T02:00:00Z', status: 'filed', due: future, category: VENDING },
        { code: '430121002001001', at: '2026-03-03T02:00:00Z', status: 'closed', due: past, address: '东八路 12 号' },
        { code: '430121002002002', at: '2026-03-04T02:00:00Z', category: DUST },
        { code: '430121001002001', at: '2026-03-04T17:00:00Z' },
      ]);
      const q = async (query: string) => ids(await get(ctx.world.tokens.admin, `/api/problems?${query}`));
      expect(await q('status=filed')).toEqual([p2, p1]);
      expect(await q('status=closed,reported')).toEqual([p5, p4, p3]);
      expect(await q(`category=${VENDING},${DUST}`)).toEqual([p4, p2]);
      expect(await q('region=430121001')).toEqual([p5, p2, p1]);
      expect(await q(`region=${MANAGER_BLOCK}`)).toEqual([p1]);
      // West half of the southern communities: only the manager's block.
      expect(await q('bbox=113.0,28.2,113.01,28.22')).toEqual([p1]);
      expect(await q('bbox=113.0,28.2,113.04,28.22')).toEqual([p3, p2, p1]);
      // Dates are Asia/Shanghai days, inclusive: 2026-03-04T17:00Z is already 03-05 in Shanghai.
      expect(await q('from=2026-03-02&to=2026-03-04')).toEqual([p4, p3, p2]);
      expect(await q('from=2026-03-05')).toEqual([p5]);
      expect(await q(`q=${encodeURIComponent('路口')}`)).toEqual([p1]);
      expect(await q(`q=${encodeURIComponent('东八路')}`)).toEqual([p3]);
      expect(await q('overdue=true')).toEqual([p1]);
      const overdue = (await get(ctx.world.tokens.admin, `/api/problems?overdue=true`)).json().features[0];
      expect(overdue.properties.overdue).toBe(true);
      expect((await get(ctx.world.tokens.admin, '/api/problems?bbox=113.04,28.2,113.0,28.24')).statusCode).toBe(400);
    });

    it('walks every row exactly once with keyset pages, ties and microseconds included', async () => {
      const rows = [];
      for (let i = 0; i < 23; i++) {
        // Groups of three share the exact same instant, so ids must break the ties; neighbouring
        // groups differ by one microsecond only, which a millisecond cursor would lose.
        const g = Math.floor(i / 3);
        rows.push({
          code: i % 2 ? MANAGER_BLOCK : NEIGHBOUR_BLOCK,
          at: `2026-03-${10 + Math.floor(g / 2)}T10:00:00.12345${6 + (g % 2)}Z`,
        });
      }
      const seeded = await seed(rows);
      const seen: number[] = [];
      let url = '/api/problems?limit=5';
      let pages = 0;
      for (;;) {
        const res = await get(ctx.world.tokens.admin, url);
        expect(res.statusCode).toBe(200);
        const body = res.json();
        seen.push(...body.features.map((f: { id: number }) => f.id));
        pages++;
        if (!body.next) break;
        url = `/api/problems?limit=5&cursor=${body.next}`;
      }
      expect(pages).toBe(5);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual([...seeded].sort((a, b) => a - b));
      const all = (await get(ctx.world.tokens.admin, '/api/problems?limit=1000'))
        .json()
        .features.map((f: { id: number }) => f.id);
      expect(seen).toEqual(all);
    });

    it('refuses a forged cursor and a limit over 1000 with 400', async () => {
      expect((await get(ctx.world.tokens.admin, '/api/problems?cursor=bm9wZQ')).statusCode).toBe(400);
      expect((await get(ctx.world.tokens.admin, '/api/problems?limit=1001')).statusCode).toBe(400);
    });

    it('shows a manager only their own block', async () => {
      const [mine, theirs] = await seed([
        { code: MANAGER_BLOCK, at: '2026-03-01T10:00:00Z' },
        { code: NEIGHBOUR_BLOCK, at: '2026-03-02T10:00:00Z' },
        { code: '430121002002002', at: '2026-03-03T10:00:00Z' },
      ]);
      expect(ids(await get(ctx.world.tokens.manager, '/api/problems'))).toEqual([mine]);
      // Asking for the neighbour's region or box explicitly still finds nothing.
      expect(ids(await get(ctx.world.tokens.manager, `/api/problems?region=${NEIGHBOUR_BLOCK}`))).toEqual([]);
      expect(ids(await get(ctx.world.tokens.manager, '/api/problems?bbox=113.0,28.2,113.04,28.24'))).toEqual([mine]);
      expect(theirs).toBeGreaterThan(0);
    });
  });

  describe('GET /api/problems/:id', () => {
    it('answers the Feature with chain and the actions open to the caller', async () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const { id } = (await post(ctx.world.tokens.inspector, { lon, lat, category: GARBAGE })).json();
      const asInspector = await get(ctx.world.tokens.inspector, `/api/problems/${id}`);
      expect(asInspector.statusCode).toBe(200);
      expect(asInspector.json().properties.chain.map((c: { code: string }) => c.code)).toEqual([
        '430121',
        '430121001',
        '430121001001',
        MANAGER_BLOCK,
      ]);
      expect(asInspector.json().properties.allowed_actions).toEqual(['file', 'void', 'mark_duplicate']);
      expect((await get(ctx.world.tokens.leader, `/api/problems/${id}`)).json().properties.allowed_actions).toEqual([
        'escalate',
      ]);
      expect((await get(ctx.world.tokens.manager, `/api/problems/${id}`)).json().properties.allowed_actions).toEqual([
        'file',
        'void',
        'mark_duplicate',
      ]);
    });

    it("answers 404 to a manager for the neighbour's problem, exactly as for a missing id", async () => {
      const [lon, lat] = centre(NEIGHBOUR_BLOCK);
      const { id } = (await post(ctx.world.tokens.inspector, { lon, lat, category: GARBAGE })).json();
      const hidden = await get(ctx.world.tokens.manager, `/api/problems/${id}`);
      const missing = await get(ctx.world.tokens.manager, `/api/problems/${id + 1000}`);
      expect(hidden.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(hidden.json().error.code).toBe(missing.json().error.code);
      expect(hidden.json().error.message.replace(String(id), 'N')).toBe(
        missing.json().error.message.replace(String(id + 1000), 'N'),
      );
      expect((await get(ctx.world.tokens.admin, `/api/problems/${id}`)).statusCode).toBe(200);
    });

    it("answers 404 to a department for another department's category", async () => {
      const [lon, lat] = centre(NEIGHBOUR_BLOCK);
      const { id } = (await post(ctx.world.tokens.inspector, { lon, lat, category: DUST })).json();
      expect((await get(ctx.world.tokens.department, `/api/problems/${id}`)).statusCode).toBe(404);
    });
  });

  describe('PATCH /api/problems/:id', () => {
    const patch = (token: string, id: number, payload: object) =>
      ctx.app.inject({ method: 'PATCH', url: `/api/problems/${id}`, headers: auth(token), payload });
    const create = async (code = MANAGER_BLOCK) => {
      const [lon, lat] = centre(code);
      return (await post(ctx.world.tokens.inspector, { lon, lat, category: GARBAGE, description: '原描述' })).json()
        .id as number;
    };
    const events = (id: number) =>
      ctx.handle.db
        .selectFrom('problem_events')
        .select(['action', 'data', 'note'])
        .where('problem_id', '=', id)
        .orderBy('id')
        .execute();

    it('corrects text and severity, bumps the version and records old → new in one edit event', async () => {
      const id = await create();
      const res = await patch(ctx.world.tokens.inspector, id, {
        version: 1,
        description: '新描述',
        severity: 3,
        note: '更正',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties).toMatchObject({ description: '新描述', severity: 3, version: 2 });
      const ev = await events(id);
      expect(ev.map((e) => e.action)).toEqual(['create', 'edit']);
      expect(ev[1].note).toBe('更正');
      expect(ev[1].data).toEqual({ changes: { description: ['原描述', '新描述'], severity: [1, 3] } });
    });

    it('moves a problem and re-assigns its block in PostGIS (GCJ-02 input converted)', async () => {
      const id = await create();
      const target = centre('430121002002001');
      const [glon, glat] = gcoord.transform(target, gcoord.WGS84, gcoord.GCJ02) as [number, number];
      const res = await patch(ctx.world.tokens.admin, id, { version: 1, lon: glon, lat: glat, crs: 'gcj02' });
      expect(res.statusCode).toBe(200);
      expect(res.json().properties.region_code).toBe('430121002002001');
      expect(await storedDistance(id, target)).toBeLessThan(10);
      const ev = await events(id);
      expect((ev[1].data as { changes: Record<string, unknown> }).changes.region_code).toEqual([
        MANAGER_BLOCK,
        '430121002002001',
      ]);
    });

    it('refuses a stale version with 409 and changes nothing', async () => {
      const id = await create();
      expect((await patch(ctx.world.tokens.inspector, id, { version: 1, description: 'a' })).statusCode).toBe(200);
      const stale = await patch(ctx.world.tokens.inspector, id, { version: 1, description: 'b' });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { version: 2 } });
      expect((await get(ctx.world.tokens.admin, `/api/problems/${id}`)).json().properties.description).toBe('a');
    });

    it('refuses a move outside every region (422) and edits of a closed problem (409)', async () => {
      const id = await create();
      const out = await patch(ctx.world.tokens.admin, id, { version: 1, lon: 113.5, lat: 28.5 });
      expect(out.statusCode).toBe(422);
      expect(out.json().error.code).toBe('OUTSIDE_COVERAGE');
      await sql`UPDATE problems SET status = 'closed', closed_at = now() WHERE id = ${id}`.execute(ctx.handle.db);
      const closed = await patch(ctx.world.tokens.admin, id, { version: 1, description: 'x' });
      expect(closed.statusCode).toBe(409);
      expect(await count('problem_events')).toBe(1);
    });

    it('lets a manager correct their own problem but not move it out of their area, nor touch the neighbour’s', async () => {
      const own = await create(MANAGER_BLOCK);
      const neighbour = await create(NEIGHBOUR_BLOCK);
      expect((await patch(ctx.world.tokens.manager, own, { version: 1, address: '星沙大道1号' })).statusCode).toBe(200);
      const [lon, lat] = centre(NEIGHBOUR_BLOCK);
      const move = await patch(ctx.world.tokens.manager, own, { version: 2, lon, lat });
      expect(move.statusCode).toBe(403);
      expect((await get(ctx.world.tokens.admin, `/api/problems/${own}`)).json().properties.region_code).toBe(
        MANAGER_BLOCK,
      );
      expect((await patch(ctx.world.tokens.manager, neighbour, { version: 1, description: 'x' })).statusCode).toBe(404);
      expect((await patch(ctx.world.tokens.leader, own, { version: 2, description: 'x' })).statusCode).toBe(403);
    });
  });
});
