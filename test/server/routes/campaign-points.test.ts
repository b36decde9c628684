/**
 * The point target kinds of a campaign (点位达标率, 点位检查覆盖率) computed from the assessment
 * tables for the campaign's period, regions and point types, on a small hand-made data set.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre } from '../../helpers/world.js';

/** Period 2026-10-05 .. 2026-10-18 (Asia/Shanghai); street 430121001 only. */
const CAMPAIGN = {
  name: '农贸市场攻坚',
  kind: '农贸市场',
  period_from: '2026-10-05',
  period_to: '2026-10-18',
  regions: ['430121001'],
  point_types: ['TEST_MARKET'],
  targets: [
    { kind: 'point_pass_rate', threshold: 0.8 },
    { kind: 'inspection_coverage', threshold: 0.6 },
  ],
};

describe.each(BACKENDS)('campaign point targets on $name', (backend) => {
  const t = useApp(backend, { world: 'once' });
  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: auth(token) });
  const post = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/campaigns', headers: auth(t.world.tokens.leader), payload });
  const targets = (u: { targets: { kind: string; status: string; value: number | null }[] }) =>
    u.targets.map((x) => [x.kind, x.status, x.value]);

  it('setup: two point types, six points, six inspections (one before the period)', async () => {
    const db = t.handle.db;
    await sql`INSERT INTO point_types (code, name) VALUES ('TEST_MARKET', '测试农贸市场'), ('TEST_OTHER', '测试其他')`.execute(
      db,
    );
    const std = await sql<{
      id: number;
    }>`INSERT INTO standards (type_code, version) VALUES ('TEST_MARKET', 1), ('TEST_OTHER', 1)
      RETURNING id`.execute(db);
    const point = async (type: string, block: string, retired = false) => {
      const [lon, lat] = centre(block);
      const r = await sql<{
        id: number;
      }>`INSERT INTO points (type_code, name, geom, region_code, retired_at, retired_reason)
        VALUES (${type}, ${`${type}-${block}`}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block},
                ${retired ? new Date('2026-09-01T00:00:00Z') : null}, ${retired ? '关闭' : null})
        RETURNING id`.execute(db);
      return Number(r.rows[0].id);
    };
    const p1 = await point('TEST_MARKET', '430121001001001'); // the manager's block
    const p2 = await point('TEST_MARKET', '430121001001002');
    await point('TEST_MARKET', '430121001002001'); // p3: never inspected in the period
    const p4 = await point('TEST_OTHER', '430121001002001'); // another type
    await point('TEST_MARKET', '430121001002002', true); // retired: not counted
    const p6 = await point('TEST_MARKET', '430121002001001'); // street 2, outside the campaign's regions
    const inspect = async (pointId: number, standard: number, at: string, checked: number, passed: number) => {
      const region = (await sql<{ r: string }>`SELECT region_code AS r FROM points WHERE id = ${pointId}`.execute(db))
        .rows[0].r;
      await sql`INSERT INTO inspections (point_id, standard_id, region_code, inspector, submitted_at, checked_weight, passed_weight, failed_count)
        VALUES (${pointId}, ${standard}, ${region}, 'inspector', ${new Date(at)}, ${checked}, ${passed}, ${checked - passed})`.execute(
        db,
      );
    };
    const [market, other] = std.rows.map((r) => Number(r.id));
    await inspect(p1, market, '2026-10-06T02:00:00Z', 4, 3);
    await inspect(p1, market, '2026-10-10T02:00:00Z', 4, 4);
    await inspect(p2, market, '2026-10-08T02:00:00Z', 4, 2);
    await inspect(p2, market, '2026-10-04T15:00:00Z', 4, 0); // 10-04 23:00 Shanghai: before the period
    await inspect(p4, other, '2026-10-07T02:00:00Z', 4, 0);
    await inspect(p6, market, '2026-10-07T02:00:00Z', 4, 4);
  });

  it('per street and community: 点位达标率 = Σ passed / Σ checked weight, coverage = inspected / active points of the types', async () => {
    const created = await post(CAMPAIGN);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const p = (await get(t.world.tokens.leader, `/api/campaigns/${id}/progress`)).json();
    // Street 1, TEST_MARKET only: p1 (3+4 of 8), p2 (2 of 4; its 10-04 inspection is outside) → 9/12 = 0.75;
    // active p1 p2 p3 (p5 retired), inspected p1 p2 → 2/3 = 0.6667.
    const s1 = p.units.find((u: { code: string }) => u.code === '430121001');
    expect(targets(s1)).toEqual([
      ['point_pass_rate', 'missed', 0.75],
      ['inspection_coverage', 'met', 0.6667],
    ]);
    // Street 2 lies outside the campaign's regions: no points, nothing to judge.
    const s2 = p.units.find((u: { code: string }) => u.code === '430121002');
    expect(targets(s2)).toEqual([
      ['point_pass_rate', 'no_data', null],
      ['inspection_coverage', 'no_data', null],
    ]);
    expect(p.targets.map((x: { status: string; value: number | null }) => [x.status, x.value])).toEqual([
      ['missed', 0.75],
      ['met', 0.6667],
    ]);

    const c = (await get(t.world.tokens.leader, `/api/campaigns/${id}/progress?level=community`)).json();
    const byCode = Object.fromEntries(c.units.map((u: { code: string }) => [u.code, u]));
    // Community 001001: p1 p2 → 9/12, both inspected; community 001002: p3 only, not inspected.
    expect(targets(byCode['430121001001'])).toEqual([
      ['point_pass_rate', 'missed', 0.75],
      ['inspection_coverage', 'met', 1],
    ]);
    expect(targets(byCode['430121001002'])).toEqual([
      ['point_pass_rate', 'no_data', null],
      ['inspection_coverage', 'missed', 0],
    ]);

    // The manager's own totals: their block holds p1 only → 7/8 = 0.875 and 1/1.
    const m = (await get(t.world.tokens.manager, `/api/campaigns/${id}/progress`)).json();
    expect(m.targets.map((x: { status: string; value: number | null }) => [x.status, x.value])).toEqual([
      ['met', 0.875],
      ['met', 1],
    ]);
  });

  it('without point types every type counts; an unknown point type is refused', async () => {
    const created = await post({ ...CAMPAIGN, name: '全部点位', point_types: [] });
    expect(created.statusCode, created.body).toBe(201);
    const p = (await get(t.world.tokens.leader, `/api/campaigns/${created.json().id}/progress`)).json();
    // Street 1 adds p4 (TEST_OTHER, 0 of 4): 9/16 = 0.5625; active p1 p2 p3 p4, inspected p1 p2 p4 → 0.75.
    // (Points the world's seed may hold count too, so compare only when it has none of its own.)
    const seeded = Number(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM points WHERE type_code NOT LIKE 'TEST_%'`.execute(
          t.handle.db,
        )
      ).rows[0].n,
    );
    expect(seeded).toBe(0);
    const s1 = p.units.find((u: { code: string }) => u.code === '430121001');
    expect(targets(s1)).toEqual([
      ['point_pass_rate', 'missed', 0.5625],
      ['inspection_coverage', 'met', 0.75],
    ]);
    const bad = await post({ ...CAMPAIGN, point_types: ['NO_SUCH_TYPE'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toEqual({ point_types: ['NO_SUCH_TYPE'] });
  });
});
