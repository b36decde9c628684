import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';

describe.each(BACKENDS)('mock assessment on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const as = (role: 'admin' | 'inspector' | 'manager' | 'leader') => auth(ctx.world.tokens[role]);

  /** 12 bus stops and 6 toilets spread over the test county's 8 blocks. */
  async function register() {
    const ids: number[] = [];
    for (let i = 0; i < 18; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points',
        headers: as('admin'),
        payload: {
          type: i < 12 ? 'BUS_STOP' : 'PUBLIC_TOILET',
          name: `点位${i + 1}`,
          lon: 113.0025 + (i % 8) * 0.005,
          lat: 28.205 + Math.floor(i / 8) * 0.012,
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    return ids;
  }
  const draw = (seed: number, sizes: Record<string, number> = { BUS_STOP: 4, PUBLIC_TOILET: 2 }) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: as('leader'),
      payload: { name: `抽样${seed}`, seed, sizes, due_at: '2031-06-30', assignees: [ctx.world.userIds.inspector] },
    });
  const drawnIds = (res: { json(): { tasks: { point_id: number; type_code: string }[] } }) =>
    res
      .json()
      .tasks.map((t) => t.point_id)
      .sort((a, b) => a - b);

  it('the same seed draws the same sample, recorded with the seed; another seed draws another', async () => {
    await register();
    const a = await draw(20261201);
    expect(a.statusCode, a.body).toBe(201);
    const b = await draw(20261201);
    const c = await draw(7);
    expect(a.json().sample.seed).toBe(20261201);
    expect(a.json().sample.sizes).toEqual({ BUS_STOP: 4, PUBLIC_TOILET: 2 });
    expect(a.json().sample.strata).toEqual({ BUS_STOP: 12, PUBLIC_TOILET: 6 });
    expect(drawnIds(a)).toHaveLength(6);
    expect(drawnIds(b)).toEqual(drawnIds(a));
    expect(drawnIds(c)).not.toEqual(drawnIds(a));
    const types = a.json().tasks.map((t: { type_code: string }) => t.type_code);
    expect(types.filter((t: string) => t === 'BUS_STOP')).toHaveLength(4);
    // Handed out to the inspector with the deadline (end of the Shanghai day).
    const mine = await ctx.app.inject({ method: 'GET', url: '/api/tasks?open=true', headers: as('inspector') });
    expect(mine.json().tasks).toHaveLength(18);
    expect(mine.json().tasks[0].due_at).toBe('2031-06-30T16:00:00.000Z');
  });

  it('defaults the sizes from the reference minimum (215 sites for 0.5–2 million people, 12 of them main roads), capped at the register', async () => {
    await register();
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: as('admin'),
      payload: { name: '默认', seed: 1, due_at: '2031-06-30' },
    });
    expect(res.statusCode, res.body).toBe(201);
    // 215 wanted, only 18 points exist: every one is drawn.
    expect(res.json().sample.sizes).toEqual({ BUS_STOP: 12, PUBLIC_TOILET: 6 });
    const small = await ctx.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: as('admin'),
      payload: { name: '九个', seed: 1, total: 9, due_at: '2031-06-30' },
    });
    // 9 shared in proportion to 12 : 6.
    expect(small.json().sample.sizes).toEqual({ BUS_STOP: 6, PUBLIC_TOILET: 3 });
  });

  it('inspected tasks give the expected score per standard and per street with a 95 % interval, and a task sheet', async () => {
    await register();
    const res = await draw(99, { BUS_STOP: 3 });
    const tasks = res.json().tasks as { id: number; point_id: number }[];
    const [std] = (
      await ctx.app.inject({ method: 'GET', url: '/api/standards?type=BUS_STOP', headers: as('admin') })
    ).json().standards;
    // Three inspections passing 11/11, 9/11 and 7/11 of the checklist's weight:
    const weights = std.items.map((i: { weight: number }) => i.weight);
    expect(weights).toEqual([2, 2, 2, 3, 2]); // STOP_CLEAN, PSA, POSTERS, GARBAGE, PARK_BIKE
    const plans = [[], ['STOP_CLEAN'], ['STOP_CLEAN', 'PSA']];
    for (const [k, t] of tasks.entries()) {
      const r = await ctx.app.inject({
        method: 'POST',
        url: '/api/inspections',
        headers: as('inspector'),
        payload: {
          point_id: t.point_id,
          standard_id: std.id,
          kind: 'mock',
          task_id: t.id,
          items: std.items.map((i: { id: number; code: string }) => ({
            item_id: i.id,
            result: plans[k].includes(i.code) ? 'fail' : 'pass',
          })),
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/inspections',
      headers: as('inspector'),
      payload: {
        point_id: tasks[0].point_id,
        standard_id: std.id,
        task_id: tasks[0].id,
        items: std.items.map((i: { id: number }) => ({ item_id: i.id, result: 'pass' })),
      },
    });
    expect(again.statusCode).toBe(409);
    const detail = await ctx.app.inject({
      method: 'GET',
      url: `/api/samples/${res.json().sample.id}`,
      headers: as('leader'),
    });
    const est = detail.json().estimate;
    const bus = est.by_type.find((t: { type_code: string }) => t.type_code === 'BUS_STOP');
    // Mean of 100, 81.82, 63.64 = 81.82; s = 18.18 points; t(2) = 4.303; √(1 − 3/12) = 0.866:
    // margin = 4.303 × 18.18 / √3 × 0.866 = 39.1; low = 81.8 − 39.1 = 42.7.
    expect(bus).toMatchObject({ n: 3, population: 12, score: 81.8, margin: 39.1, low: 42.7, high: 100, grade: 'B' });
    expect(est.overall).toMatchObject({ n: 3, score: 81.8 });
    expect(est.by_street.map((s: { n: number }) => s.n).reduce((a: number, b: number) => a + b, 0)).toBe(3);
    expect(detail.json().sample.tasks_done).toBe(3);

    const sheet = await ctx.app.inject({
      method: 'GET',
      url: `/api/samples/${res.json().sample.id}/tasks.xlsx`,
      headers: as('leader'),
    });
    expect(sheet.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(sheet.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(String(ws.getRow(1).getCell(1).value)).toBe('模拟测评任务单：抽样99');
    expect((ws.getRow(3).values as unknown[]).slice(1, 5)).toEqual(['序号', '点位编号', '点位类型', '点位名称']);
    expect(ws.rowCount).toBe(6);
    expect(ws.getRow(4).getCell(11).value).toBe('已完成');
  });
});
