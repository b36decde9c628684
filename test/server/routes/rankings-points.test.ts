import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { buildTestApp, useApp } from '../../helpers/app.js';
import { insertProblemRows } from '../../helpers/problems.js';
import { submitInspection } from '../../../db/queries/inspections.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';
import { auth, MANAGER_BLOCK, type World } from '../../helpers/world.js';

const OTHER_BLOCK = '430121002001001';

/** CLEAN weighs 2, BURN and SIGN 1 each. */
const THREE_ITEMS = [
  { code: 'CLEAN', text: '厕内清洁无异味', category: '03001', weight: 2, photo_required: false },
  { code: 'BURN', text: '周边无焚烧垃圾', category: '06020', weight: 1, photo_required: false },
  { code: 'SIGN', text: '指示牌规范', category: '03002', weight: 1, photo_required: false },
];

type Result = 'pass' | 'fail' | 'na';

/**
 * Point A (manager's block, street 430121001):
 *   2025-10-10 CLEAN pass, BURN fail, SIGN pass → checked 4, passed 3
 *   2025-10-20 CLEAN fail, BURN pass, SIGN na   → checked 3, passed 1
 *   October: 4 / 7 = 0.5714;  2025-09-15 all pass → September 4 / 4 = 1.
 * Point B (block 430121002001001, street 430121002):
 *   2025-10-05 all pass → October 4 / 4 = 1;  2025-11-03 all fail (November: not in October).
 * Problems: street 430121001 has two cases closed on time in October (every problem rate perfect);
 * street 430121002 has none (no problem rate, no score under the default weights).
 *
 * Default weights (点位达标率 weighs 0): street 1 scores 100, street 2 has no score.
 * Weights { disposal_rate: 1, point_pass_rate: 1 }: street 1 = (1 + 4/7) / 2 × 100 = 78.57;
 * street 2 = point rate alone = 100 → ranks 430121002 first, 430121001 second. September: street 1
 * = (no problems → point rate only) 100, rank 1; street 2 nothing → null.
 */
const INSPECTIONS: { point: 'A' | 'B'; at: string; results: Record<string, Result> }[] = [
  { point: 'A', at: '2025-10-10T10:00:00+08:00', results: { CLEAN: 'pass', BURN: 'fail', SIGN: 'pass' } },
  { point: 'A', at: '2025-10-20T10:00:00+08:00', results: { CLEAN: 'fail', BURN: 'pass', SIGN: 'na' } },
  { point: 'A', at: '2025-09-15T10:00:00+08:00', results: { CLEAN: 'pass', BURN: 'pass', SIGN: 'pass' } },
  { point: 'B', at: '2025-10-05T10:00:00+08:00', results: { CLEAN: 'pass', BURN: 'pass', SIGN: 'pass' } },
  { point: 'B', at: '2025-11-03T10:00:00+08:00', results: { CLEAN: 'fail', BURN: 'fail', SIGN: 'fail' } },
];

describe.each(BACKENDS)('点位达标率 in GET /api/rankings on $name', (backend) => {
  const ctx = useApp(backend);
  let dir: string;
  const as = (role: keyof World['tokens']) => auth(ctx.world.tokens[role]);
  const get = (url: string, role: keyof World['tokens'] = 'leader', on = ctx.app) =>
    on.inject({ url, headers: as(role) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'point-weights-'));
    const std = await ctx.app.inject({
      method: 'POST',
      url: '/api/standards',
      headers: as('admin'),
      payload: { type: 'PUBLIC_TOILET', note: '三项测试标准', items: THREE_ITEMS },
    });
    expect(std.statusCode, std.body).toBe(201);
    const standard: { id: number; items: { id: number; code: string }[] } = std.json();
    const points: Record<string, number> = {};
    for (const [key, block] of [
      ['A', MANAGER_BLOCK],
      ['B', OTHER_BLOCK],
    ] as const) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points',
        headers: as('admin'),
        payload: { type: 'PUBLIC_TOILET', name: `测试公厕 ${key}`, address: '开元路 8 号', lon: 113.004, lat: 28.206 },
      });
      expect(res.statusCode, res.body).toBe(201);
      points[key] = res.json().id;
      // Hand-made data: put the point in the block the case needs, whatever its coordinates say.
      await sql`UPDATE points SET region_code = ${block} WHERE id = ${points[key]}`.execute(ctx.handle.db);
    }
    // Submitted at the instants the case needs (the record is append-only, so through the query the
    // route uses, with its `now`); the problems the failed items create are voided at once, so the
    // problem rates come only from the two hand-made cases below.
    const actor = { id: ctx.world.userIds.admin, username: 'admin', role: 'admin' as const };
    for (const i of INSPECTIONS) {
      const at = new Date(i.at);
      const outcome = await ctx.handle.db.transaction().execute((trx) =>
        submitInspection(
          trx,
          {
            point_id: points[i.point],
            standard_id: standard.id,
            kind: 'inspection',
            task_id: null,
            items: standard.items.map((it) => ({ item_id: it.id, result: i.results[it.code], photos: [] })),
          },
          FULL_SCOPE,
          actor,
          at,
        ),
      );
      expect(outcome.kind).toBe('ok');
    }
    await sql`UPDATE problems SET status = 'voided', voided_at = reported_at
      WHERE id IN (SELECT problem_id FROM inspection_items WHERE problem_id IS NOT NULL)`.execute(ctx.handle.db);
    await insertProblemRows(ctx.handle.db, [
      {
        block: MANAGER_BLOCK,
        status: 'closed',
        reported: '2025-10-02 08:00',
        due: '2025-10-02 12:00',
        closed: '2025-10-02 10:00',
      },
      {
        block: MANAGER_BLOCK,
        status: 'closed',
        reported: '2025-10-03 08:00',
        due: '2025-10-03 12:00',
        closed: '2025-10-03 10:00',
      },
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports each street’s 点位达标率 and, at the default weight 0, leaves the score as it was', async () => {
    const res = await get('/api/rankings?level=street&period=2025-10');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.weights.point_pass_rate).toBeUndefined();
    const byCode = Object.fromEntries(body.units.map((u: { code: string }) => [u.code, u]));
    expect(byCode['430121001']).toMatchObject({
      point_checked_weight: 7,
      point_passed_weight: 4,
      point_pass_rate: 0.5714,
      score: 100,
      rank: 1,
    });
    expect(byCode['430121002']).toMatchObject({
      point_checked_weight: 4,
      point_passed_weight: 4,
      point_pass_rate: 1,
      score: null,
      rank: null,
    });
    const blocks = (await get('/api/rankings?level=block&period=2025-10')).json();
    const block = blocks.units.find((u: { code: string }) => u.code === '430121002002002');
    expect(block).toMatchObject({ point_checked_weight: 0, point_passed_weight: 0, point_pass_rate: null });
  });

  it('weights 点位达标率 into the score when the weights file gives it a weight', async () => {
    const file = join(dir, 'weights.json');
    writeFileSync(file, JSON.stringify({ weights: { disposal_rate: 1, point_pass_rate: 1 } }));
    const custom = await buildTestApp(ctx.handle, { indicatorWeightsFile: file });
    try {
      const body = (await get('/api/rankings?level=street&period=2025-10', 'leader', custom)).json();
      expect(body.weights).toEqual({ disposal_rate: 1, point_pass_rate: 1 });
      expect(body.units.slice(0, 2)).toMatchObject([
        { code: '430121002', score: 100, rank: 1, previous_score: null, previous_rank: null },
        { code: '430121001', score: 78.57, rank: 2, previous_score: 100, previous_rank: 1, rank_change: -1 },
      ]);
      const blocks = (await get('/api/rankings?level=block&period=2025-10', 'manager', custom)).json();
      expect(blocks.units).toMatchObject([
        { code: MANAGER_BLOCK, point_checked_weight: 7, point_passed_weight: 4, score: 78.57, rank: 2 },
      ]);
    } finally {
      await custom.close();
    }
  });

  it('refuses a negative 点位达标率 weight at start-up', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ weights: { point_pass_rate: -1 } }));
    await expect(buildTestApp(ctx.handle, { indicatorWeightsFile: file })).rejects.toThrow(/INDICATOR_WEIGHTS_FILE/);
  });
});
