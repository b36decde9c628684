import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';
import { insertProblemRows } from '../../helpers/problems.js';
import { CAMPAIGN_ROWS } from '../../fixtures/campaign-problems.js';

const A = {
  name: '暴露垃圾攻坚',
  kind: '市容环境',
  period_from: '2026-10-05',
  period_to: '2026-10-18',
  categories: ['06010'],
  regions: ['430121001'],
  lead_department: '城管局',
  responsible_streets: ['430121001'],
  targets: [
    { kind: 'closure_rate', threshold: 0.9 },
    { kind: 'overdue', threshold: 0 },
    { kind: 'open_at_end', threshold: 3 },
    { kind: 'point_pass_rate', threshold: 0.9 },
  ],
};

/** The text of every table cell of word/document.xml, row by row. */
function docxRows(docx: Buffer): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-'));
  try {
    writeFileSync(join(dir, 'b.docx'), docx);
    const xml = execFileSync('unzip', ['-p', join(dir, 'b.docx'), 'word/document.xml']).toString('utf8');
    return [...xml.matchAll(/<w:tr[ >].*?<\/w:tr>/gs)].map((tr) =>
      [...tr[0].matchAll(/<w:tc>.*?<\/w:tc>/gs)].map((tc) =>
        [...tc[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(''),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

describe.each(BACKENDS)('campaign routes on $name', (backend) => {
  const t = useApp(backend, { world: 'once' });
  let id: number;
  let other: number;
  const post = (token: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/campaigns', headers: auth(token), payload: payload as object });
  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: auth(token) });

  it('POST /api/campaigns: a leader creates a campaign; a manager may not; bad input is named', async () => {
    await insertProblemRows(t.handle.db, CAMPAIGN_ROWS);
    const res = await post(t.world.tokens.leader, A);
    expect(res.statusCode, res.body).toBe(201);
    id = res.json().id;
    expect(res.json()).toMatchObject({ period_from: '2026-10-05', period_to: '2026-10-18', lead_department: '城管局' });
    expect(res.json().starts_at).toBe('2026-10-04T16:00:00.000Z');
    expect((await post(t.world.tokens.manager, A)).statusCode).toBe(403);
    const badTarget = await post(t.world.tokens.leader, { ...A, targets: [{ kind: 'closure_rate', threshold: 95 }] });
    expect(badTarget.statusCode).toBe(422);
    expect(badTarget.json().error.details).toEqual({ field: 'targets' });
    const badPeriod = await post(t.world.tokens.leader, { ...A, period_from: '2026-10-19' });
    expect(badPeriod.statusCode).toBe(400);
    const badCategory = await post(t.world.tokens.leader, { ...A, categories: ['99999'] });
    expect(badCategory.statusCode).toBe(422);
    expect(badCategory.json().error.code).toBe('UNKNOWN_CATEGORY');
    const o = await post(t.world.tokens.admin, { ...A, name: '街道二', regions: ['430121002'] });
    other = o.json().id;
  });

  it('GET /api/campaigns/:id/progress: per-street and per-community targets and the burn-down equal hand-computed values', async () => {
    const res = await get(t.world.tokens.leader, `/api/campaigns/${id}/progress`);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    const s1 = p.units.find((u: { code: string }) => u.code === '430121001');
    // p1 and p8 filed in the period; due p1 p2 p8 p9; closed p2 p8 (p8 on time); open at the end p1 p9, both overdue.
    expect(s1).toMatchObject({ filed: 2, due: 4, closed: 2, closed_on_time: 1, open: 2, overdue: 2 });
    expect(s1.closure_rate).toBe(0.5);
    expect(s1.on_time_rate).toBe(0.25);
    expect(s1.targets.map((x: { status: string; value: number | null }) => [x.status, x.value])).toEqual([
      ['missed', 0.5],
      ['missed', 2],
      ['met', 2],
      ['no_data', null],
    ]);
    const s2 = p.units.find((u: { code: string }) => u.code === '430121002');
    expect(s2).toMatchObject({ due: 0, open: 0, score: null });
    expect(p.totals).toMatchObject({ due: 4, closed: 2, open: 2, overdue: 2 });
    expect(p.overdue_by_unit).toEqual([{ code: '430121001', name: '街道1', overdue: 2, escalated: 0 }]);
    // End of 10-05: p9 p2 · 10-06: + p1 · 10-07: p2 closed · 10-08: + p8 · 10-09: p8 closed, then p1 p9 to the end.
    expect(p.burn_down.map((d: { open: number }) => d.open)).toEqual([2, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(p.burn_down[0].date).toBe('2026-10-05');
    expect(p.burn_down[13]).toMatchObject({ date: '2026-10-18', ideal: 0 });

    const c = (await get(t.world.tokens.leader, `/api/campaigns/${id}/progress?level=community`)).json();
    const byCode = Object.fromEntries(c.units.map((u: { code: string }) => [u.code, u]));
    expect(byCode['430121001001']).toMatchObject({ due: 2, closed: 0, open: 2, overdue: 2 });
    expect(byCode['430121001002']).toMatchObject({ due: 2, closed: 2, closed_on_time: 1, open: 0, overdue: 0 });
    // The 红黑榜 at community level: 001002 (all closed) is red, 001001 black; the others had nothing due.
    expect(c.red.map((u: { code: string }) => u.code)).toEqual(['430121001002']);
    expect(c.black.map((u: { code: string }) => u.code)).toEqual(['430121001001']);
  });

  it('a manager sees the campaigns touching their block, with their own block’s numbers only', async () => {
    const list = (await get(t.world.tokens.manager, '/api/campaigns')).json();
    expect(list.campaigns.map((c: { id: number }) => c.id)).toEqual([id]);
    expect((await get(t.world.tokens.manager, `/api/campaigns/${other}`)).statusCode).toBe(404);
    const p = (await get(t.world.tokens.manager, `/api/campaigns/${id}/progress?level=block`)).json();
    expect(p.units.map((u: { code: string }) => u.code)).toEqual([MANAGER_BLOCK]);
    // p1 and p9 only (p2, p8 are in other blocks of street 1).
    expect(p.totals).toMatchObject({ due: 2, closed: 0, open: 2, overdue: 2 });
    expect(p.burn_down.map((d: { open: number }) => d.open)).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    const street = (await get(t.world.tokens.manager, `/api/campaigns/${id}/progress`)).json();
    expect(street.units).toEqual([]);
  });

  it('the campaign filter selects its members in the problem list and the statistics', async () => {
    const list = (await get(t.world.tokens.leader, `/api/problems?campaign=${id}&limit=100`)).json();
    expect(list.features.map((f: { properties: { description: string } }) => f.properties).length).toBe(4);
    const mine = (await get(t.world.tokens.manager, `/api/problems?campaign=${id}&limit=100`)).json();
    expect(mine.features.length).toBe(2);
  });

  it('GET /api/campaigns/:id/bulletin.docx opens, and its per-street numbers equal GET /api/stats/regions for the week', async () => {
    const week = '2026-10-05';
    const res = await get(t.world.tokens.leader, `/api/campaigns/${id}/bulletin.docx?week=2026-10-07`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toContain('wordprocessingml');
    const rows = docxRows(res.rawPayload);
    const header = rows.findIndex((r) => r[0] === '排名' && r[1] === '单位');
    expect(header).toBeGreaterThan(0);
    const table = rows.slice(header + 1, header + 3);
    const stats = (
      await get(
        t.world.tokens.leader,
        `/api/stats/regions?level=street&period_from=${week}&period_to=2026-10-11&campaign=${id}`,
      )
    ).json();
    for (const s of stats.regions) {
      const row = table.find((r) => r[1] === s.name)!;
      expect(row, s.name).toBeDefined();
      expect(row.slice(2)).toEqual([
        String(s.filed),
        String(s.due),
        String(s.closed),
        pct(s.closure_rate),
        pct(s.on_time_rate),
        String(s.open),
        String(s.overdue),
        row[9],
      ]);
    }
    // Street 1 in week 10-05..10-11, by hand: filed p1 p8; due p1 p2 p8 p9; closed p2 p8; open p1 p9.
    expect(table.find((r) => r[1] === '街道1')!.slice(2, 9)).toEqual(['2', '4', '2', '50.0%', '25.0%', '2', '2']);
    const json = (await get(t.world.tokens.leader, `/api/campaigns/${id}/bulletin?week=${week}`)).json();
    expect(json.headline).toMatchObject({ filed: 2, due: 4, closed: 2, open: 2, overdue: 2 });
    expect(json.oldest_overdue.map((o: { photos: string[] }) => o.photos)).toEqual([[], []]);
    expect(json.oldest_overdue.map((o: { region_code: string }) => o.region_code)).toEqual([
      MANAGER_BLOCK,
      MANAGER_BLOCK,
    ]);
    const text = rows.flat().join(' ');
    expect(text).toContain('暴露垃圾');
  });

  it('GET /api/campaigns/:id/bulletin.xlsx holds the same per-street numbers', async () => {
    const res = await get(t.world.tokens.leader, `/api/campaigns/${id}/bulletin.xlsx?week=2026-10-05`);
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['各街道', '红黑榜', '超期事项', '约谈', '燃尽']);
    const ws = wb.getWorksheet('各街道')!;
    const values: unknown[][] = [];
    ws.eachRow((r) => values.push((r.values as unknown[]).slice(1)));
    const s1 = values.find((r) => r[1] === '430121001')!;
    expect(s1.slice(3, 11)).toEqual([2, 4, 2, 0.5, 0.25, 0, 2, 2]);
  });

  it('GET /api/bulletins/county.docx covers every problem of the county', async () => {
    const res = await get(t.world.tokens.leader, '/api/bulletins/county.docx?week=2026-10-05');
    expect(res.statusCode).toBe(200);
    const rows = docxRows(res.rawPayload);
    const header = rows.findIndex((r) => r[0] === '排名' && r[1] === '单位');
    // Street 2 has p4 (filed 10-06, open) in the county bulletin.
    const s2 = rows.slice(header + 1).find((r) => r[1] === '街道2')!;
    expect(s2.slice(2, 4)).toEqual(['1', '0']);
    expect(s2[7]).toBe('1');
  });
});
