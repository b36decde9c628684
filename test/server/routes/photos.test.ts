import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parse } from 'csv-parse/sync';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { jpeg, multipartBody } from '../../helpers/photos.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type RoleName } from '../../helpers/world.js';
import type { DB } from '../../../db/types.js';

/** Every file under the photo folder (relative paths), temp files included. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name).slice(dir.length + 1));
}

async function photoCount(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM photos`.execute(db);
  return Number(r.rows[0].n);
}

/** Metres east/north of a point (small distances). */
const offset = ([lon, lat]: [number, number], east: number, north: number): [number, number] => [
  lon + east / (111_320 * Math.cos((lat * Math.PI) / 180)),
  lat + north / 110_540,
];

describe.each(BACKENDS)('photo routes on $name', (backend) => {
  const photoDir = mkdtempSync(join(tmpdir(), `pm-photos-${backend.name}-`));
  const ctx = useApp(backend, { world: 'each', config: { photoDir, photoMaxBytes: 15 * 1024 * 1024 } });
  afterAll(() => rmSync(photoDir, { recursive: true, force: true }));
  // Rows go with each test's fresh world; their files go too.
  beforeEach(() => {
    for (const entry of readdirSync(photoDir)) rmSync(join(photoDir, entry), { recursive: true, force: true });
  });

  const upload = async (
    role: RoleName,
    data: Buffer,
    fields: Record<string, string> = {},
    name = 'photo.jpg',
    type = 'image/jpeg',
  ) => {
    const body = await multipartBody({ data, name, type }, fields);
    return ctx.app.inject({
      method: 'POST',
      url: '/api/photos',
      headers: { ...auth(ctx.world.tokens[role]), ...body.headers },
      payload: body.payload,
    });
  };
  const report = (role: RoleName, at: [number, number], photoIds: number[], extra: Record<string, unknown> = {}) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(ctx.world.tokens[role]),
      payload: {
        lon: at[0],
        lat: at[1],
        category: '06010',
        description: '有照片的问题',
        photo_ids: photoIds,
        ...extra,
      },
    });
  const act = (role: RoleName, id: number, body: Record<string, unknown>) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: auth(ctx.world.tokens[role]),
      payload: body,
    });
  /** A problem in `block` moved to dispatched (dispatched_at = now). */
  async function dispatched(block = MANAGER_BLOCK): Promise<{ id: number; version: number }> {
    const photo = (await upload('inspector', await jpeg())).json();
    const created = await report('inspector', centre(block), [photo.id]);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect((await act('admin', id, { action: 'file', version: 1 })).statusCode).toBe(200);
    expect((await act('admin', id, { action: 'dispatch', version: 2 })).statusCode).toBe(200);
    return { id, version: 3 };
  }

  describe('POST /api/photos', () => {
    it('stores a JPEG content-addressed with its EXIF time and GPS, the device position and a thumbnail', async () => {
      const data = await jpeg({ width: 3000, height: 1000, takenAt: '2026:12:01 10:11:12', gps: [113.005, 28.205] });
      const res = await upload('inspector', data, { kind: 'report', lon: '113.0051', lat: '28.2052', accuracy: '12' });
      expect(res.statusCode, res.body).toBe(201);
      const p = res.json();
      const sha = createHash('sha256').update(data).digest('hex');
      expect(p).toMatchObject({
        sha256: sha,
        size_bytes: data.length,
        mime: 'image/jpeg',
        width: 2048,
        height: 683,
        taken_at: '2026-12-01T02:11:12.000Z',
        device_lon: 113.0051,
        device_lat: 28.2052,
        device_accuracy_m: 12,
        kind: 'report',
        problem_id: null,
        uploader_name: '测试inspector',
        flags: [],
        url: `/api/photos/${p.id}`,
        thumb_url: `/api/photos/${p.id}/thumb`,
      });
      expect(p.exif_lon).toBeCloseTo(113.005, 4);
      expect(p.exif_lat).toBeCloseTo(28.205, 4);
      expect(Math.abs(Date.parse(p.uploaded_at) - Date.now())).toBeLessThan(60_000);
      expect(filesUnder(photoDir).sort()).toEqual(
        [
          join(sha.slice(0, 2), sha),
          join(sha.slice(0, 2), `${sha}.jpg`),
          join(sha.slice(0, 2), `${sha}.thumb.jpg`),
        ].sort(),
      );

      const img = await ctx.app.inject({ url: p.url, headers: auth(ctx.world.tokens.inspector) });
      expect(img.statusCode).toBe(200);
      expect(img.headers['content-type']).toBe('image/jpeg');
      expect((await sharp(img.rawPayload).metadata()).width).toBe(2048);
      const thumb = await ctx.app.inject({ url: `${p.thumb_url}?access_token=${ctx.world.tokens.inspector}` });
      expect(thumb.statusCode).toBe(200);
      expect((await sharp(thumb.rawPayload).metadata()).width).toBe(320);
    });

    it('refuses a 20 MB photo with 413 and keeps no file and no row', async () => {
      // Random bytes behind a JPEG signature: only the size matters here.
      const big = Buffer.alloc(20 * 1024 * 1024, 7);
      big[0] = 0xff;
      big[1] = 0xd8;
      big[2] = 0xff;
      const res = await upload('inspector', big);
      expect(res.statusCode, res.body).toBe(413);
      expect(res.json().error).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        params: { reason: 'photo_too_large', limit_mb: 15 },
      });
      expect(await photoCount(ctx.handle.db)).toBe(0);
      expect(filesUnder(photoDir)).toEqual([]);
    });

    it('refuses a text file renamed .jpg with 415 (the content decides, not the name or type)', async () => {
      const res = await upload('inspector', Buffer.from('这不是照片 not a photo\n'.repeat(50)), {}, 'evidence.jpg');
      expect(res.statusCode, res.body).toBe(415);
      expect(res.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', params: { reason: 'not_an_image' } });
      expect(await photoCount(ctx.handle.db)).toBe(0);
      expect(filesUnder(photoDir)).toEqual([]);
    });

    it('refuses a leader (no reporting role) with 403', async () => {
      const res = await upload('leader', await jpeg());
      expect(res.statusCode).toBe(403);
    });

    it('leaves no file and no row when the upload is cut off midway', async () => {
      const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const data = Buffer.concat([await jpeg(), Buffer.alloc(4 * 1024 * 1024, 1)]);
        const body = await multipartBody({ data, name: 'cut.jpg', type: 'image/jpeg' }, { kind: 'report' });
        const url = new URL('/api/photos', address);
        const req = httpRequest(url, {
          method: 'POST',
          headers: {
            ...auth(ctx.world.tokens.inspector),
            'content-type': body.headers['content-type'],
            'content-length': String(body.payload.length),
          },
        });
        req.on('error', () => undefined);
        req.write(body.payload.subarray(0, 2 * 1024 * 1024));
        // The upload really started: its temp file exists before the connection drops.
        await expect.poll(() => filesUnder(photoDir).some((f) => f.startsWith('tmp')), { timeout: 5000 }).toBe(true);
        req.destroy();
        await expect.poll(() => filesUnder(photoDir), { timeout: 5000 }).toEqual([]);
        expect(await photoCount(ctx.handle.db)).toBe(0);
      } finally {
        await ctx.app.server.close();
      }
    });
  });

  describe('photos on problems', () => {
    it('attaches report photos to the new problem, its record and its photo list', async () => {
      const photo = (await upload('inspector', await jpeg())).json();
      const res = await report('inspector', centre(MANAGER_BLOCK), [photo.id]);
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json().id;
      expect(res.json().problem.properties.photos).toEqual([`/api/photos/${photo.id}`]);
      const events = (
        await ctx.app.inject({ url: `/api/problems/${id}/events`, headers: auth(ctx.world.tokens.manager) })
      ).json().events;
      expect(events[0]).toMatchObject({
        action: 'create',
        photos: [`/api/photos/${photo.id}`],
        actor_name: '测试inspector',
      });
      const list = await ctx.app.inject({ url: `/api/problems/${id}/photos`, headers: auth(ctx.world.tokens.manager) });
      expect(list.statusCode).toBe(200);
      expect(list.json().photos).toMatchObject([{ id: photo.id, kind: 'report', problem_id: id }]);

      // Used once only, and only by its uploader: both refusals write nothing.
      const again = await report('inspector', centre(MANAGER_BLOCK), [photo.id]);
      expect(again.statusCode).toBe(422);
      expect(again.json().error).toMatchObject({ code: 'PHOTO_UNUSABLE', params: { reason: 'already_attached' } });
      const other = (await upload('admin', await jpeg())).json();
      const foreign = await report('inspector', centre(MANAGER_BLOCK), [other.id]);
      expect(foreign.json().error).toMatchObject({ code: 'PHOTO_UNUSABLE', params: { reason: 'unknown_photo' } });
      const n = await sql<{ n: string }>`SELECT count(*) AS n FROM problems`.execute(ctx.handle.db);
      expect(Number(n.rows[0].n)).toBe(1);
    });

    it('answers 404 to a manager for a neighbour’s photo URL, as for a missing one', async () => {
      const mine = (await upload('inspector', await jpeg())).json();
      const theirs = (await upload('inspector', await jpeg({ colour: '#2980b9' }))).json();
      expect((await report('inspector', centre(MANAGER_BLOCK), [mine.id])).statusCode).toBe(201);
      const neighbour = await report('inspector', centre(NEIGHBOUR_BLOCK), [theirs.id]);
      expect(neighbour.statusCode).toBe(201);
      const token = ctx.world.tokens.manager;
      for (const suffix of ['', '/thumb']) {
        expect(
          (await ctx.app.inject({ url: `/api/photos/${mine.id}${suffix}`, headers: auth(token) })).statusCode,
        ).toBe(200);
        const denied = await ctx.app.inject({ url: `/api/photos/${theirs.id}${suffix}?access_token=${token}` });
        expect(denied.statusCode).toBe(404);
        expect(denied.json().error.code).toBe('NOT_FOUND');
        const missing = await ctx.app.inject({ url: `/api/photos/999999${suffix}`, headers: auth(token) });
        expect(missing.statusCode).toBe(404);
        expect(denied.body).toBe(missing.body.replace('999999', String(theirs.id)));
      }
      const list = await ctx.app.inject({
        url: `/api/problems/${neighbour.json().id}/photos`,
        headers: auth(token),
      });
      expect(list.statusCode).toBe(404);
      // An unattached photo is its uploader's alone.
      const loose = (await upload('inspector', await jpeg({ colour: '#27ae60' }))).json();
      expect((await ctx.app.inject({ url: loose.url, headers: auth(ctx.world.tokens.admin) })).statusCode).toBe(404);
    });

    it('flags an after-photo taken before the dispatch or far from the problem, and records the check', async () => {
      const { id, version } = await dispatched();
      const [lon, lat] = centre(MANAGER_BLOCK);
      const old = (
        await upload('manager', await jpeg({ takenAt: '2020:01:01 09:00:00', gps: [lon, lat] }), { kind: 'resolution' })
      ).json();
      const far = (
        await upload('manager', await jpeg({ gps: offset([lon, lat], 0, 300) }), { kind: 'resolution' })
      ).json();
      const good = (
        await upload('manager', await jpeg({ colour: '#16a085' }), {
          kind: 'resolution',
          lon: String(offset([lon, lat], 30, 0)[0]),
          lat: String(lat),
        })
      ).json();
      const res = await act('manager', id, {
        action: 'resolve',
        version,
        note: '已清理干净',
        photo_ids: [old.id, far.id, good.id],
      });
      expect(res.statusCode, res.body).toBe(200);
      const photos = (
        await ctx.app.inject({ url: `/api/problems/${id}/photos`, headers: auth(ctx.world.tokens.inspector) })
      ).json().photos;
      const byId = Object.fromEntries(photos.map((p: { id: number; flags: string[] }) => [p.id, p]));
      expect(byId[old.id].flags).toEqual(['taken_before_dispatch']);
      expect(byId[far.id].flags).toEqual(['far_from_problem']);
      expect(byId[good.id].flags).toEqual([]);
      expect(byId[good.id]).toMatchObject({ kind: 'resolution', problem_id: id });
      const events = (
        await ctx.app.inject({ url: `/api/problems/${id}/events`, headers: auth(ctx.world.tokens.inspector) })
      ).json().events;
      const resolve = events.find((e: { action: string }) => e.action === 'resolve');
      expect(resolve).toMatchObject({
        note: '已清理干净',
        photos: [`/api/photos/${old.id}`, `/api/photos/${far.id}`, `/api/photos/${good.id}`],
        actor_name: '测试manager',
      });
      expect(resolve.data.evidence[old.id].flags).toEqual(['taken_before_dispatch']);
      expect(resolve.data.evidence[far.id].distance_m).toBeGreaterThan(290);
      expect(resolve.data.evidence[far.id].distance_m).toBeLessThan(310);
      expect(byId[good.id].event_id).toBe(resolve.id);
    });

    it('needs a note to resolve, and an after-photo where the admin set it for the category', async () => {
      const { id, version } = await dispatched();
      const noNote = await act('manager', id, { action: 'resolve', version });
      expect(noNote.statusCode).toBe(400);
      expect(noNote.json().error.params).toEqual({ reason: 'note_required', action: 'resolve' });

      const patch = await ctx.app.inject({
        method: 'PATCH',
        url: '/api/categories/06010',
        headers: auth(ctx.world.tokens.admin),
        payload: { after_photo_required: true },
      });
      expect(patch.statusCode, patch.body).toBe(200);
      expect(patch.json().after_photo_required).toBe(true);
      try {
        const noPhoto = await act('manager', id, { action: 'resolve', version, note: '已清理' });
        expect(noPhoto.statusCode).toBe(422);
        expect(noPhoto.json().error).toMatchObject({
          code: 'PHOTO_REQUIRED',
          params: { reason: 'after_photo_required', category: '06010' },
        });
        const after = (await upload('manager', await jpeg(), { kind: 'resolution' })).json();
        // A before-photo is not an after-photo.
        const wrong = (await upload('manager', await jpeg({ colour: '#8e44ad' }), { kind: 'report' })).json();
        const wrongKind = await act('manager', id, {
          action: 'resolve',
          version,
          note: '已清理',
          photo_ids: [wrong.id],
        });
        expect(wrongKind.json().error).toMatchObject({ code: 'PHOTO_UNUSABLE', params: { reason: 'wrong_kind' } });
        const ok = await act('manager', id, { action: 'resolve', version, note: '已清理', photo_ids: [after.id] });
        expect(ok.statusCode, ok.body).toBe(200);
        expect(ok.json().properties.status).toBe('resolved');
      } finally {
        await sql`UPDATE categories SET after_photo_required = false WHERE code = '06010'`.execute(ctx.handle.db);
      }
    });

    it('attaches re-inspection photos to close, and the record shows all three photos', async () => {
      const { id, version } = await dispatched();
      const after = (await upload('manager', await jpeg(), { kind: 'resolution' })).json();
      expect(
        (await act('manager', id, { action: 'resolve', version, note: '已处置', photo_ids: [after.id] })).statusCode,
      ).toBe(200);
      const check = (await upload('inspector', await jpeg(), { kind: 'reinspection' })).json();
      const closed = await act('inspector', id, { action: 'close', version: version + 1, photo_ids: [check.id] });
      expect(closed.statusCode, closed.body).toBe(200);
      const events = (
        await ctx.app.inject({ url: `/api/problems/${id}/events`, headers: auth(ctx.world.tokens.admin) })
      ).json().events;
      expect(events.flatMap((e: { photos: string[] }) => e.photos)).toHaveLength(3);
      const kinds = (await ctx.app.inject({ url: `/api/problems/${id}/photos`, headers: auth(ctx.world.tokens.admin) }))
        .json()
        .photos.map((p: { kind: string }) => p.kind);
      expect(kinds).toEqual(['report', 'resolution', 'reinspection']);
      // The export lists the three as links.
      const csv = await ctx.app.inject({ url: `/api/exports/problems.csv?access_token=${ctx.world.tokens.admin}` });
      const rows = parse(csv.body, { columns: true, bom: true }) as Record<string, string>[];
      const photoIds = (
        await ctx.app.inject({ url: `/api/problems/${id}/photos`, headers: auth(ctx.world.tokens.admin) })
      )
        .json()
        .photos.map((p: { id: number }) => p.id);
      expect(rows.find((r) => r['编号'] === String(id))!['照片']).toBe(
        photoIds.map((p: number) => `http://localhost:80/api/photos/${p}`).join(' '),
      );
      // Photos belong to resolve, close and rework only.
      const stray = (await upload('admin', await jpeg(), { kind: 'report' })).json();
      const { id: other } = await dispatched();
      const res = await act('admin', other, { action: 'start', version: 3, photo_ids: [stray.id] });
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', params: { reason: 'photos_not_allowed' } });
    });
  });
});
