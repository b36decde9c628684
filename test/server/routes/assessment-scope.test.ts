/**
 * Scope of the assessment routes (the scope matrix points here): the manager of block
 * 430121001001001 reads nothing of the neighbouring block's point, inspection, sample task,
 * standing or task sheet — detail routes answer 404 exactly as for a missing id — while every
 * answer still holds the manager's own (so the checks can fail). The 城管局 department reads the
 * standard items and inspection items of its own categories only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, COUNTY, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';
import { loadAssessment, NEIGH_POINT_NAME, type AssessmentFixture } from '../../helpers/assessment.js';

describe.each(BACKENDS)('assessment scope on $name', (backend) => {
  const ctx = useApp(backend, { world: 'once' });
  let a: AssessmentFixture;
  beforeAll(async () => {
    a = await loadAssessment(ctx.handle.db, ctx.world);
  });
  const get = (who: 'admin' | 'manager' | 'department' | 'inspector', url: string) =>
    ctx.app.inject({ method: 'GET', url, headers: auth(ctx.world.tokens[who]) });

  it('a manager cannot read a neighbour’s point, inspection or sample task: 404 as for a missing id', async () => {
    const missing = await get('manager', '/api/points/99999999');
    expect(missing.statusCode).toBe(404);
    for (const url of [
      `/api/points/${a.neighPoint}`,
      `/api/inspections/${a.neighInspection}`,
      `/api/tasks/${a.neighTask}`,
    ]) {
      const res = await get('manager', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe(missing.json().error.code);
      expect(res.body).not.toContain(NEIGH_POINT_NAME);
      // The admin reads the same three.
      expect((await get('admin', url)).statusCode, url).toBe(200);
    }
    for (const url of [
      `/api/points/${a.minePoint}`,
      `/api/inspections/${a.mineInspection}`,
      `/api/tasks/${a.mineTask}`,
    ])
      expect((await get('manager', url)).statusCode, url).toBe(200);
  });

  it('lists, the sample, its task sheet and the standing hold only the manager’s own area', async () => {
    const ids = (features: { id: number }[]) => features.map((f) => f.id);
    expect(ids((await get('manager', '/api/points')).json().features)).toEqual([a.minePoint]);
    expect(ids((await get('admin', '/api/points')).json().features).sort()).toEqual([a.minePoint, a.neighPoint].sort());
    for (const url of [
      `/api/points?region=${NEIGHBOUR_BLOCK}`,
      `/api/points?q=${encodeURIComponent(NEIGH_POINT_NAME)}`,
    ]) {
      expect((await get('manager', url)).json().features, url).toEqual([]);
    }
    expect(ids((await get('manager', '/api/inspections')).json().inspections)).toEqual([a.mineInspection]);
    expect((await get('manager', `/api/inspections?point=${a.neighPoint}`)).json().inspections).toEqual([]);

    const sample = (await get('manager', `/api/samples/${a.sample}`)).json();
    expect(sample.tasks.map((t: { id: number }) => t.id)).toEqual([a.mineTask]);
    expect(sample.sample.tasks_total).toBe(1);
    expect((await get('admin', `/api/samples/${a.sample}`)).json().tasks).toHaveLength(2);
    expect(JSON.stringify(sample)).not.toContain(NEIGH_POINT_NAME);
    const all = (await get('manager', '/api/tasks?all=true')).json().tasks;
    expect(all.map((t: { id: number }) => t.id)).toEqual([a.mineTask]);

    const sheet = await get('manager', `/api/samples/${a.sample}/tasks.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(sheet.rawPayload as unknown as ArrayBuffer);
    const names: string[] = [];
    wb.worksheets[0].eachRow((row, n) => n > 3 && names.push(String(row.getCell(4).value)));
    expect(names).toEqual(['本网格公交站']);
    const page = await get('manager', `/api/samples/${a.sample}/sheet.html`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('本网格公交站');
    expect(page.body).not.toContain(NEIGH_POINT_NAME);
    expect(page.body.match(/<g class="point"/g)).toHaveLength(1);
    expect((await get('admin', `/api/samples/${a.sample}/sheet.html`)).body).toContain(NEIGH_POINT_NAME);

    const standing = (await get('manager', '/api/assessment/standing?level=block')).json().regions;
    expect(standing.map((r: { code: string }) => r.code)).toEqual([MANAGER_BLOCK]);
    const street = (await get('manager', '/api/assessment/standing?level=street')).json().regions;
    expect(street).toHaveLength(1);
    expect(street[0]).toMatchObject({ points: 1, inspections: 1 });
    const adminStreet = (await get('admin', '/api/assessment/standing?level=street')).json().regions;
    expect(adminStreet[0]).toMatchObject({ code: '430121001', points: 2, inspections: 2 });
    const types = (await get('manager', '/api/assessment/types')).json().types;
    expect(types.find((t: { type_code: string }) => t.type_code === 'BUS_STOP')).toMatchObject({
      points: 1,
      inspections: 1,
    });
  });

  it('a department reads the standard and inspection items of its own categories only', async () => {
    const std = (await get('department', `/api/standards/${a.standard}`)).json();
    const full = (await get('admin', `/api/standards/${a.standard}`)).json();
    expect(full.items.some((i: { department: string }) => i.department !== '城管局')).toBe(true);
    expect(std.items.length).toBeGreaterThan(0);
    for (const i of std.items) expect(i.department).toBe('城管局');
    const insp = (await get('department', `/api/inspections/${a.mineInspection}`)).json();
    const codes = new Set(std.items.map((i: { code: string }) => i.code));
    expect(insp.items.length).toBeGreaterThan(0);
    for (const i of insp.items) expect(codes.has(i.code), i.code).toBe(true);
  });

  it('the points tile layer holds the manager’s own points only, with their standing', async () => {
    const R = 6378137;
    const tileOf = ([lon, lat]: [number, number], z: number) => {
      const size = (2 * Math.PI * R) / 2 ** z;
      const mx = (R * lon * Math.PI) / 180;
      const my = R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
      return { x: Math.floor((mx + Math.PI * R) / size), y: Math.floor((Math.PI * R - my) / size) };
    };
    const features = async (who: 'admin' | 'manager', z: number) => {
      const a0 = tileOf([COUNTY.box[0], COUNTY.box[3]], z);
      const b0 = tileOf([COUNTY.box[2], COUNTY.box[1]], z);
      const out: Record<string, unknown>[] = [];
      for (let x = a0.x; x <= b0.x; x++)
        for (let y = a0.y; y <= b0.y; y++) {
          const res = await get(who, `/tiles/points/${z}/${x}/${y}.mvt`);
          expect([200, 204]).toContain(res.statusCode);
          if (res.statusCode !== 200) continue;
          const layer = new VectorTile(new PbfReader(res.rawPayload)).layers.points;
          for (let i = 0; i < layer.length; i++) out.push({ ...layer.feature(i).properties, fid: layer.feature(i).id });
        }
      return out.sort((p, q) => Number(p.id) - Number(q.id));
    };
    for (const z of [10, 15]) {
      expect(await features('manager', z)).toEqual([
        { fid: a.minePoint, id: a.minePoint, type_code: 'BUS_STOP', standing: 'failed', name: '本网格公交站' },
      ]);
      expect((await features('admin', z)).map((f) => [f.id, f.standing])).toEqual([
        [a.minePoint, 'failed'],
        [a.neighPoint, 'passed'],
      ]);
    }
  });
});
