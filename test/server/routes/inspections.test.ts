import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';
import { jpeg, multipartBody } from '../../helpers/photos.js';

const HOUR = 3_600_000;

/** A three-item checklist for public toilets; 06020 (焚烧垃圾) runs on continuous hours (2 h), so its deadline is exact. */
const THREE_ITEMS = [
  { code: 'CLEAN', text: '厕内清洁无异味', category: '03001', weight: 2, photo_required: false },
  { code: 'BURN', text: '周边无焚烧垃圾', category: '06020', weight: 1, photo_required: true },
  { code: 'SIGN', text: '指示牌规范', category: '03002', weight: 1, photo_required: false },
];

/** Only the photo-required item fails. */
const BURN_FAILS = { CLEAN: 'pass', BURN: 'fail', SIGN: 'pass' } as const;

type Submitter = 'admin' | 'inspector' | 'manager';
type Results = Record<string, 'pass' | 'fail' | 'na'>;
type StandardRef = { id: number; items: { id: number; code: string }[] };
type Photos = Record<string, number[]>;

describe.each(BACKENDS)('inspections on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const as = (role: 'admin' | 'inspector' | 'manager' | 'department' | 'leader') => auth(ctx.world.tokens[role]);

  /** A public toilet, added by the admin; answers the point. */
  async function addPoint(name: string, lon: number, lat: number, address?: string) {
    const point = await ctx.app.inject({
      method: 'POST',
      url: '/api/points',
      headers: as('admin'),
      payload: { type: 'PUBLIC_TOILET', name, address, lon, lat },
    });
    expect(point.statusCode, point.body).toBe(201);
    return point.json();
  }

  async function setup() {
    const std = await ctx.app.inject({
      method: 'POST',
      url: '/api/standards',
      headers: as('admin'),
      payload: { type: 'PUBLIC_TOILET', note: '三项测试标准', items: THREE_ITEMS },
    });
    expect(std.statusCode, std.body).toBe(201);
    return { standard: std.json(), point: await addPoint('星沙一号公厕', 113.004, 28.206, '开元路 8 号') };
  }

  /** Rows in `table` now. */
  const count = async (table: 'inspections' | 'problems') =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n,
    );
  /** Inspections and problems together: a refused inspection adds to neither. */
  const written = async () => (await count('inspections')) + (await count('problems'));

  const postInspection = (who: Submitter, payload: object) =>
    ctx.app.inject({ method: 'POST', url: '/api/inspections', headers: as(who), payload });

  /** An unannounced inspection from a device beside the point, photos given as addresses. */
  const submit = (
    who: Submitter,
    pointId: number,
    standard: StandardRef,
    results: Results,
    photos: Record<string, string[]> = {},
  ) =>
    postInspection(who, {
      point_id: pointId,
      standard_id: standard.id,
      kind: 'unannounced',
      device: { lon: 113.0041, lat: 28.2061, accuracy_m: 8 },
      items: standard.items.map((i) => ({ item_id: i.id, result: results[i.code], photos: photos[i.code] ?? [] })),
    });

  it('a three-item inspection with one failure creates exactly one problem with the right category, block and deadline, on the record', async () => {
    const { standard, point } = await setup();
    expect(standard.version).toBeGreaterThanOrEqual(2); // version 1 is the seed's
    const before = await count('problems');
    const res = await submit('inspector', point.id, standard, BURN_FAILS, { BURN: ['/api/photos/abc123'] });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0].category_code).toBe('06020');
    expect(body.problems[0].item_code).toBe('BURN');
    const after = await count('problems');
    expect(after - before).toBe(1);

    // The inspection is on the record: who, when, where the device was, every item, the problem.
    const insp = body.inspection;
    expect(insp.inspector).toBe('inspector');
    expect(insp.inspector_name).toBe('测试inspector');
    expect(insp.kind).toBe('unannounced');
    expect(insp.device).toEqual({ lon: 113.0041, lat: 28.2061, accuracy_m: 8 });
    expect(insp.score).toBe(75); // weights 2 + 1 passed of 2 + 1 + 1 checked
    expect(insp.failed_count).toBe(1);
    expect(insp.items.map((i: { code: string; result: string }) => [i.code, i.result])).toEqual([
      ['CLEAN', 'pass'],
      ['BURN', 'fail'],
      ['SIGN', 'pass'],
    ]);
    const burn = insp.items[1];
    expect(burn.problem_id).toBe(body.problems[0].problem_id);
    expect(burn.photos).toEqual(['/api/photos/abc123']);
    expect(burn.problem_status).toBe('filed');

    const problem = await ctx.app.inject({
      method: 'GET',
      url: `/api/problems/${burn.problem_id}`,
      headers: as('admin'),
    });
    const p = problem.json().properties;
    expect(p.category_code).toBe('06020');
    expect(p.region_code).toBe(MANAGER_BLOCK);
    expect(p.status).toBe('filed');
    expect(p.source).toBe('inspection');
    expect(p.address).toBe('开元路 8 号');
    expect(p.photos).toEqual(['/api/photos/abc123']);
    expect(p.description).toBe('【暗访】星沙一号公厕：周边无焚烧垃圾');
    // 06020 is 2 continuous hours from filing, and filing is the submission.
    expect(new Date(p.due_at).getTime() - new Date(insp.submitted_at).getTime()).toBe(2 * HOUR);
    expect(problem.json().geometry.coordinates).toEqual([113.004, 28.206]);

    const events = await ctx.app.inject({
      method: 'GET',
      url: `/api/problems/${burn.problem_id}/events`,
      headers: as('admin'),
    });
    const ev = events.json().events;
    expect(ev.map((e: { action: string }) => e.action)).toEqual(['create', 'file']);
    expect(ev[0].data).toEqual({ inspection_id: insp.id, point_id: point.id, item_code: 'BURN' });

    // The point's standing follows its latest inspection.
    const after1 = await ctx.app.inject({ method: 'GET', url: `/api/points/${point.id}`, headers: as('admin') });
    expect(after1.json().properties.standing).toBe('failed');
    expect(after1.json().properties.last_score).toBe(75);
    expect(after1.json().properties.open_problems).toBe(1);
    expect(after1.json().properties.items.find((i: { code: string }) => i.code === 'BURN')).toEqual({
      code: 'BURN',
      text: '周边无焚烧垃圾',
      category_code: '06020',
      checked: 1,
      failed: 1,
      pass_rate: 0,
    });

    // The record is append-only in the database itself.
    await expect(sql`UPDATE inspection_items SET result = 'pass'`.execute(ctx.handle.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM inspections`.execute(ctx.handle.db)).rejects.toThrow(/append-only/);
  });

  it('flags a point chronic (顽疾) when the same item fails in consecutive inspections, and clears it when it passes', async () => {
    const { standard, point } = await setup();
    const photo = { BURN: ['/api/photos/p1'] };
    const standingOf = async () =>
      (await ctx.app.inject({ method: 'GET', url: `/api/points/${point.id}`, headers: as('admin') })).json().properties;
    await submit('inspector', point.id, standard, { CLEAN: 'fail', BURN: 'pass', SIGN: 'pass' });
    await submit('inspector', point.id, standard, BURN_FAILS, photo);
    expect((await standingOf()).standing).toBe('failed'); // two failures, but not of the same item
    await submit('inspector', point.id, standard, { CLEAN: 'pass', BURN: 'fail', SIGN: 'na' }, photo);
    const s = await standingOf();
    expect(s.standing).toBe('chronic');
    expect(s.chronic_items).toEqual(['BURN']);
    await submit('inspector', point.id, standard, { CLEAN: 'pass', BURN: 'pass', SIGN: 'pass' });
    expect((await standingOf()).standing).toBe('passed');
  });

  it('a standards edit leaves an old inspection’s items unchanged; a form filled against the old version is refused', async () => {
    const { standard, point } = await setup();
    const first = await submit('inspector', point.id, standard, { CLEAN: 'pass', BURN: 'pass', SIGN: 'fail' });
    expect(first.statusCode).toBe(201);
    const id = first.json().inspection.id;
    const before = (
      await ctx.app.inject({ method: 'GET', url: `/api/inspections/${id}`, headers: as('admin') })
    ).json();

    const edit = await ctx.app.inject({
      method: 'POST',
      url: '/api/standards',
      headers: as('admin'),
      payload: {
        type: 'PUBLIC_TOILET',
        items: [
          { code: 'CLEAN', text: '厕内清洁、无异味、无积水', category: '03001', weight: 5 },
          { code: 'HOURS', text: '公示开放时间', category: '03002', weight: 1 },
        ],
      },
    });
    expect(edit.statusCode, edit.body).toBe(201);
    expect(edit.json().version).toBe(standard.version + 1);

    const again = (await ctx.app.inject({ method: 'GET', url: `/api/inspections/${id}`, headers: as('admin') })).json();
    expect(again).toEqual(before);
    expect(again.standard_version).toBe(standard.version);
    expect(again.items.map((i: { code: string; text: string; weight: number }) => [i.code, i.text, i.weight])).toEqual([
      ['CLEAN', '厕内清洁无异味', 2],
      ['BURN', '周边无焚烧垃圾', 1],
      ['SIGN', '指示牌规范', 1],
    ]);
    const old = await ctx.app.inject({ method: 'GET', url: `/api/standards/${standard.id}`, headers: as('admin') });
    expect(old.json().current).toBe(false);

    const stale = await submit('inspector', point.id, standard, { CLEAN: 'pass', BURN: 'pass', SIGN: 'pass' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details).toEqual({ reason: 'standard_changed', current_standard_id: edit.json().id });
  });

  it('refuses an incomplete form, a failure without its required photo, and a point outside the manager’s area — writing nothing', async () => {
    const { standard, point } = await setup();
    const n0 = await written();
    const partial = await postInspection('inspector', {
      point_id: point.id,
      standard_id: standard.id,
      items: [{ item_id: standard.items[0].id, result: 'fail' }],
    });
    expect(partial.statusCode).toBe(422);
    expect(partial.json().error.details).toMatchObject({ reason: 'items_invalid', missing: ['BURN', 'SIGN'] });
    const noPhoto = await submit('inspector', point.id, standard, BURN_FAILS);
    expect(noPhoto.statusCode).toBe(422);
    expect(noPhoto.json().error.details.photo_missing).toEqual(['BURN']);
    // A point in the neighbour block: the manager gets a 404, as for a missing point.
    const far = await addPoint('邻居公厕', 113.015, 28.21);
    const byManager = await submit('manager', far.id, standard, { CLEAN: 'fail', BURN: 'pass', SIGN: 'pass' });
    expect(byManager.statusCode).toBe(404);
    const dept = await ctx.app.inject({
      method: 'POST',
      url: '/api/inspections',
      headers: as('department'),
      payload: { point_id: point.id, standard_id: standard.id, items: [{ item_id: 1, result: 'pass' }] },
    });
    expect(dept.statusCode).toBe(403);
    expect(await written()).toBe(n0);
    // The manager's own point: allowed.
    const own = await submit('manager', point.id, standard, { CLEAN: 'fail', BURN: 'pass', SIGN: 'pass' });
    expect(own.statusCode, own.body).toBe(201);
  });

  it('standing per street: points covered, weighted 达标率 and the most-failed items', async () => {
    const { standard, point } = await setup();
    await addPoint('未检查公厕', 113.006, 28.207);
    await submit('inspector', point.id, standard, { CLEAN: 'fail', BURN: 'pass', SIGN: 'pass' }); // 2 of 4 passed
    await submit('inspector', point.id, standard, { CLEAN: 'pass', BURN: 'pass', SIGN: 'fail' }); // 3 of 4
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/assessment/standing?level=street',
      headers: as('leader'),
    });
    expect(res.statusCode, res.body).toBe(200);
    const street = res.json().regions.find((r: { code: string }) => r.code === '430121001');
    expect(street).toMatchObject({
      points: 2,
      covered: 1,
      coverage: 50,
      inspections: 2,
      rate: 62.5, // (2 + 3) / (4 + 4)
      failed_items: 2,
      open_problems: 2,
    });
    expect(street.top_failed.map((i: { code: string; failed: number }) => [i.code, i.failed])).toEqual([
      ['CLEAN', 1],
      ['SIGN', 1],
    ]);
    const types = await ctx.app.inject({ method: 'GET', url: '/api/assessment/types', headers: as('leader') });
    const toilet = types.json().types.find((t: { type_code: string }) => t.type_code === 'PUBLIC_TOILET');
    expect(toilet).toMatchObject({
      points: 2,
      covered: 1,
      inspections: 2,
      rate: 62.5,
      standard_version: standard.version,
    });
    // The department 卫健局 reads the standard's items of its categories only.
    const dstd = await ctx.app.inject({
      method: 'GET',
      url: '/api/standards?type=PUBLIC_TOILET',
      headers: as('department'),
    });
    // The test department is 城管局: of the three items only 06020 (焚烧垃圾) is its category.
    expect(dstd.json().standards[0].items.map((i: { code: string }) => i.code)).toEqual(['BURN']);
  });

  /** Uploads one photo as `who` through POST /api/photos; answers its id. */
  async function upload(who: 'admin' | 'inspector' | 'manager', kind: string, colour: string): Promise<number> {
    const mp = await multipartBody(
      { data: await jpeg({ colour }), name: 'p.jpg', type: 'image/jpeg' },
      { kind, lon: '113.0041', lat: '28.2061', accuracy: '8' },
    );
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/photos',
      headers: { ...as(who), ...mp.headers },
      payload: mp.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  /** An inspection with uploaded photos given by id (no device position, no kind). */
  const submitIds = (who: Submitter, pointId: number, standard: StandardRef, results: Results, photoIds: Photos) =>
    postInspection(who, {
      point_id: pointId,
      standard_id: standard.id,
      items: standard.items.map((i) => ({ item_id: i.id, result: results[i.code], photo_ids: photoIds[i.code] ?? [] })),
    });

  it('takes uploaded photos by id: the failed item’s photo is on the record and the problem, scoped like the point; a wrong one writes nothing', async () => {
    const { standard, point } = await setup();
    const n0 = await written();

    // A report photo is not an inspection photo; someone else's upload answers like a missing one.
    const report = await upload('inspector', 'report', '#2980b9');
    const wrong = await submitIds('inspector', point.id, standard, BURN_FAILS, {
      BURN: [report],
    });
    expect(wrong.statusCode, wrong.body).toBe(422);
    expect(wrong.json().error).toMatchObject({
      code: 'PHOTO_UNUSABLE',
      params: { reason: 'wrong_kind', photo_id: report },
    });
    const theirs = await upload('admin', 'inspection_item', '#16a085');
    const notMine = await submitIds('inspector', point.id, standard, BURN_FAILS, {
      BURN: [theirs],
    });
    expect(notMine.statusCode).toBe(422);
    expect(notMine.json().error.params).toEqual({ reason: 'unknown_photo', photo_id: theirs });
    expect(await written()).toBe(n0);

    // BURN requires a photo of a failure: an uploaded one satisfies it.
    const burnPhoto = await upload('inspector', 'inspection_item', '#c0392b');
    const signPhoto = await upload('inspector', 'inspection_item', '#f1c40f');
    const res = await submitIds('inspector', point.id, standard, BURN_FAILS, {
      BURN: [burnPhoto],
      SIGN: [signPhoto],
    });
    expect(res.statusCode, res.body).toBe(201);
    const insp = res.json().inspection;
    const byCode = Object.fromEntries(insp.items.map((i: { code: string }) => [i.code, i]));
    expect(byCode.BURN.photos).toEqual([`/api/photos/${burnPhoto}`]);
    expect(byCode.SIGN.photos).toEqual([`/api/photos/${signPhoto}`]);
    const problemId = byCode.BURN.problem_id as number;

    // The problem's card shows the failure's photo, as an inspection photo.
    const problem = await ctx.app.inject({ method: 'GET', url: `/api/problems/${problemId}`, headers: as('leader') });
    expect(problem.json().properties.photos).toEqual([`/api/photos/${burnPhoto}`]);
    const photos = await ctx.app.inject({
      method: 'GET',
      url: `/api/problems/${problemId}/photos`,
      headers: as('leader'),
    });
    expect(photos.json().photos.map((p: { id: number; kind: string }) => [p.id, p.kind])).toEqual([
      [burnPhoto, 'inspection_item'],
    ]);

    // Used once: the same photo cannot go on a second inspection.
    const again = await submitIds('inspector', point.id, standard, BURN_FAILS, {
      BURN: [burnPhoto],
    });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.params).toEqual({ reason: 'already_attached', photo_id: burnPhoto });

    // The images are scoped like the point: the manager of the block sees both (the passed item's
    // through the point's block), a manager elsewhere would get 404 as for a missing photo.
    for (const id of [burnPhoto, signPhoto]) {
      const img = await ctx.app.inject({ method: 'GET', url: `/api/photos/${id}/thumb`, headers: as('manager') });
      expect(img.statusCode, `photo ${id}`).toBe(200);
      expect(img.headers['content-type']).toBe('image/jpeg');
    }
    const far = await addPoint('邻居公厕', 113.015, 28.21);
    const farPhoto = await upload('inspector', 'inspection_item', '#8e44ad');
    const farRes = await submitIds(
      'inspector',
      far.id,
      standard,
      { CLEAN: 'pass', BURN: 'pass', SIGN: 'pass' },
      {
        CLEAN: [farPhoto],
      },
    );
    expect(farRes.statusCode, farRes.body).toBe(201);
    const hidden = await ctx.app.inject({ method: 'GET', url: `/api/photos/${farPhoto}`, headers: as('manager') });
    expect(hidden.statusCode).toBe(404);
    const seen = await ctx.app.inject({ method: 'GET', url: `/api/photos/${farPhoto}`, headers: as('leader') });
    expect(seen.statusCode).toBe(200);
  });

  it('an Idempotency-Key makes a resent inspection (the outbox after a lost answer) the same one: one record, one problem', async () => {
    const { standard, point } = await setup();
    const [inspections0, problems0] = [await count('inspections'), await count('problems')];
    const payload = {
      point_id: point.id,
      standard_id: standard.id,
      items: standard.items.map((i: { id: number; code: string }) => ({
        item_id: i.id,
        result: i.code === 'CLEAN' ? 'fail' : 'pass',
      })),
    };
    const send = (key: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/inspections',
        headers: { ...as('inspector'), 'idempotency-key': key },
        payload,
      });
    const first = await send('outbox-0001-inspection');
    expect(first.statusCode, first.body).toBe(201);
    const again = await send('outbox-0001-inspection');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().inspection.id).toBe(first.json().inspection.id);
    expect(again.json().problems).toEqual(first.json().problems);
    expect(first.json().problems).toHaveLength(1);
    expect(await count('inspections')).toBe(inspections0 + 1);
    expect(await count('problems')).toBe(problems0 + 1);
    // Another key is another inspection; the same key for another request is refused.
    expect((await send('outbox-0002-inspection')).statusCode).toBe(201);
    expect(await count('inspections')).toBe(inspections0 + 2);
    const reused = await ctx.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: { ...as('inspector'), 'idempotency-key': 'outbox-0001-inspection' },
      payload: { lon: 113.004, lat: 28.206, category: '03001', description: '同一个键' },
    });
    expect(reused.statusCode, reused.body).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
