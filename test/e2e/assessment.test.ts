/**
 * A mock assessment in headless Debian Chromium against the real app (PGlite, small demo county):
 * the admin draws a sample of exactly three public toilets of one street with a recorded seed and
 * hands it to the inspector; the inspector, on a phone (390×844), opens each task from the list,
 * passes every item on two and fails the photo-required item on the third with a camera photo
 * (refused first without one), and sees the record with its thumbnail and the problem it filed;
 * then the leader sees the street's 达标率 — the value computed here from the items' weights — and
 * the new problem's card with the failed item's category and photo. All along, the zh-CN page
 * shows no English text.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { sql } from 'kysely';
import type { Static } from 'typebox';
import { jpeg } from '../helpers/photos.js';
import { loadDemo } from '../../db/seed/load.js';
import type { StandardsResponse } from '../../server/schemas/standards.js';
import { DESKTOP, PHONE, RESULTS, ROOT, startE2e, waitForMap, type E2e } from './harness.js';
import { englishCollector } from './zh-text.js';

const TYPE = 'PUBLIC_TOILET';
const SEED = 20261202;

describe('a mock assessment in Chromium (pglite): drawn sample, phone inspector, leader’s 达标率', () => {
  let e2e: E2e<{ street: string; spot: [number, number] }>;
  const { found: english, check } = englishCollector();
  const api = async <T>(method: 'GET' | 'POST', url: string, payload?: object): Promise<T> => {
    const res = await e2e.app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${e2e.adminToken}` },
    });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBeLessThan(300);
    return res.json() as T;
  };
  const inspections = async () =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM inspections`.execute(e2e.handle.db)).rows[0].n);
  /** True once `images` are `n` thumbnails that have loaded (with the token: a real picture). */
  const thumbnailsLoaded = (images: Locator, n: number) =>
    images.evaluateAll(
      (imgs, n) => imgs.length === n && imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0),
      n,
    );

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'e2e',
      seed: async (db) => {
        await loadDemo(db, { blocks: 40, problems: 120 });
        // A street with at least three public toilets (the demo places four in each urban 街道).
        const s = await sql<{ street: string; lon: number; lat: number }>`
          SELECT left(region_code, 9) AS street, min(ST_X(geom)) AS lon, min(ST_Y(geom)) AS lat FROM points
          WHERE type_code = ${TYPE} AND retired_at IS NULL
          GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1`.execute(db);
        expect(s.rows, 'a street with three public toilets').toHaveLength(1);
        return { street: s.rows[0].street, spot: [Number(s.rows[0].lon), Number(s.rows[0].lat)] };
      },
      users: [
        { username: 'e2e-inspector', display_name: '赵督查', role: 'inspector' },
        { username: 'e2e-leader', display_name: '钱领导', role: 'leader' },
      ],
    });
  }, 180_000);

  afterAll(() => e2e?.close());

  /** Logs in at `path`, the browser placed at the street's toilets (a phone: touch). */
  const open = (username: string, viewport = DESKTOP, path = '/') =>
    e2e.openAs(username, { viewport, path, at: e2e.seeded.spot, touch: viewport === PHONE });

  it('draws three points, walks them on the phone with a failed item and its photo, and the leader sees the street’s 达标率 and the problem', async () => {
    const { street } = e2e.seeded;
    // ---- the admin draws the sample (seed recorded) and hands it to the inspector
    const inspectorId = (
      await e2e.handle.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'e2e-inspector')
        .executeTakeFirstOrThrow()
    ).id;
    const drawn = await api<{
      sample: { id: number; seed: number; sizes: Record<string, number>; tasks_total: number };
      tasks: { id: number; point_id: number; point_name: string; region_code: string; assignee_id: number }[];
    }>('POST', '/api/samples', {
      name: '模拟测评（浏览器测试）',
      seed: SEED,
      region: street,
      sizes: { [TYPE]: 3 },
      due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      assignees: [inspectorId],
    });
    expect(drawn.sample.seed).toBe(SEED);
    expect(drawn.sample.sizes).toEqual({ [TYPE]: 3 });
    expect(drawn.tasks).toHaveLength(3);
    for (const task of drawn.tasks) {
      expect(task.region_code.startsWith(street)).toBe(true);
      expect(task.assignee_id).toBe(inspectorId);
    }

    // The checklist the inspector will fill in; the failure is its photo-required item.
    const { standards } = await api<Static<typeof StandardsResponse>>('GET', `/api/standards?type=${TYPE}`);
    const items = standards[0].items;
    const failed = items.find((i) => i.photo_required)!;
    expect(failed, 'a photo-required item').toBeDefined();
    const { categories } = await api<{ categories: { code: string; name: string }[] }>('GET', '/api/categories');
    const failedCategory = categories.find((c) => c.code === failed.category_code)!.name;
    // 达标率 by hand: every item of the three points checked (none 不适用), one failed.
    const perPoint = items.reduce((sum, i) => sum + i.weight, 0);
    const expectedRate = ((3 * perPoint - failed.weight) / (3 * perPoint)) * 100;

    // ---- the inspector, on a phone: the task list, each point opened from it
    const { page } = await open('e2e-inspector', PHONE);
    expect(await page.locator('#sheet').isVisible()).toBe(true);
    const panel = page.locator('#assessment');
    await expect.poll(() => panel.locator('.task-list li[data-task]').count()).toBe(3);
    await check(page, 'inspector tasks');
    const n0 = await inspections();
    let problemId = 0;
    for (const [k, task] of drawn.tasks.entries()) {
      const entry = panel.locator(`.task-list li[data-task="${task.id}"]`);
      expect(await entry.innerText()).toContain(task.point_name);
      await entry.locator('button.inspect-start').click();
      const form = page.locator(`#inspect-form[data-point="${task.point_id}"]`);
      await form.waitFor();
      expect(await form.locator('fieldset.inspect-item').count()).toBe(items.length);
      // Every item starts as 达标.
      expect(await form.locator('input[type=radio][value=pass]:checked').count()).toBe(items.length);
      const last = k === drawn.tasks.length - 1;
      if (last) {
        const item = form.locator(`fieldset[data-item-id="${failed.id}"]`);
        await item.locator('input[type=radio][value=fail]').check();
        // Without its photo the failure is refused before anything is sent.
        await form.locator('#inspect-submit').click();
        await expect.poll(() => panel.locator('[data-inspect-status]').textContent()).toContain(failed.text);
        expect(await panel.locator('[data-inspect-status]').getAttribute('class')).toContain('error');
        expect(await item.getAttribute('class')).toContain('needs-photo');
        expect(await inspections()).toBe(n0 + k);
        await item.locator(`input[name=photo-${failed.id}]`).setInputFiles({
          name: 'toilet.jpg',
          mimeType: 'image/jpeg',
          buffer: await jpeg({ width: 320, height: 240, colour: '#c0392b' }),
        });
        await item.locator('.photo-previews img').waitFor();
        await item.locator('input.item-note').fill('洗手液缺失');
        await check(page, 'inspector form with a failure');
        // The docs' picture: the point, its standard and the failed item with its photo, in the sheet.
        await page.evaluate(() => document.getElementById('assessment')!.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: join(RESULTS, 'screenshot-assessment.png') });
        if (process.env.UPDATE_SCREENSHOTS)
          copyFileSync(join(RESULTS, 'screenshot-assessment.png'), join(ROOT, 'docs', 'screenshot-assessment.png'));
      }
      await form.locator('#inspect-submit').click();
      const record = panel.locator('.inspection-record');
      await record.waitFor({ timeout: 20_000 });
      expect(await inspections()).toBe(n0 + k + 1);
      expect(await record.locator('li.record-item').count()).toBe(items.length);
      if (last) {
        const row = record.locator(`li.record-item[data-item="${failed.code}"]`);
        expect(await row.getAttribute('data-result')).toBe('fail');
        // The record shows the photo's thumbnail (a real image, loaded with the token) and the problem.
        await expect.poll(() => thumbnailsLoaded(row.locator('.photo-strip img.photo-thumb'), 1)).toBe(true);
        const filed = row.locator('[data-problem]');
        problemId = Number(await filed.getAttribute('data-problem'));
        expect(await filed.innerText()).toContain(failedCategory);
        expect(await row.innerText()).toContain('洗手液缺失');
        expect(await record.locator('li.record-item[data-result=fail]').count()).toBe(1);
        await check(page, 'inspector record');
        await page.screenshot({ path: join(RESULTS, 'assessment-phone-record.png') });
      } else {
        expect(await record.locator('li.record-item[data-result=pass]').count()).toBe(items.length);
      }
      await page.locator('#inspect-back').click();
      await expect.poll(() => panel.locator('.task-list li[data-task]').count()).toBe(drawn.tasks.length - k - 1);
    }
    expect(await panel.innerText()).toContain('暂无待检查的任务');
    expect(problemId).toBeGreaterThan(0);

    // The server's record agrees: one problem, of the failed item's category, with its photo.
    const problem = await api<{ properties: { category_code: string; status: string; photos: string[] } }>(
      'GET',
      `/api/problems/${problemId}`,
    );
    expect(problem.properties.category_code).toBe(failed.category_code);
    expect(problem.properties.status).toBe('filed');
    expect(problem.properties.photos).toHaveLength(1);
    const photos = await api<{ photos: { kind: string }[] }>('GET', `/api/problems/${problemId}/photos`);
    expect(photos.photos.map((p) => p.kind)).toEqual(['inspection_item']);

    // ---- the leader, on a desktop: the street's 达标率 and the new problem on the map
    const leader = await open('e2e-leader', DESKTOP);
    const l = leader.page;
    const row = l.locator(`#assessment .standing-table tr[data-code="${street}"]`);
    await row.waitFor();
    expect(await row.locator('td.rate').innerText()).toBe(`${expectedRate.toFixed(1)}%`);
    expect((await row.locator('td').nth(2).innerText()).startsWith('3/')).toBe(true);
    await check(l, 'leader standing');
    await l.goto(`${e2e.origin}/?problem=${problemId}`);
    await waitForMap(l);
    const card = l.locator(`.problem-popup[data-problem-id="${problemId}"]`);
    await card.waitFor();
    expect(await card.innerText()).toContain(`#${problemId} ${failedCategory}`);
    await card.locator('details.history summary').click();
    await expect.poll(() => thumbnailsLoaded(card.locator('.history img.photo-thumb'), 1)).toBe(true);
    await check(l, 'leader problem card');
    await l.screenshot({ path: join(RESULTS, 'assessment-leader.png') });

    // No English text in the zh-CN page at any step.
    expect(english).toEqual({});
  }, 240_000);
});
