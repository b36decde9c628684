/**
 * The map page's layout in headless Debian Chromium (e2e build, PGlite, a small demo county), at
 * a desktop's 1366×768 and a phone's 390×844: a row picked in the rankings view selects its
 * region the way a click on the map does (the address and the exports follow it), the demo
 * notice and the legend never cover each other, and a problem card with its record opened stays
 * below the page header and on the screen.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadDemo } from '../../db/seed/load.js';
import { DESKTOP, PHONE, RESULTS, startE2e, type E2e } from './harness.js';

type Rect = { x: number; y: number; width: number; height: number };

/** True when the two rectangles share any area. */
function overlap(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('map page layout in Chromium (pglite)', () => {
  let e2e: E2e;

  const openMap = async (path: string, viewport: { width: number; height: number }) =>
    (await e2e.openAs('e2e-leader', { path, viewport })).page;

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'e2e',
      seed: async (db) => {
        await loadDemo(db, { blocks: 60, problems: 600 });
      },
      users: [{ username: 'e2e-leader', display_name: '王县长', role: 'leader' }],
    });
  }, 180_000);

  afterAll(() => e2e?.close());

  it('selects the region of a row picked in the rankings: ?region= in the address and the exports follow it', async () => {
    const page = await openMap('/', DESKTOP);
    await page.locator('#rankings-open').click();
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    const row = page.locator('#rankings-table tbody tr').nth(1);
    const code = (await row.getAttribute('data-code'))!;
    expect(code).toMatch(/^\d{9}$/);
    await row.click();
    await expect.poll(() => new URL(page.url()).searchParams.get('region')).toBe(code);
    // The rankings keep the panel.
    expect(await page.locator('#region-panel').getAttribute('data-view')).toBe('rankings');
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/exports/problems.csv')),
      page.locator('#sidebar [data-export="problems.csv"]').click(),
    ]);
    expect(new URL(request.url()).searchParams.get('region')).toBe(code);
  });

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`keeps the demo notice and the legend apart (${name})`, async () => {
      const page = await openMap('/', viewport);
      await page.locator('.legend-box .legend').waitFor();
      const notice = (await page.locator('.synthetic-notice').boundingBox())!;
      const legend = (await page.locator('.legend-box').boundingBox())!;
      expect(notice.height).toBeGreaterThan(0);
      expect(overlap(notice, legend), JSON.stringify({ notice, legend })).toBe(false);
      await page.screenshot({ path: join(RESULTS, `map-layout-${name}.png`) });
    });

    it(`keeps a problem card with its record opened below the header and on the screen (${name})`, async () => {
      // The problem with the longest record, near the top of its block: the card that grows most.
      const id = (
        await sql<{ id: number }>`SELECT problem_id AS id FROM problem_events
          GROUP BY problem_id ORDER BY count(*) DESC, problem_id LIMIT 1`.execute(e2e.handle.db)
      ).rows[0].id;
      const page = await openMap(`/?problem=${id}`, viewport);
      const card = page.locator(`.problem-popup[data-problem-id="${id}"]`);
      await card.waitFor();
      await card.locator('details.history summary').click();
      const header = (await page.locator('header').first().boundingBox())!;
      await expect
        .poll(
          async () => {
            const box = (await page.locator('.maplibregl-popup').boundingBox())!;
            return (
              box.y >= header.y + header.height &&
              box.y + box.height <= viewport.height &&
              box.x >= 0 &&
              box.x + box.width <= viewport.width
            );
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      await page.screenshot({ path: join(RESULTS, `map-layout-card-${name}.png`) });
    });
  }

  /** Where the map draws each street's point on its surface, in page pixels. */
  const streetPoints = async (page: import('playwright-core').Page) => {
    const streets = (
      await sql<{ code: string; lon: number; lat: number }>`
        SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
        FROM regions WHERE level = 'street' ORDER BY code`.execute(e2e.handle.db)
    ).rows.map((r) => ({ code: r.code, at: [Number(r.lon), Number(r.lat)] as [number, number] }));
    return page.evaluate((list) => {
      const map = (window as any).__e2eMap;
      const box = document.getElementById('map')!.getBoundingClientRect();
      return list.map(({ code, at }) => {
        const p = map.project(at);
        return { code, x: box.x + p.x, y: box.y + p.y };
      });
    }, streets);
  };

  it('keeps the legend folded to its title on a phone: no town of the start view under it, one tap shows the classes', async () => {
    const page = await openMap('/', PHONE);
    const toggle = page.locator('#legend-toggle');
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#legend-body').isVisible()).toBe(false);
    // The title still says what the colours count.
    expect(await toggle.innerText()).toContain('未结案数');
    const legend = (await page.locator('.legend-box').boundingBox())!;
    expect(legend.height).toBeLessThanOrEqual(48);
    const points = await streetPoints(page);
    expect(points.length).toBeGreaterThan(5);
    const covered = points.filter(
      (p) => p.x >= legend.x && p.x <= legend.x + legend.width && p.y >= legend.y && p.y <= legend.y + legend.height,
    );
    expect(covered, JSON.stringify({ legend, covered })).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'map-layout-legend-folded-phone.png') });

    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.locator('#legend-body .swatch').first().waitFor();
    expect(await page.locator('#legend-body').innerText()).toContain('无数据');
    // Kept open when the numbers are drawn again (a change of measure redraws the legend).
    await page.locator('#sidebar select[name=measure]').selectOption('overdue');
    await expect.poll(() => page.locator('#legend-toggle').innerText()).toContain('超期');
    expect(await page.locator('#legend-toggle').getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: join(RESULTS, 'map-layout-legend-open-phone.png') });
  });

  it('shows the legend open on a desktop', async () => {
    const page = await openMap('/', DESKTOP);
    await page.locator('#legend-body .swatch').first().waitFor();
    expect(await page.locator('#legend-toggle').getAttribute('aria-expanded')).toBe('true');
  });

  /**
   * Expects the region `code` whole on the phone's map between the header and the top of
   * `panel`, and filling that space in one direction (a fit, not a region left small in a corner).
   */
  const expectFramed = async (page: import('playwright-core').Page, code: string, panel: string) => {
    const box = (
      await sql<{ w: number; s: number; e: number; n: number }>`
        SELECT ST_XMin(geom) AS w, ST_YMin(geom) AS s, ST_XMax(geom) AS e, ST_YMax(geom) AS n
        FROM regions WHERE code = ${code}`.execute(e2e.handle.db)
    ).rows[0];
    const framed = await page.evaluate(
      ([sel, w, s, e, n]) => {
        const map = (window as any).__e2eMap;
        const el = document.getElementById('map')!.getBoundingClientRect();
        const panelTop = document.querySelector(sel as string)!.getBoundingClientRect().top;
        const sw = map.project([w, s]);
        const ne = map.project([e, n]);
        return { left: el.x + sw.x, right: el.x + ne.x, top: el.y + ne.y, bottom: el.y + sw.y, mapTop: el.y, panelTop };
      },
      [panel, Number(box.w), Number(box.s), Number(box.e), Number(box.n)] as const,
    );
    const free = framed.panelTop - framed.mapTop;
    const msg = JSON.stringify(framed);
    expect(framed.top, msg).toBeGreaterThanOrEqual(framed.mapTop - 1);
    expect(framed.bottom, msg).toBeLessThanOrEqual(framed.panelTop + 1);
    expect(framed.left, msg).toBeGreaterThanOrEqual(-1);
    expect(framed.right, msg).toBeLessThanOrEqual(PHONE.width + 1);
    expect(Math.max((framed.right - framed.left) / PHONE.width, (framed.bottom - framed.top) / free), msg).toBeGreaterThan(
      0.6,
    );
  };

  it('frames a region tapped on the map of a phone above its panel', async () => {
    const { page } = await e2e.openAs('e2e-leader', { viewport: PHONE, touch: true });
    // A street drawn where a finger can reach it: above the sheet, not under the notice or legend.
    const points = await streetPoints(page);
    const target = await page.evaluate((pts) => {
      const sheetTop = document.getElementById('sheet')!.getBoundingClientRect().top;
      return pts.find((p) => {
        const el = document.elementFromPoint(p.x, p.y);
        return p.y < sheetTop - 10 && p.x > 10 && el?.classList.contains('maplibregl-canvas');
      });
    }, points);
    expect(target, JSON.stringify(points)).toBeDefined();
    const before = new URL(page.url()).hash;
    await page.touchscreen.tap(target!.x, target!.y);
    await page.waitForSelector(`#region-panel[data-code="${target!.code}"][data-ready="true"]`);
    await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).not.toBe(before);
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true' && !(window as any).__e2eMap.isMoving());
    await expectFramed(page, target!.code, '#region-panel');
    await page.screenshot({ path: join(RESULTS, 'map-layout-region-tapped-phone.png') });
  });

  it('frames a street picked in the rankings of a phone above the folded rankings sheet', async () => {
    const { page } = await e2e.openAs('e2e-leader', { viewport: PHONE, touch: true });
    await page.locator('#rankings-open').click();
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    const row = page.locator('#rankings-table tbody tr').nth(2);
    const code = (await row.getAttribute('data-code'))!;
    const before = new URL(page.url()).hash;
    await row.tap();
    await expect.poll(() => new URL(page.url()).searchParams.get('region')).toBe(code);
    await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).not.toBe(before);
    await page.waitForFunction(() => document.getElementById('map')?.dataset.idle === 'true' && !(window as any).__e2eMap.isMoving());
    await expectFramed(page, code, '#region-panel');
    await page.screenshot({ path: join(RESULTS, 'map-layout-rankings-picked-phone.png') });
  });

  it("shows a desktop leader the five worst streets of the assessment standing, the filters below it in view, and all on demand", async () => {
    const page = await openMap('/', DESKTOP);
    const toggle = page.locator('#standing-toggle');
    await toggle.waitFor();
    const streets = Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM regions WHERE level = 'street'`.execute(e2e.handle.db))
        .rows[0].n,
    );
    expect(streets).toBeGreaterThan(5);
    const rows = page.locator('#assessment .standing-table tr[data-code]');
    const visible = () => rows.evaluateAll((trs) => trs.filter((tr) => (tr as HTMLElement).offsetParent !== null).length);
    expect(await visible()).toBe(5);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await toggle.innerText()).toBe(`显示全部 ${streets} 个街道`);
    // What follows the table (the filters) starts on the first screen of the side panel.
    const filters = (await page.locator('#filters h2').boundingBox())!;
    expect(filters.y + filters.height).toBeLessThanOrEqual(DESKTOP.height);

    await toggle.click();
    expect(await visible()).toBe(streets);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await toggle.innerText()).toBe('收起');
    await toggle.click();
    expect(await visible()).toBe(5);
  });
});
