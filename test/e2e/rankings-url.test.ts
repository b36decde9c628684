/**
 * The leader's view in headless Debian Chromium (e2e build, PGlite, a small demo county): a link
 * with `?region=` or `?problem=` reopens what it names, a region picked in the panel's ranking
 * list or in the rankings view (考核排名) brings the map to it, the rankings view shows what
 * GET /api/rankings says for the period and level chosen in it, and on a phone the legend steps
 * aside for the problem card and the rankings sheet.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sql, type RawBuilder } from 'kysely';
import { loadDemo } from '../../db/seed/load.js';
import { shanghaiMonth } from '../../domain/time.js';
import { DESKTOP, PHONE, RESULTS, startE2e, waitForMap, type E2e } from './harness.js';

type Box = [number, number, number, number];

interface RankingsBody {
  period: string;
  units: { code: string; name: string; rank: number | null; grade: string | null; score: number | null }[];
}

/** The map's zoom and visible bounds (west, south, east, north), once it has stopped moving. */
async function mapView(page: Page): Promise<{ zoom: number; bounds: Box }> {
  return page.evaluate(
    () =>
      new Promise<{ zoom: number; bounds: Box }>((resolve) => {
        const map = (window as any).__e2eMap;
        const read = () => {
          const b = map.getBounds();
          resolve({ zoom: map.getZoom(), bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] });
        };
        if (map.isMoving()) map.once('moveend', read);
        else read();
      }),
  );
}

/** True when the view holds the box, and the box fills a good part of it (the map was brought to it). */
function framed(view: Box, box: Box): boolean {
  const inside = box[0] >= view[0] && box[1] >= view[1] && box[2] <= view[2] && box[3] <= view[3];
  const share = Math.max((box[2] - box[0]) / (view[2] - view[0]), (box[3] - box[1]) / (view[3] - view[1]));
  return inside && share > 0.3;
}

describe('links, region picks and the rankings view in Chromium (pglite)', () => {
  let e2e: E2e;
  let leaderToken: string;
  let countyZoom: number;

  /** The first row of a query (one the demo county always answers). */
  const first = async <T>(query: RawBuilder<T>): Promise<T> => (await query.execute(e2e.handle.db)).rows[0];
  const bboxOf = async (code: string): Promise<Box> => {
    const r = await first(sql<{ x0: number; y0: number; x1: number; y1: number }>`
      SELECT ST_XMin(geom) x0, ST_YMin(geom) y0, ST_XMax(geom) x1, ST_YMax(geom) y1
      FROM regions WHERE code = ${code}`);
    return [Number(r.x0), Number(r.y0), Number(r.x1), Number(r.y1)];
  };
  const rankings = async (query: string): Promise<RankingsBody> => {
    const res = await e2e.app.inject({
      url: `/api/rankings?${query}`,
      headers: { authorization: `Bearer ${leaderToken}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as RankingsBody;
  };
  const openMap = (path: string, viewport = DESKTOP) => e2e.openAs('e2e-leader', { path, viewport });

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'e2e',
      seed: (db) => loadDemo(db, { blocks: 60, problems: 600 }),
      users: [{ username: 'e2e-leader', display_name: '王县长', role: 'leader' }],
    });
    leaderToken = await e2e.tokenOf('e2e-leader');
    // The zoom at which the whole county fits, to tell a zoom to a region from the first view.
    const { page } = await openMap('/');
    countyZoom = (await mapView(page)).zoom;
  }, 180_000);

  afterAll(() => e2e?.close());

  it('opens /?region=<code> with that region selected, its panel open and the map brought to it', async () => {
    const street = (
      await first(sql<{ code: string }>`SELECT code FROM regions WHERE level = 'street' ORDER BY code DESC LIMIT 1`)
    ).code;
    const { page } = await openMap(`/?region=${street}`);
    await page.waitForSelector(`#region-panel[data-code="${street}"][data-ready="true"]`);
    expect(await page.locator('#region-name').getAttribute('data-code')).toBe(street);
    await page.waitForFunction(() => /#map=/.test(location.hash));
    const view = await mapView(page);
    expect(view.zoom).toBeGreaterThan(countyZoom);
    expect(framed(view.bounds, await bboxOf(street))).toBe(true);
    const selected = await page.evaluate(() => (window as any).__e2eMap.getFilter('regions-street-selected'));
    expect(JSON.stringify(selected)).toContain(street);
    expect(new URL(page.url()).searchParams.get('region')).toBe(street);
  });

  it('opens /?problem=<id> with its card, and closing the card takes it out of the address', async () => {
    const id = (
      await first(sql<{ id: number }>`SELECT id FROM problems WHERE status = 'dispatched' ORDER BY id LIMIT 1`)
    ).id;
    const { page } = await openMap(`/?problem=${id}`);
    const card = page.locator(`.problem-popup[data-problem-id="${id}"]`);
    await card.waitFor();
    expect(await card.innerText()).toContain(`#${id}`);
    expect(new URL(page.url()).searchParams.get('problem')).toBe(String(id));
    await page.locator('.maplibregl-popup-close-button').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('problem')).toBeNull();
  });

  it("zooms the map to a region clicked in the panel's ranking list and puts it in the address", async () => {
    const street = (
      await first(sql<{ code: string }>`SELECT code FROM regions WHERE level = 'street' ORDER BY code LIMIT 1`)
    ).code;
    const { page } = await openMap(`/?region=${street}`);
    await page.waitForSelector(`#region-panel[data-code="${street}"][data-ready="true"]`);
    const before = await mapView(page);
    const child = page.locator('#panel-children li button').first();
    const name = await child.textContent();
    const code = (
      await first(sql<{ code: string }>`SELECT code FROM regions WHERE parent_code = ${street} AND name = ${name}`)
    ).code;
    await child.click();
    await page.waitForSelector(`#region-panel[data-code="${code}"][data-ready="true"]`);
    await expect
      .poll(async () => framed((await mapView(page)).bounds, await bboxOf(code)), { timeout: 10_000 })
      .toBe(true);
    expect((await mapView(page)).zoom).toBeGreaterThan(before.zoom);
    expect(new URL(page.url()).searchParams.get('region')).toBe(code);
  });

  it('shows the rankings of the period and level chosen in it, as GET /api/rankings does, and a row brings the map to its unit', async () => {
    const { page, requests } = await openMap('/');
    await page.locator('#rankings-open').click();
    const panel = page.locator('#region-panel');
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    // This month's streets first, with the bulletin's XLSX beside the table.
    const month = await rankings(`level=street&period=${shanghaiMonth(new Date())}`);
    const rows = panel.locator('#rankings-table tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.code))).toEqual(
      month.units.map((u) => u.code),
    );
    expect(await panel.locator('[data-export="rankings.xlsx"]').isVisible()).toBe(true);
    expect(await panel.locator('thead').innerText()).toMatch(/综合指标值[\s\S]*名次变化/);

    // A year of communities.
    await panel.locator('select[name=rankings-kind]').selectOption('year');
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    await panel.locator('select[name=rankings-level]').selectOption('community');
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    const year = String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());
    expect(
      requests.some(
        (u) => u.includes('/api/rankings?') && u.includes(`period=${year}`) && u.includes('level=community'),
      ),
    ).toBe(true);
    const body = await rankings(`level=community&period=${year}`);
    expect(body.units.length).toBeGreaterThan(1);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent);
        return { code: (tr as HTMLElement).dataset.code, rank: cells[0], name: cells[1], grade: cells[2] };
      }),
    );
    expect(shown).toEqual(
      body.units.map((u) => ({
        code: u.code,
        rank: u.rank === null ? '–' : String(u.rank),
        name: u.name,
        grade: u.grade ?? '–',
      })),
    );
    const scores = await panel
      .locator('#rankings-table td.score')
      .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-score')));
    expect(scores).toEqual(body.units.map((u) => (u.score === null ? '' : String(u.score))));

    // A row: the map frames the unit, which becomes the selected region.
    const pick = body.units[body.units.length - 1];
    const before = await mapView(page);
    await panel.locator(`tr[data-code="${pick.code}"]`).click();
    await expect
      .poll(async () => framed((await mapView(page)).bounds, await bboxOf(pick.code)), { timeout: 10_000 })
      .toBe(true);
    expect((await mapView(page)).zoom).toBeGreaterThan(before.zoom);
    expect(new URL(page.url()).searchParams.get('region')).toBe(pick.code);
    expect(await panel.locator(`tr[data-code="${pick.code}"]`).getAttribute('class')).toContain('picked');

    // In English on the same page.
    await page.locator('#lang-toggle').click();
    await expect.poll(() => panel.locator('h2').first().textContent()).toBe('Rankings');
    expect(await panel.locator('thead').innerText()).toContain('Composite value');
  });

  it('is a bottom sheet on a phone: the table scrolls sideways, a picked unit shows above the folded sheet, and the legend steps aside', async () => {
    const { page } = await openMap('/', PHONE);
    const legend = page.locator('.legend-box');
    expect(await legend.isVisible()).toBe(true);
    await page.locator('#rankings-open').click();
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    await page.locator('select[name=rankings-kind]').selectOption('year');
    await page.waitForSelector('#region-panel[data-view="rankings"][data-ready="true"]');
    const panel = page.locator('#region-panel');
    const sheet = (await panel.boundingBox())!;
    expect(sheet.x).toBe(0);
    expect(sheet.width).toBe(PHONE.width);
    expect(Math.abs(sheet.y + sheet.height - PHONE.height)).toBeLessThan(2);
    const scroll = await panel
      .locator('.rankings-scroll')
      .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroll.scroll).toBeGreaterThan(scroll.client);
    const row = panel.locator('#rankings-table tbody tr').first();
    expect((await row.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    // The panel covers the bottom of the map: the legend is not drawn under it or over it.
    expect(await legend.isVisible()).toBe(false);

    const code = (await row.getAttribute('data-code'))!;
    await row.click();
    await expect.poll(() => panel.getAttribute('class')).toContain('peek');
    const box = await bboxOf(code);
    await expect
      .poll(
        async () => {
          const top = (await panel.boundingBox())!.y;
          return page.evaluate(
            ([b, limit]) => {
              const map = (window as any).__e2eMap;
              if (map.isMoving()) return false;
              const sw = map.project([b[0], b[1]]);
              const ne = map.project([b[2], b[3]]);
              // The unit lies between the top of the map and the top of the folded sheet.
              return ne.y >= 0 && sw.y <= limit && sw.x >= 0 && ne.x <= window.innerWidth;
            },
            [box, top] as const,
          );
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await waitForMap(page);
    await page.screenshot({ path: join(RESULTS, 'rankings-phone.png') });
    const text = await panel.innerText();
    expect(text.match(/[A-Za-z]{2,}/g)?.filter((w) => w !== 'XLSX') ?? []).toEqual([]);

    // A problem card on the small screen: the legend and the demo notice step aside for it.
    await page.locator('#region-panel button.close').click();
    expect(await legend.isVisible()).toBe(true);
    const id = (
      await first(sql<{ id: number }>`SELECT id FROM problems WHERE status = 'dispatched' ORDER BY id DESC LIMIT 1`)
    ).id;
    await page.goto(`${e2e.origin}/?problem=${id}`);
    await waitForMap(page);
    await page.locator(`.problem-popup[data-problem-id="${id}"]`).waitFor();
    expect(await legend.isVisible()).toBe(false);
    expect(await page.locator('.synthetic-notice').isVisible()).toBe(false);
    await page.locator('.maplibregl-popup-close-button').click();
    await expect.poll(() => legend.isVisible()).toBe(true);
  });
});
