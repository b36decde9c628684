/**
 * In the field, in headless Debian Chromium against the real app (PGlite, small demo county): an
 * inspector on a phone (390×844) reports a problem with a photo, loses the signal, reports
 * another and files a third, and the outbox sends them when the signal returns (with their
 * idempotency keys: no duplicate); the block manager on a desktop (1366×768) resolves with an
 * after-photo and a note; the inspector closes it from 待核查 with a re-inspection photo; the
 * record shows the three photos. All along, the zh-CN page shows no English text.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sql } from 'kysely';
import { jpeg } from '../helpers/photos.js';
import { loadDemo } from '../../db/seed/load.js';
import { DESKTOP, PHONE, RESULTS, ROOT, startE2e, waitForMap, type E2e } from './harness.js';
import { englishCollector } from './zh-text.js';

describe('in the field in Chromium (pglite): phone inspector, desktop manager, offline outbox', () => {
  let e2e: E2e<{ block: string; spot: [number, number] }>;
  const { found: english, check } = englishCollector();
  const api = async <T>(url: string): Promise<T> => {
    const res = await e2e.app.inject({ url, headers: { authorization: `Bearer ${e2e.adminToken}` } });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
    return res.json() as T;
  };
  const count = async (description: string) =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM problems WHERE description = ${description}`.execute(
          e2e.handle.db,
        )
      ).rows[0].n,
    );

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'e2e',
      seed: async (db) => {
        await loadDemo(db, { blocks: 40, problems: 120 });
        const b = await sql<{ code: string; lon: number; lat: number }>`
          SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
          FROM regions WHERE level = 'block' ORDER BY code LIMIT 1`.execute(db);
        return { block: b.rows[0].code, spot: [Number(b.rows[0].lon), Number(b.rows[0].lat)] };
      },
      users: ({ block }) => [
        { username: 'e2e-inspector', display_name: '赵督查', role: 'inspector' },
        { username: 'e2e-manager', display_name: '李网格长', role: 'manager', scope: [block] },
      ],
    });
  }, 180_000);

  afterAll(() => e2e?.close());

  /** Logs in at `path`, the browser placed at the block's point (a phone: touch). */
  const open = (username: string, viewport = DESKTOP, path = '/') =>
    e2e.openAs(username, { viewport, path, at: e2e.seeded.spot, touch: viewport === PHONE });

  /** Reports at the device position through "在此上报" with one photo. */
  async function report(page: Page, description: string, colour: string): Promise<void> {
    await page.locator('#report-here').click();
    const form = page.locator('#add-problem');
    await form.waitFor();
    await form.locator('textarea[name=description]').fill(description);
    await form
      .locator('input[name=photos]')
      .setInputFiles({ name: `${description}.jpg`, mimeType: 'image/jpeg', buffer: await jpeg({ colour }) });
    await form.locator('button[type=submit]').click();
  }

  it('runs the closed loop from the phone, through an offline stretch, with photos at every step', async () => {
    // A third problem, reported earlier, that the inspector will file while offline.
    const third = await e2e.app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: { authorization: `Bearer ${e2e.adminToken}` },
      payload: { lon: e2e.seeded.spot[0], lat: e2e.seeded.spot[1], category: '06010', description: '第三件：待立案' },
    });
    expect(third.statusCode, third.body).toBe(201);
    const thirdId = third.json().id as number;

    // ---- the inspector, on a phone, with signal
    const { context, page } = await open('e2e-inspector', PHONE);
    await check(page, 'inspector map');
    expect(await page.locator('#sheet').isVisible()).toBe(true);
    expect(await page.locator('#menu-toggle').isVisible()).toBe(true);
    const fab = await page.locator('#report-here').boundingBox();
    expect(fab!.height).toBeGreaterThanOrEqual(44);
    await report(page, '第一件：路边暴露垃圾', '#c0392b');
    const created = page.locator('#add-problem [data-created]');
    await created.waitFor();
    const firstId = Number(await created.getAttribute('data-created'));
    await check(page, 'inspector reported');
    await page.screenshot({ path: join(RESULTS, 'field-phone-report.png') });
    await page.locator('#add-problem button.link').click();

    // ---- no signal: a second report and a transition of the third wait in the outbox
    await page.goto(`${e2e.origin}/?problem=${thirdId}`);
    await waitForMap(page);
    await page.locator(`.problem-popup[data-problem-id="${thirdId}"]`).waitFor();
    await context.setOffline(true);
    await page.locator('.problem-popup button.action[data-action=file]').click();
    await page.locator('[data-popup-notice]').waitFor();
    await report(page, '第二件：离线上报', '#2980b9');
    await page.locator('#add-problem [data-queued]').waitFor();
    await expect.poll(() => page.locator('#outbox').getAttribute('data-pending')).toBe('2');
    expect(await page.locator('#outbox .outbox-pending').textContent()).toBe('2 条待上传');
    await check(page, 'inspector offline');
    await page.screenshot({ path: join(RESULTS, 'field-phone-offline.png') });
    expect(await count('第二件：离线上报')).toBe(0);

    // The outbox survives closing the app: a new page of the same installation still holds both.
    await page.reload().catch(() => undefined);
    expect(await count('第二件：离线上报')).toBe(0);

    // ---- signal again: the outbox drains, once
    await context.setOffline(false);
    await page.goto(`${e2e.origin}/`);
    await waitForMap(page);
    await expect.poll(() => page.locator('#outbox').isHidden(), { timeout: 20_000 }).toBe(true);
    expect(await count('第二件：离线上报')).toBe(1);
    const filed = await api<{ properties: { status: string } }>(`/api/problems/${thirdId}`);
    expect(filed.properties.status).toBe('filed');
    const thirdEvents = await api<{ events: { action: string }[] }>(`/api/problems/${thirdId}/events`);
    expect(thirdEvents.events.map((e) => e.action)).toEqual(['create', 'file']);
    const second = await sql<{ id: number; photos: string[] }>`SELECT id, photos FROM problems
      WHERE description = '第二件：离线上报'`.execute(e2e.handle.db);
    expect(second.rows[0].photos).toHaveLength(1);

    // ---- the block manager, on a desktop: file, dispatch, resolve with an after-photo and a note
    const manager = await open('e2e-manager', DESKTOP, `/?problem=${firstId}`);
    const m = manager.page;
    const popup = m.locator(`.problem-popup[data-problem-id="${firstId}"]`);
    for (const action of ['file', 'dispatch']) {
      await popup.locator(`button.action[data-action=${action}]`).click();
      await expect
        .poll(async () => (await api<{ properties: { status: string } }>(`/api/problems/${firstId}`)).properties.status)
        .toBe(action === 'file' ? 'filed' : 'dispatched');
      await popup.locator('button.action').first().waitFor();
    }
    await popup.locator('button.action[data-action=resolve]').click();
    await popup.locator('textarea[name=note]').fill('已清运，现场干净');
    await popup
      .locator('input[name=photos-resolve]')
      .setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: await jpeg({ colour: '#27ae60' }) });
    await popup.locator('button[data-submit=resolve]').click();
    await expect
      .poll(async () => (await api<{ properties: { status: string } }>(`/api/problems/${firstId}`)).properties.status)
      .toBe('resolved');
    await check(m, 'manager resolved');

    // ---- the inspector closes it from 待核查 with a re-inspection photo
    await page.goto(`${e2e.origin}/`);
    await waitForMap(page);
    const item = page.locator(`#queue-recheck [data-queue-item="${firstId}"]`);
    await item.waitFor();
    await check(page, 'inspector recheck queue');
    await page.screenshot({ path: join(RESULTS, 'field-phone-recheck.png') });
    const before = Number(await page.locator('#queue-recheck').getAttribute('data-count'));
    await item
      .locator(`input[name=recheck-photo-${firstId}]`)
      .setInputFiles({ name: 'check.jpg', mimeType: 'image/jpeg', buffer: await jpeg({ colour: '#8e44ad' }) });
    await item.locator('button[data-quick=close]').click();
    await expect.poll(() => page.locator('#queue-recheck').getAttribute('data-count')).toBe(String(before - 1));
    const closed = await api<{ properties: { status: string } }>(`/api/problems/${firstId}`);
    expect(closed.properties.status).toBe('closed');

    // ---- the record shows the three photos, with display names and Chinese action labels
    await page.goto(`${e2e.origin}/?problem=${firstId}`);
    await waitForMap(page);
    const card = page.locator(`.problem-popup[data-problem-id="${firstId}"]`);
    await card.waitFor();
    await card.locator('details.history summary').click();
    await expect.poll(() => card.locator('.history img.photo-thumb').count()).toBe(3);
    await expect
      .poll(() =>
        card
          .locator('.history img.photo-thumb')
          .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    const history = await card.locator('.history').innerText();
    for (const text of ['赵督查', '李网格长', '上报', '立案', '派遣', '处置完成', '核查结案', '已清运，现场干净'])
      expect(history).toContain(text);
    // The popup stays on the screen.
    const box = await page.locator('.maplibregl-popup').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await check(page, 'inspector record');
    await page.screenshot({ path: join(RESULTS, 'screenshot-phone.png') });
    if (process.env.UPDATE_SCREENSHOTS)
      copyFileSync(join(RESULTS, 'screenshot-phone.png'), join(ROOT, 'docs', 'screenshot-phone.png'));

    const photos = await api<{ photos: { kind: string }[] }>(`/api/problems/${firstId}/photos`);
    expect(photos.photos.map((p) => p.kind)).toEqual(['report', 'resolution', 'reinspection']);

    // No English text in the zh-CN page at any step.
    expect(english).toEqual({});
  }, 240_000);
});
