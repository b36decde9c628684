/**
 * The installable offline shell, in headless Debian Chromium against the production build
 * (dist/web, the one `npm start` serves, with vite-plugin-pwa's Workbox service worker; the e2e
 * build has none): a block manager on a phone opens the app with signal, the worker takes
 * control, the signal goes (`context.setOffline(true)`), and a reload still shows the shell, the
 * manager's own area (outline, numbers, their list) from what the worker cached, and a report made
 * without signal waits in the outbox ("1 条待上传"). A leader's first visit leaves ECharts (its
 * own chunk) out, and a chart seen once with signal draws again without it. Built once for the file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadDemo } from '../../db/seed/load.js';
import { DESKTOP, PHONE, PRODUCTION_WEB_DIR, startE2e, waitForMap, type E2e } from './harness.js';

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
      users: ({ block }) => [
        { username: 'e2e-manager', display_name: '李网格长', role: 'manager', scope: [block] },
        { username: 'e2e-leader', display_name: '张县长', role: 'leader' },
      ],
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

  it("a first visit downloads MapLibre's worker script once: the service worker registers after the map is drawn", async () => {
    // Every request the server answers, whichever browser target sent it: the page's CDP session
    // never sees the service worker's install, which precaches the same script.
    const served: string[] = [];
    const onRequest = (req: { url?: string }) => served.push(req.url ?? '');
    e2e.app.server.on('request', onRequest);
    try {
      const { page } = await e2e.openAs('e2e-leader', { viewport: PHONE, touch: true });
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
      const precached = await page.evaluate(async () => {
        const names = (await caches.keys()).filter((n) => n.startsWith('workbox-precache'));
        const urls = await Promise.all(names.map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)));
        return urls.flat().map((u) => new URL(u).pathname);
      });
      // Still precached (the map draws offline), but fetched from the server only once.
      expect(precached.some((p) => /maplibre-gl-worker-.+\.mjs$/.test(p))).toBe(true);
      const worker = served.filter((u) => /^\/assets\/maplibre-gl-worker-[^/?]+\.mjs/.test(u));
      expect(worker, served.join('\n')).toHaveLength(1);
      // The worker is asked for only once the map has its numbers: its install (the precache)
      // never competes with the first view on a slow line.
      const sw = served.indexOf('/sw.js');
      const stats = served.findIndex((u) => u.startsWith('/api/stats'));
      expect(stats, served.join('\n')).toBeGreaterThan(-1);
      expect(sw, served.join('\n')).toBeGreaterThan(stats);
      // Nothing of the shell twice (the install reuses what the page loaded).
      const assets = served.filter((u) => u.startsWith('/assets/'));
      expect(assets.length, served.join('\n')).toBe(new Set(assets).size);
    } finally {
      e2e.app.server.off('request', onRequest);
    }
  }, 120_000);

  it("a leader's first visit does not fetch ECharts; a chart seen with signal draws again without it", async () => {
    const chunk = readdirSync(join(PRODUCTION_WEB_DIR, 'assets')).find((f) => /^echarts-setup-.+\.js$/.test(f));
    expect(chunk).toBeDefined();
    const { context, page, requests } = await e2e.openAs('e2e-leader', { viewport: DESKTOP });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    const precached = await page.evaluate(async () => {
      const names = (await caches.keys()).filter((n) => n.startsWith('workbox-precache'));
      const urls = await Promise.all(names.map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)));
      return urls.flat().map((u) => new URL(u).pathname);
    });
    // The worker installed with the shell (MapLibre's worker in it) and without the chart chunk.
    expect(precached.some((p) => p.endsWith('.mjs'))).toBe(true);
    expect(precached.some((p) => p.includes('echarts-setup'))).toBe(false);
    expect(requests.some((u) => u.includes('echarts-setup'))).toBe(false);

    // A street's panel: its trend is the first chart, which fetches the chunk.
    const street = (
      await sql<{ code: string; name: string }>`
        SELECT code, name FROM regions WHERE level = 'street' ORDER BY code LIMIT 1`.execute(e2e.handle.db)
    ).rows[0];
    await page.locator('#region-search').fill(street.name);
    await page.locator(`#search-results button[data-code="${street.code}"]`).click();
    await page.waitForSelector(`#region-panel[data-code="${street.code}"][data-ready="true"]`);
    await page.locator('#region-panel .trend[data-rendered="true"] svg').waitFor();
    expect(requests.some((u) => u.endsWith(`/assets/${chunk}`))).toBe(true);
    // The first load's answers came before the worker controlled the page: a load with signal
    // through it keeps them (the street stays open: it is in the address).
    await page.reload();
    await waitForMap(page);
    await page.locator('#region-panel .trend[data-rendered="true"] svg').waitFor();
    // Kept by the worker itself, not left to the HTTP cache, which the browser may evict.
    const kept = await page.evaluate(async () =>
      (await (await caches.open('lazy-chunks')).keys()).map((r) => new URL(r.url).pathname),
    );
    expect(kept).toContain(`/assets/${chunk}`);

    // ---- no signal: the page reopens on the same street and draws its trend
    await context.setOffline(true);
    await page.reload();
    await waitForMap(page, { timeout: 60_000 });
    await page.waitForSelector(`#region-panel[data-code="${street.code}"][data-ready="true"]`, { timeout: 20_000 });
    await page.locator('#region-panel .trend[data-rendered="true"] svg').waitFor({ timeout: 20_000 });
    expect(await page.locator('#region-panel .trend svg path').count()).toBeGreaterThanOrEqual(2);
    await context.setOffline(false);
  }, 240_000);
});
