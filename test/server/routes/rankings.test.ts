import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS } from '../../helpers/db.js';
import { buildTestApp, useApp } from '../../helpers/app.js';
import { insertProblemRows, type ProblemRow } from '../../helpers/problems.js';
import { auth, MANAGER_BLOCK, type World } from '../../helpers/world.js';
import { shanghaiMonth } from '../../../domain/time.js';

const OTHER_BLOCK = '430121002001001';

/**
 * Street 1 (all in the manager's block): October perfect (4 on time) → 100 A; September 1 on time
 * + 1 late → 30 + 10 + 20 + 20 + 10 = 90.
 * Street 2: October 5 due: 2 on time, 1 late and reworked, 2 open past due (one extended) →
 * 处置率 0.6·30 + 按期处置率 0.4·20 + (1−0.2)·20 + (1−0.4)·20 + (1−0.2)·10 = 18+8+16+12+8 = 62 → C;
 * September 2 on time → 100.
 */
const DATA: ProblemRow[] = [
  ...[1, 2, 3, 4].map((d): ProblemRow => ({
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: `2025-10-0${d} 08:00`,
    due: `2025-10-0${d} 12:00`,
    closed: `2025-10-0${d} 10:00`,
  })),
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-09-05 08:00',
    due: '2025-09-05 12:00',
    closed: '2025-09-05 10:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-09-06 08:00',
    due: '2025-09-06 12:00',
    closed: '2025-09-07 10:00',
  },
  {
    block: OTHER_BLOCK,
    category: '09009',
    status: 'closed',
    reported: '2025-10-02 08:00',
    due: '2025-10-02 12:00',
    closed: '2025-10-02 10:00',
  },
  {
    block: OTHER_BLOCK,
    category: '09009',
    status: 'closed',
    reported: '2025-10-03 08:00',
    due: '2025-10-03 12:00',
    closed: '2025-10-03 10:00',
  },
  {
    block: OTHER_BLOCK,
    status: 'closed',
    reported: '2025-10-04 08:00',
    due: '2025-10-04 12:00',
    closed: '2025-10-05 10:00',
    rework: 1,
  },
  { block: OTHER_BLOCK, status: 'in_progress', reported: '2025-10-06 08:00', due: '2025-10-07 12:00', extension: 1 },
  { block: OTHER_BLOCK, status: 'dispatched', reported: '2025-10-08 08:00', due: '2025-10-09 12:00' },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-08-05 08:00',
    due: '2025-08-05 12:00',
    closed: '2025-08-05 10:00',
  },
  {
    block: OTHER_BLOCK,
    status: 'closed',
    reported: '2025-08-05 08:00',
    due: '2025-08-05 12:00',
    closed: '2025-08-05 10:00',
  },
  {
    block: OTHER_BLOCK,
    status: 'closed',
    reported: '2025-09-05 08:00',
    due: '2025-09-05 12:00',
    closed: '2025-09-05 10:00',
  },
  {
    block: OTHER_BLOCK,
    status: 'closed',
    reported: '2025-09-06 08:00',
    due: '2025-09-06 12:00',
    closed: '2025-09-06 10:00',
  },
];

describe.each(BACKENDS)('GET /api/rankings on $name', (backend) => {
  const ctx = useApp(backend);
  let dir: string;
  beforeAll(async () => {
    await insertProblemRows(ctx.handle.db, DATA);
    dir = mkdtempSync(join(tmpdir(), 'weights-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, role: keyof World['tokens'] = 'leader', on = ctx.app) =>
    on.inject({ url, headers: auth(ctx.world.tokens[role]) });

  it('scores, grades and ranks the streets of a month with the default weights, with the rank change from the month before', async () => {
    const res = await get('/api/rankings?level=street&period=2025-10');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      level: 'street',
      period: '2025-10',
      previous_period: '2025-09',
      from: '2025-09-30T16:00:00.000Z',
      to: '2025-10-31T16:00:00.000Z',
      units_total: 2,
    });
    expect(body.weights).toEqual({
      disposal_rate: 30,
      on_time_disposal_rate: 20,
      rework_rate: 20,
      overdue_pending_rate: 20,
      extension_rate: 10,
    });
    expect(
      body.units.map((u: Record<string, unknown>) => [
        u.code,
        u.score,
        u.grade,
        u.rank,
        u.previous_score,
        u.previous_rank,
        u.rank_change,
      ]),
    ).toEqual([
      ['430121001', 100, 'A', 1, 90, 2, 1],
      ['430121002', 62, 'C', 2, 100, 1, -1],
    ]);
    expect(body.units[1]).toMatchObject({
      name: '街道2',
      filed: 5,
      due: 5,
      closed: 3,
      closure_rate: 0.6,
      on_time_rate: 0.4,
      disposal_rate: 0.6,
      on_time_disposal_rate: 0.4,
      rework_rate: 0.2,
      extension_rate: 0.2,
      overdue_pending_rate: 0.4,
    });
  });

  it('ranks a quarter against the quarter before and a year against the year before', async () => {
    const q4 = (await get('/api/rankings?level=street&period=2025-Q4')).json();
    expect(q4).toMatchObject({
      period: '2025-Q4',
      previous_period: '2025-Q3',
      from: '2025-09-30T16:00:00.000Z',
      to: '2025-12-31T16:00:00.000Z',
    });
    // Q4 holds only October's cases; Q3 (August + September): street 2 all on time, street 1 one late.
    expect(
      q4.units.map((u: Record<string, unknown>) => [u.code, u.score, u.rank, u.previous_rank, u.rank_change]),
    ).toEqual([
      ['430121001', 100, 1, 2, 1],
      ['430121002', 62, 2, 1, -1],
    ]);
    const year = (await get('/api/rankings?level=street&period=2025')).json();
    expect(year).toMatchObject({ period: '2025', previous_period: '2024', from: '2024-12-31T16:00:00.000Z' });
    expect(year.units.map((u: Record<string, unknown>) => [u.code, u.filed, u.previous_rank, u.rank_change])).toEqual([
      ['430121001', 7, null, null],
      ['430121002', 8, null, null],
    ]);
  });

  it('lists units with nothing due last, unranked', async () => {
    const body = (await get('/api/rankings?level=community&period=2025-10')).json();
    expect(body.units.map((u: Record<string, unknown>) => [u.code, u.rank, u.score])).toEqual([
      ['430121001001', 1, 100],
      ['430121002001', 2, 62],
      ['430121001002', null, null],
      ['430121002002', null, null],
    ]);
  });

  it('shares a rank between equal scores and compares each month with the one before', async () => {
    const august = (await get('/api/rankings?level=street&period=2025-08')).json();
    // August: one on-time case each → 100 and 100: both first, listed by code.
    expect(august.units.map((u: Record<string, unknown>) => [u.code, u.score, u.rank])).toEqual([
      ['430121001', 100, 1],
      ['430121002', 100, 1],
    ]);
    const september = (await get('/api/rankings?level=street&period=2025-09')).json();
    expect(
      september.units.map((u: Record<string, unknown>) => [u.code, u.score, u.rank, u.previous_rank, u.rank_change]),
    ).toEqual([
      ['430121002', 100, 1, 1, 0],
      ['430121001', 90, 2, 1, -1],
    ]);
  });

  it('changes with the filters', async () => {
    const body = (await get('/api/rankings?level=street&period=2025-10&group=09')).json();
    expect(body.units.map((u: Record<string, unknown>) => [u.code, u.score, u.rank])).toEqual([
      ['430121002', 100, 1],
      ['430121001', null, null],
    ]);
  });

  it('judges the current month by default, where a case still owed from long ago keeps counting against its unit', async () => {
    const body = (await get('/api/rankings?level=street')).json();
    expect(body.period).toBe(shanghaiMonth(new Date()));
    // Street 2's two open October cases are still due: 处置率 0, 超期待处置率 1, 延期率 0.5 → 20 + 5 = 25.
    expect(body.units[0]).toMatchObject({
      code: '430121002',
      disposal_due: 2,
      overdue_pending: 2,
      score: 25,
      grade: 'E',
      rank: 1,
    });
    expect(body.units[1]).toMatchObject({ code: '430121001', score: null, rank: null });
  });

  it('gives a manager only their own unit, ranked among all units', async () => {
    const blocks = (await get('/api/rankings?level=block&period=2025-10', 'manager')).json();
    expect(blocks.units_total).toBe(8);
    expect(blocks.units.map((u: Record<string, unknown>) => [u.code, u.rank])).toEqual([[MANAGER_BLOCK, 1]]);
    const streets = (await get('/api/rankings?level=street&period=2025-10', 'manager')).json();
    expect(streets.units).toEqual([]);
  });

  it('uses the weights of INDICATOR_WEIGHTS_FILE', async () => {
    const file = join(dir, 'weights.json');
    writeFileSync(file, JSON.stringify({ weights: { closure_rate: 100 }, grades: { C: 65 } }));
    const custom = await buildTestApp(ctx.handle, { indicatorWeightsFile: file });
    try {
      const body = (await get('/api/rankings?level=street&period=2025-10', 'leader', custom)).json();
      expect(body.weights).toEqual({ closure_rate: 100 });
      expect(body.units[1]).toMatchObject({ code: '430121002', score: 60, grade: 'D' });
    } finally {
      await custom.close();
    }
  });

  it('refuses to start with a bad weights file, naming the variable', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ weights: { speed: 1 } }));
    await expect(buildTestApp(ctx.handle, { indicatorWeightsFile: file })).rejects.toThrow(
      /INDICATOR_WEIGHTS_FILE.*unknown member "speed" in weights/,
    );
  });

  it('rejects a malformed period and a level it does not rank with 400', async () => {
    expect((await get('/api/rankings?period=2025-13')).statusCode).toBe(400);
    expect((await get('/api/rankings?period=2025-Q5')).statusCode).toBe(400);
    expect((await get('/api/rankings?period=2025-10-01')).statusCode).toBe(400);
    expect((await get('/api/rankings?level=county')).statusCode).toBe(400);
  });
});
