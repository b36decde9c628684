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
});
