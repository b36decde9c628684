/**
 * The installable offline shell, in headless Debian Chromium against the production build
 * (dist/web, the one `npm start` serves, with vite-plugin-pwa's Workbox service worker; the e2e
 * build has none): a block manager on a phone opens the app with signal, the worker takes
 * control, the signal goes (`context.setOffline(true)`), and a reload still shows the shell, the
 * manager's own area (outline, numbers, their list) from what the worker cached, and a report made
 * without signal waits in the outbox ("1 条待上传"). Built once for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadDemo } from '../../db/seed/load.js';
import { PHONE, startE2e, waitForMap, type E2e } from './harness.js';

describe('the offline shell in Chromium (production build with its service worker, pglite)', () => {
  let e2e: E2e<{ block: string; spot: [number, number] }>;

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'production',
      seed: async (db) => {
        await loadDemo(db, { blocks: 40, problems: 400 });
        // The manager owns the block with the most open problems, so their list is not empty.
        const busiest = (
          await sql<{ code: string; lon: number; lat: number }>`
            SELECT r.code, ST_X(ST_PointOnSurface(r.geom)) AS lon, ST_Y(ST_PointOnSurface(r.geom)) AS lat
            FROM regions r
            WHERE r.code = (SELECT region_code FROM problems WHERE status NOT IN ('closed', 'voided')
                            GROUP BY region_code ORDER BY count(*) DESC, region_code LIMIT 1)`.execute(db)
        ).rows[0];
        return { block: busiest.code, spot: [Number(busiest.lon), Number(busiest.lat)] };
      },
      users: ({ block }) => [{ username: 'e2e-manager', display_name: '李网格长', role: 'manager', scope: [block] }],
    });
  }, 600_000);

  afterAll(() => e2e?.close());

  it('reloads without signal with the shell, the own area and the list, and queues a report made offline', async () => {
    const { context, page } = await e2e.openAs('e2e-manager', { viewport: PHONE, at: e2e.seeded.spot, touch: true });

    // The worker installs (precaching the shell) and takes control of the page.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    // A second load with signal goes through the worker, which keeps the area's answers.
    await page.reload();
    await waitForMap(page);
    const list = page.locator('#manager-list li[data-id]');
    await list.first().waitFor();
    const online = await list.evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.id));
    expect(online.length).toBeGreaterThan(0);
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('my-area');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    expect(cached).toEqual(expect.arrayContaining(['/api/auth/me', '/api/categories', '/api/problems']));

    // ---- no signal: the reload is answered by the worker
    await context.setOffline(true);
    await page.reload();
    await page.locator('.topbar').waitFor();
    await waitForMap(page, { timeout: 60_000 });
    expect(await page.locator('#login-form').count()).toBe(0);
    expect(await page.locator('#map').getAttribute('data-stats')).toBe('ready');
    await expect
      .poll(() => list.evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.id)), { timeout: 20_000 })
      .toEqual(online);
    const who = await page.locator('.who').textContent();
    expect(who).toContain('李网格长');

    // ---- a report made without signal waits in the outbox
    await page.locator('#report-here').click();
    const form = page.locator('#add-problem');
    await form.waitFor();
    await form.locator('textarea[name=description]').fill('离线时上报：井盖缺失');
    await form.locator('button[type=submit]').click();
    await page.locator('#add-problem [data-queued]').waitFor();
    await expect.poll(() => page.locator('#outbox').getAttribute('data-pending')).toBe('1');
    expect(await page.locator('#outbox .outbox-pending').textContent()).toBe('1 条待上传');
    const sent = await sql<{ n: string }>`SELECT count(*) AS n FROM problems
      WHERE description = '离线时上报：井盖缺失'`.execute(e2e.handle.db);
    expect(Number(sent.rows[0].n)).toBe(0);

    // ---- signal again: the outbox sends it by itself, once
    await context.setOffline(false);
    await expect.poll(() => page.locator('#outbox').isHidden(), { timeout: 20_000 }).toBe(true);
    const after = await sql<{ n: string }>`SELECT count(*) AS n FROM problems
      WHERE description = '离线时上报：井盖缺失'`.execute(e2e.handle.db);
    expect(Number(after.rows[0].n)).toBe(1);
  }, 240_000);
});
