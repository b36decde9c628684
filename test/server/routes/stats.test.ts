import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { insertProblemRows, sh, type ProblemRow } from '../../helpers/problems.js';
import { auth, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type World } from '../../helpers/world.js';

const H = 3_600_000;

/**
 * October 2025 (Asia/Shanghai) in the manager's block: 10 problems filed and due in the month,
 * 6 closed (4 on time, 2 late), 4 still open past due → 结案率 0.6, 按期结案率 0.4. Two reworked
 * (返工率 0.2), one extended (延期率 0.1). Report → closure hours 2, 4, 6, 8, 10, 12 → median 7.
 */
const OCTOBER: ProblemRow[] = [
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-02 08:00',
    due: '2025-10-03 08:00',
    closed: '2025-10-02 10:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-02 08:00',
    due: '2025-10-03 08:00',
    closed: '2025-10-02 12:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-05 08:00',
    due: '2025-10-06 08:00',
    closed: '2025-10-05 14:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-05 08:00',
    due: '2025-10-06 08:00',
    closed: '2025-10-05 16:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-10 08:00',
    due: '2025-10-10 12:00',
    closed: '2025-10-10 18:00',
    rework: 1,
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-10 08:00',
    due: '2025-10-10 12:00',
    closed: '2025-10-10 20:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'in_progress',
    reported: '2025-10-12 08:00',
    due: '2025-10-13 08:00',
    rework: 1,
    escalated: true,
  },
  { block: MANAGER_BLOCK, status: 'in_progress', reported: '2025-10-12 08:00', due: '2025-10-14 08:00', extension: 1 },
  { block: MANAGER_BLOCK, status: 'dispatched', reported: '2025-10-20 08:00', due: '2025-10-21 08:00' },
  { block: MANAGER_BLOCK, status: 'filed', reported: '2025-10-25 08:00', due: '2025-10-26 08:00' },
  // September: two cases closed on time (the previous period's 结案率 is 1.0).
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-09-10 08:00',
    due: '2025-09-11 08:00',
    closed: '2025-09-10 09:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-09-12 08:00',
    due: '2025-09-13 08:00',
    closed: '2025-09-12 09:00',
  },
  // The neighbouring block: three open, due after the period (not 应结案, not overdue at its end), one voided.
  {
    block: NEIGHBOUR_BLOCK,
    category: '07001',
    status: 'dispatched',
    reported: '2025-10-28 08:00',
    due: '2099-01-01 00:00',
  },
  {
    block: NEIGHBOUR_BLOCK,
    category: '07001',
    status: 'dispatched',
    reported: '2025-10-28 09:00',
    due: '2099-01-01 00:00',
  },
  { block: NEIGHBOUR_BLOCK, category: '07001', status: 'filed', reported: '2025-10-29 08:00', due: '2099-01-01 00:00' },
  { block: NEIGHBOUR_BLOCK, status: 'voided', reported: '2025-10-29 09:00', filed: null },
  // The other street: five parking cases (交警, group 09), all closed on time.
  ...[1, 2, 3, 4, 5].map((i): ProblemRow => ({
    block: '430121002001001',
    category: '09009',
    status: 'closed',
    reported: `2025-10-0${i} 08:00`,
    due: `2025-10-0${i} 10:00`,
    closed: `2025-10-0${i} 09:00`,
  })),
];

const PERIOD = 'period_from=2025-10-01&period_to=2025-10-31';

describe.each(BACKENDS)('region statistics on $name', (backend) => {
  const ctx = useApp(backend);
  beforeAll(async () => {
    await insertProblemRows(ctx.handle.db, OCTOBER);
  });

  const get = async (url: string, role: keyof World['tokens'] = 'leader') => {
    const res = await ctx.app.inject({ url, headers: auth(ctx.world.tokens[role]) });
    return res;
  };

  describe('GET /api/stats/regions', () => {
    it('gives a block its 结案率, 按期结案率, 返工率, 延期率 and median hours from a hand-made month', async () => {
      const res = await get(`/api/stats/regions?level=block&${PERIOD}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.period).toEqual({ from: '2025-09-30T16:00:00.000Z', to: '2025-10-31T16:00:00.000Z' });
      expect(body.previous).toEqual({ from: '2025-08-30T16:00:00.000Z', to: '2025-09-30T16:00:00.000Z' });
      expect(body.regions).toHaveLength(8);
      const mine = body.regions.find((r: { code: string }) => r.code === MANAGER_BLOCK);
      expect(mine).toMatchObject({
        level: 'block',
        open: 4,
        overdue: 4,
        escalated: 1,
        filed: 10,
        due: 10,
        closed: 6,
        closed_on_time: 4,
        closure_rate: 0.6,
        on_time_rate: 0.4,
        reworked: 2,
        rework_rate: 0.2,
        disposal_due: 10,
        disposed: 6,
        disposal_rate: 0.6,
        on_time_disposal_rate: 0.4,
        extended: 1,
        extension_rate: 0.1,
        overdue_pending: 4,
        overdue_pending_rate: 0.4,
        median_hours_to_close: 7,
      });
      // September: 2 due, 2 closed on time, median 1 h.
      expect(mine.change).toMatchObject({
        open: 4,
        due: 8,
        closed: 4,
        closure_rate: -0.4,
        on_time_rate: -0.6,
        median_hours_to_close: 6,
      });
      const neighbour = body.regions.find((r: { code: string }) => r.code === NEIGHBOUR_BLOCK);
      expect(neighbour).toMatchObject({
        open: 3,
        overdue: 0,
        filed: 3,
        due: 0,
        closed: 0,
        closure_rate: null,
        on_time_rate: null,
        median_hours_to_close: null,
      });
      const empty = body.regions.find((r: { code: string }) => r.code === '430121002002002');
      expect(empty).toMatchObject({ open: 0, due: 0, closure_rate: null, change: { open: 0, closure_rate: null } });
    });

    it('rolls blocks up to streets and the county by code prefix', async () => {
      const streets = (await get(`/api/stats/regions?level=street&${PERIOD}`)).json().regions;
      expect(streets.map((r: { code: string }) => r.code)).toEqual(['430121001', '430121002']);
      expect(streets[0]).toMatchObject({ name: '街道1', open: 7, filed: 13, due: 10, closed: 6, closure_rate: 0.6 });
      expect(streets[1]).toMatchObject({
        open: 0,
        filed: 5,
        due: 5,
        closed: 5,
        closed_on_time: 5,
        closure_rate: 1,
        on_time_rate: 1,
        median_hours_to_close: 1,
      });
      const county = (await get(`/api/stats/regions?level=county&${PERIOD}`)).json().regions;
      expect(county).toEqual([
        expect.objectContaining({ code: '430121', due: 15, closed: 11, closed_on_time: 9, closure_rate: 0.7333 }),
      ]);
    });

    it('lists only the regions under parent', async () => {
      const res = await get(`/api/stats/regions?level=block&parent=430121001001&${PERIOD}`);
      expect(res.json().regions.map((r: { code: string }) => r.code)).toEqual([MANAGER_BLOCK, NEIGHBOUR_BLOCK]);
    });

    it('changes the numbers with the problem filters', async () => {
      const parking = (await get(`/api/stats/regions?level=street&group=09&${PERIOD}`)).json().regions;
      expect(parking[0]).toMatchObject({ filed: 0, due: 0, open: 0 });
      expect(parking[1]).toMatchObject({ filed: 5, due: 5 });
      const ads = (await get(`/api/stats/regions?level=street&category=07001&${PERIOD}`)).json().regions;
      expect(ads[0]).toMatchObject({ open: 3, filed: 3, due: 0 });
      const escalated = (await get(`/api/stats/regions?level=street&escalated=true&${PERIOD}`)).json().regions;
      expect(escalated[0]).toMatchObject({ open: 1, due: 1, filed: 1 });
    });

    it('judges open and overdue at the end of the period: a period ending 2025-10-12 sees the first open case not yet due', async () => {
      const body = (
        await get(`/api/stats/regions?level=block&parent=430121001001&period_from=2025-10-01&period_to=2025-10-12`)
      ).json();
      const mine = body.regions[0];
      expect(body.as_of).toBe('2025-10-12T16:00:00.000Z');
      // Reported on the 12th 08:00: open; due on the 13th and 14th: not yet overdue.
      expect(mine).toMatchObject({ open: 2, overdue: 0, due: 6, closed: 6 });
    });

    it('defaults to the 30 days ending now', async () => {
      const body = (await get('/api/stats/regions')).json();
      const from = new Date(body.period.from).getTime();
      const to = new Date(body.period.to).getTime();
      expect(to - from).toBe(30 * 24 * H);
      expect(Math.abs(to - Date.now())).toBeLessThan(60_000);
      expect(body.level).toBe('street');
      // Old cases still open are open now; nothing was closed in the last 30 days.
      expect(body.regions[0]).toMatchObject({ open: 7, overdue: 4, closed: 0 });
    });

    it('gives a manager only the regions inside their area, counting only their problems', async () => {
      const blocks = (await get(`/api/stats/regions?level=block&${PERIOD}`, 'manager')).json().regions;
      expect(blocks.map((r: { code: string }) => r.code)).toEqual([MANAGER_BLOCK]);
      expect(blocks[0]).toMatchObject({ due: 10, closed: 6 });
      const streets = (await get(`/api/stats/regions?level=street&${PERIOD}`, 'manager')).json().regions;
      expect(streets).toEqual([]);
    });

    it("counts only a department's categories for a department user", async () => {
      const streets = (await get(`/api/stats/regions?level=street&${PERIOD}`, 'department')).json().regions;
      expect(streets).toHaveLength(2);
      expect(streets[1]).toMatchObject({ filed: 0, due: 0 });
      expect(streets[0]).toMatchObject({ filed: 13, due: 10 });
    });

    it('rejects an empty period, a parent below the level and an unknown level with 400', async () => {
      expect((await get('/api/stats/regions?period_from=2025-10-10&period_to=2025-10-01')).statusCode).toBe(400);
      const below = await get('/api/stats/regions?level=street&parent=430121001');
      expect(below.statusCode).toBe(400);
      expect(below.json().error.code).toBe('VALIDATION_FAILED');
      expect((await get('/api/stats/regions?level=province')).statusCode).toBe(400);
    });

    it('needs a token', async () => {
      expect((await ctx.app.inject('/api/stats/regions')).statusCode).toBe(401);
    });
  });

  describe('GET /api/stats/regions/:code', () => {
    it('returns the street panel: totals, open by category, daily trend, oldest overdue and children ranked by open', async () => {
      const res = await get(`/api/stats/regions/430121001?${PERIOD}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.region).toMatchObject({ code: '430121001', name: '街道1', level: 'street' });
      expect(body.region.chain.map((c: { code: string }) => c.code)).toEqual(['430121', '430121001']);
      expect(body.totals).toMatchObject({
        open: 7,
        overdue: 4,
        filed: 13,
        due: 10,
        closed: 6,
        closed_in_period: 6,
        closure_rate: 0.6,
        on_time_rate: 0.4,
      });
      expect(body.categories).toEqual([
        { code: '06010', name: '暴露垃圾', count: 4 },
        { code: '07001', name: '非法小广告', count: 3 },
      ]);
      expect(body.trend).toHaveLength(31);
      expect(body.trend[0].date).toBe('2025-10-01');
      expect(body.trend[30].date).toBe('2025-10-31');
      expect(body.trend.reduce((s: number, d: { reported: number }) => s + d.reported, 0)).toBe(14);
      expect(body.trend.reduce((s: number, d: { closed: number }) => s + d.closed, 0)).toBe(6);
      expect(body.trend.find((d: { date: string }) => d.date === '2025-10-02')).toEqual({
        date: '2025-10-02',
        reported: 2,
        closed: 2,
      });
      expect(body.oldest_overdue.map((o: { due_at: string }) => o.due_at)).toEqual([
        sh('2025-10-13 08:00').toISOString(),
        sh('2025-10-14 08:00').toISOString(),
        sh('2025-10-21 08:00').toISOString(),
        sh('2025-10-26 08:00').toISOString(),
      ]);
      const first = body.oldest_overdue[0];
      expect(first).toMatchObject({ category_name: '暴露垃圾', region_code: MANAGER_BLOCK });
      expect(first.hours_overdue).toBeCloseTo((Date.now() - sh('2025-10-13 08:00').getTime()) / H, 0);
      expect(body.children.map((c: { code: string; open: number }) => [c.code, c.open])).toEqual([
        ['430121001001', 7],
        ['430121001002', 0],
      ]);
    });

    it('a block has no children', async () => {
      const body = (await get(`/api/stats/regions/${MANAGER_BLOCK}?${PERIOD}`, 'manager')).json();
      expect(body.totals).toMatchObject({ due: 10, closure_rate: 0.6 });
      expect(body.children).toEqual([]);
    });

    it('is 404 for a manager asking for another block or the street above, and for an unknown region', async () => {
      for (const code of [NEIGHBOUR_BLOCK, '430121001']) {
        const res = await get(`/api/stats/regions/${code}`, 'manager');
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe('NOT_FOUND');
      }
      expect((await get('/api/stats/regions/430121009')).statusCode).toBe(404);
    });
  });
});
