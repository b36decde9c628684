/**
 * The map in headless Debian Chromium against the real app (in-process, PGlite, a small demo
 * county): what a leader and a block manager see and do. Each test opens its own browser
 * context (its own session storage) and page; state is read from the DOM, the URL and the
 * network, and what only the canvas shows (feature state, labels) from the e2e build's map.
 * Random picks use a printed seed: `TEST_SEED=<n>` replays them.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { jpeg } from '../helpers/photos.js';
import { loadDemo } from '../../db/seed/load.js';
import { parseView } from '../../web/src/state/url.js';
import { seededRandom, shuffle, testSeed } from '../helpers/random.js';
import {
  DESKTOP,
  E2E_PASSWORD,
  PHONE,
  RESULTS,
  ROOT,
  TransferMeter,
  jumpAndSettle,
  loginThroughForm,
  positionOf,
  startE2e,
  statsSeq,
  waitForMap,
  type E2e,
} from './harness.js';

const SEED = testSeed();

interface StatsRow {
  code: string;
  open: number;
  overdue: number;
  on_time_rate: number | null;
}

describe('web map in Chromium (pglite, small demo county)', () => {
  /** Seeded: the manager's block. */
  let e2e: E2e<string>;
  let leaderToken: string;
  let managerToken: string;
  let managerBlock: string;

  /** Logs in through the form at `path` and waits for the map's numbers at `level`. */
  const openMap = (username: string, path = '/', level?: string, viewport = DESKTOP) =>
    e2e.openAs(username, { path, map: level, viewport });

  const api = async <T>(token: string, url: string): Promise<{ status: number; body: T }> => {
    const res = await e2e.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() as T };
  };

  beforeAll(async () => {
    console.log(`e2e random seed ${SEED} (replay with TEST_SEED=${SEED})`);
    e2e = await startE2e({
      web: 'e2e',
      seed: async (db) => {
        await loadDemo(db, { blocks: 150, problems: 1500 });
        // The manager owns the block with the most open problems, so their list is not empty.
        const busiest = await sql<{ region_code: string }>`SELECT region_code FROM problems
          WHERE status NOT IN ('closed', 'voided') GROUP BY region_code ORDER BY count(*) DESC, region_code LIMIT 1`.execute(
          db,
        );
        return busiest.rows[0].region_code;
      },
      users: (block) => [
        { username: 'e2e-leader', display_name: '王县长', role: 'leader' },
        { username: 'e2e-manager', display_name: '李网格长', role: 'manager', scope: [block] },
      ],
    });
    managerBlock = e2e.seeded;
    leaderToken = await e2e.tokenOf('e2e-leader');
    managerToken = await e2e.tokenOf('e2e-manager');
  }, 180_000);

  afterAll(() => e2e?.close());

  it('loads the county view for a leader offline, with numbers, heat and street labels, in under 2 MB', async () => {
    const { page, requests } = await e2e.newPage();
    const meter = await TransferMeter.attach(page);
    const started = Date.now();
    await page.goto(e2e.origin);
    await loginThroughForm(page, 'e2e-leader', E2E_PASSWORD);
    await waitForMap(page, { level: 'street' });
    const elapsed = Date.now() - started;
    await meter.settle();
    console.log(
      `county view first load: ${(meter.bytes / 1024).toFixed(0)} KiB in ${meter.requests} requests, ${elapsed} ms`,
    );
    for (const [url, bytes] of meter.top(6))
      console.log(`  ${(bytes / 1024).toFixed(0).padStart(6)} KiB ${url.replace(e2e.origin, '')}`);
    expect(meter.bytes).toBeLessThan(2 * 1024 * 1024);

    // Who is logged in, with role and scope.
    await expect(page.locator('#who').textContent()).resolves.toContain('王县长');
    expect(await page.locator('#who .role-badge').textContent()).toBe('领导');
    // A leader only looks: no report button.
    expect(await page.locator('#add-problem-start').count()).toBe(0);

    // Street names are drawn as map labels with no glyph server.
    const labels = await page.evaluate(() => {
      const map = (window as any).__e2eMap;
      return map.queryRenderedFeatures({ layers: ['regions-street-label'] }).map((f: any) => f.properties.name);
    });
    expect(labels.length).toBeGreaterThan(3);
    const streets = await sql<{ name: string }>`SELECT name FROM regions WHERE level = 'street'`.execute(e2e.handle.db);
    expect(streets.rows.map((r) => r.name)).toEqual(expect.arrayContaining(labels));

    // The heat comes from the server's problem tiles; the numbers from the compact map answer.
    expect(requests.some((u) => u.startsWith(`${e2e.origin}/tiles/problems/`))).toBe(true);
    expect(requests.some((u) => u.startsWith(`${e2e.origin}/api/stats/map?`))).toBe(true);
    // Offline: nothing but this server was asked for anything.
    expect(
      requests.filter((u) => !u.startsWith(e2e.origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
    ).toEqual([]);

    // The street colours are the API's open counts.
    const apiStreets = (await api<{ regions: StatsRow[] }>(leaderToken, '/api/stats/regions?level=street')).body
      .regions;
    const state = await page.evaluate(
      (codes) => {
        const map = (window as any).__e2eMap;
        return codes.map((id: string) => map.getFeatureState({ source: 'regions-street', id }));
      },
      apiStreets.map((r) => r.code),
    );
    expect(state.map((s: { open: number }) => s.open)).toEqual(apiStreets.map((r) => r.open));
    // The legend names the measure and the level shown.
    expect(await page.locator('#legend .legend-title').textContent()).toContain('街道');

    await page.screenshot({ path: join(RESULTS, 'county-view.png') });
    // README's screenshot is refreshed on request only, so a test run leaves the work tree clean.
    if (process.env.UPDATE_SCREENSHOTS)
      copyFileSync(join(RESULTS, 'county-view.png'), join(ROOT, 'docs', 'screenshot-county.png'));
  });

  it('renders the county view on a phone (390×844) with its numbers', async () => {
    const { page } = await openMap('e2e-leader', '/', 'street', PHONE);
    // The phone layout itself is issue work of its own; here: the page draws the map and its
    // numbers at this size, with who is logged in.
    const box = await page.locator('#map').boundingBox();
    expect(box!.width).toBeGreaterThan(0);
    expect(box!.height).toBeGreaterThan(0);
    await expect(page.locator('#who').textContent()).resolves.toContain('王县长');
    expect(await page.locator('#legend .legend-title').textContent()).toContain('街道');
    await page.screenshot({ path: join(RESULTS, 'county-view-phone.png') });
  });

  it('shows the API numbers as block feature state for three random blocks', async () => {
    const { page } = await openMap('e2e-leader', '/', 'street');
    const seq = await statsSeq(page);
    await page.locator('select[name=level]').selectOption('block');
    await waitForMap(page, { level: 'block', afterSeq: seq });
    expect(parseView(new URL(page.url()).search, '').level).toBe('block');
    const rows = (await api<{ regions: StatsRow[] }>(leaderToken, '/api/stats/regions?level=block')).body.regions;
    expect(rows.length).toBeGreaterThan(100);
    const picked = shuffle(rows, seededRandom(SEED)).slice(0, 3);
    const states = await page.evaluate(
      (codes) => {
        const map = (window as any).__e2eMap;
        return codes.map((id: string) => map.getFeatureState({ source: 'regions-block', id }));
      },
      picked.map((r) => r.code),
    );
    picked.forEach((row, i) => {
      const why = `block ${row.code} (TEST_SEED=${SEED})`;
      expect(states[i], why).toMatchObject({ open: row.open, overdue: row.overdue, value: row.open });
      // Open and overdue come from /api/stats/map, which carries no rates.
      expect(states[i].on_time_rate, why).toBeNull();
    });
  });

  it('opens the region panel on a click with the same numbers as the API', async () => {
    const { page } = await openMap('e2e-leader', '/?level=block', 'block');
    // A block with open items; click a point inside it at a zoom where single problems are not drawn.
    const row = (
      await sql<{ code: string; lon: number; lat: number }>`
      SELECT r.code, ST_X(ST_PointOnSurface(r.geom)) AS lon, ST_Y(ST_PointOnSurface(r.geom)) AS lat
      FROM regions r WHERE r.level = 'block' AND r.code = ${managerBlock}`.execute(e2e.handle.db)
    ).rows[0];
    await jumpAndSettle(page, [row.lon, row.lat], 12.6);
    // A pixel inside the block where no problem cluster is drawn (a cluster click zooms in instead).
    const point = await page.evaluate(
      ([lon, lat, code]) => {
        const map = (window as any).__e2eMap;
        const p = map.project([lon, lat]);
        const r = map.getCanvas().getBoundingClientRect();
        for (let d = 0; d <= 40; d += 4) {
          for (const [dx, dy] of [
            [0, 0],
            [d, 0],
            [-d, 0],
            [0, d],
            [0, -d],
            [d, d],
            [-d, -d],
            [d, -d],
            [-d, d],
          ]) {
            const q = [p.x + dx, p.y + dy];
            const block = map.queryRenderedFeatures(q, { layers: ['regions-block-fill'] })[0];
            const busy = map.queryRenderedFeatures(
              [
                [q[0] - 12, q[1] - 12],
                [q[0] + 12, q[1] + 12],
              ],
              { layers: ['problems-cells', 'problems-points'] },
            );
            if (block?.properties.code === code && busy.length === 0) return { x: r.left + q[0], y: r.top + q[1] };
          }
        }
        return null;
      },
      [row.lon, row.lat, row.code] as const,
    );
    expect(point).not.toBeNull();
    await page.mouse.click(point!.x, point!.y);
    await page.waitForSelector(`#region-panel[data-code="${row.code}"][data-ready="true"]`);
    const shown = Object.fromEntries(
      await Promise.all(
        ['open', 'overdue', 'closed_in_period'].map(async (k) => [
          k,
          Number((await page.locator(`#region-panel [data-stat=${k}] .value`).textContent())!.replace(/,/g, '')),
        ]),
      ),
    );
    const panel = (
      await api<{ totals: { open: number; overdue: number; closed_in_period: number }; categories: unknown[] }>(
        leaderToken,
        `/api/stats/regions/${row.code}`,
      )
    ).body;
    expect(shown).toEqual({
      open: panel.totals.open,
      overdue: panel.totals.overdue,
      closed_in_period: panel.totals.closed_in_period,
    });
    expect(panel.totals.open).toBeGreaterThan(0);
    // The trend is an ECharts chart (SVG renderer): drawn, with its two series' lines.
    await page.locator('#region-panel .trend[data-rendered="true"] svg').waitFor();
    expect(await page.locator('#region-panel .trend svg path').count()).toBeGreaterThanOrEqual(2);
  });

  it('changes the numbers and the tiles query on a filter change without fetching any geometry again', async () => {
    const { page, requests } = await openMap('e2e-leader', '/?level=block', 'block');
    const before = requests.length;
    const seq = await statsSeq(page);
    await page.locator('#filters input[name=overdue]').check();
    await waitForMap(page, { level: 'block', afterSeq: seq });
    const after = requests.slice(before);
    expect(after.filter((u) => /\/api\/regions(\?|$)/.test(u) || u.includes('/tiles/regions/'))).toEqual([]);
    // The open measure comes from the compact map numbers, not the full indicator table.
    expect(after.some((u) => u.includes('/api/stats/map?') && u.includes('overdue=true'))).toBe(true);
    expect(after.some((u) => u.includes('/api/stats/regions?'))).toBe(false);
    expect(after.some((u) => u.includes('/tiles/problems/') && u.includes('overdue=true'))).toBe(true);
    expect(page.url()).toContain('overdue=1');

    const filtered = (await api<{ regions: StatsRow[] }>(leaderToken, '/api/stats/regions?level=block&overdue=true'))
      .body.regions;
    const all = (await api<{ regions: StatsRow[] }>(leaderToken, '/api/stats/regions?level=block')).body.regions;
    const changed = filtered.filter((r) => r.open !== all.find((a) => a.code === r.code)!.open);
    expect(changed.length).toBeGreaterThan(0);
    const sample = changed.slice(0, 3);
    const states = await page.evaluate(
      (codes) => {
        const map = (window as any).__e2eMap;
        return codes.map((id: string) => map.getFeatureState({ source: 'regions-block', id }).open);
      },
      sample.map((r) => r.code),
    );
    expect(states).toEqual(sample.map((r) => r.open));
  });

  it('reproduces the view from a link', async () => {
    const { context, page } = await openMap('e2e-leader', '/?level=block&overdue=1', 'block');
    await jumpAndSettle(page, [113.1, 28.3], 11.4);
    await page.waitForFunction(() => /#map=11\.40\//.test(location.hash));
    const url = page.url();
    const second = await context.newPage();
    await second.goto(url);
    // The token lives in the tab's sessionStorage: a new tab logs in, and the link survives it.
    await loginThroughForm(second, 'e2e-leader', E2E_PASSWORD);
    await waitForMap(second, { level: 'block' });
    const link = new URL(second.url());
    const view = parseView(link.search, link.hash);
    expect(view.filters.overdue).toBe(true);
    expect(view.level).toBe('block');
    expect(await second.locator('select[name=level]').inputValue()).toBe('block');
    expect(await second.locator('#filters input[name=overdue]').isChecked()).toBe(true);
    const [a, b] = [positionOf(url), positionOf(second.url())];
    expect(b.zoom).toBeCloseTo(a.zoom, 1);
    expect(b.lat).toBeCloseTo(a.lat, 3);
    expect(b.lon).toBeCloseTo(a.lon, 3);
  });

  it('finds a region by name and flies to it with its panel open', async () => {
    const { page } = await openMap('e2e-leader', '/', 'street');
    const street = (
      await sql<{
        code: string;
        name: string;
      }>`SELECT code, name FROM regions WHERE level = 'street' ORDER BY code LIMIT 1`.execute(e2e.handle.db)
    ).rows[0];
    await page.locator('#region-search').fill(street.name.slice(0, 2));
    await page.locator(`#search-results button[data-code="${street.code}"]`).click();
    await page.waitForSelector(`#region-panel[data-code="${street.code}"][data-ready="true"]`);
    expect(await page.locator('#region-name').getAttribute('data-code')).toBe(street.code);
    await waitForMap(page);
    const centre = positionOf(page.url());
    const box = (
      await sql<{
        x0: number;
        y0: number;
        x1: number;
        y1: number;
      }>`SELECT ST_XMin(geom) x0, ST_YMin(geom) y0, ST_XMax(geom) x1, ST_YMax(geom) y1 FROM regions WHERE code = ${street.code}`.execute(
        e2e.handle.db,
      )
    ).rows[0];
    expect(centre.lon).toBeGreaterThan(box.x0);
    expect(centre.lon).toBeLessThan(box.x1);
    expect(centre.lat).toBeGreaterThan(box.y0);
    expect(centre.lat).toBeLessThan(box.y1);
  });

  it('shows a manager only their area, and no point of another block is drawn or opens', async () => {
    const { page } = await e2e.newPage();
    // The numbers come from /api/stats/map (codes and values as arrays) for the open measure.
    const statsResponses: { codes: string[] }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/stats/map?') && r.status() === 200) void r.json().then((b) => statsResponses.push(b));
    });
    await page.goto(e2e.origin);
    await loginThroughForm(page, 'e2e-manager', E2E_PASSWORD);
    await waitForMap(page, { level: 'block' });
    await page.waitForSelector('#manager-list li[data-id]');

    // Every number the page received belongs to the manager's block.
    const codes = statsResponses.flatMap((b) => b.codes);
    expect(codes.length).toBeGreaterThan(0);
    for (const c of codes) expect(c.startsWith(managerBlock)).toBe(true);
    // The map fits the area and greys out the rest.
    expect(positionOf(page.url()).zoom).toBeGreaterThan(11);
    const mask = await page.evaluate(() => {
      const data = (window as any).__e2eMap.getSource('scope-mask').serialize().data;
      return { features: data.features.length, holes: data.features[0]?.geometry.coordinates.length - 1 };
    });
    expect(mask.features).toBe(1);
    expect(mask.holes).toBeGreaterThanOrEqual(1);

    // The list holds their open items.
    const listed = await page
      .locator('#manager-list li[data-id]')
      .evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.id)));
    const own = await sql<{
      id: number;
    }>`SELECT id FROM problems WHERE region_code LIKE ${`${managerBlock}%`} AND status NOT IN ('closed', 'voided')`.execute(
      e2e.handle.db,
    );
    expect(new Set(listed)).toEqual(new Set(own.rows.map((r) => r.id)));

    // Their own open problem is drawn as a point; an open problem of another block is not, and a
    // click where it lies opens nothing (the API answers 404 for it).
    const at = async (id: number) =>
      (
        await sql<{
          lon: number;
          lat: number;
        }>`SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM problems WHERE id = ${id}`.execute(e2e.handle.db)
      ).rows[0];
    const drawnNear = (lonLat: [number, number]) =>
      page.evaluate((ll) => {
        const map = (window as any).__e2eMap;
        const p = map.project(ll);
        return map
          .queryRenderedFeatures(
            [
              [p.x - 6, p.y - 6],
              [p.x + 6, p.y + 6],
            ],
            { layers: ['problems-points'] },
          )
          .map((f: any) => Number(f.id ?? f.properties.id));
      }, lonLat);
    const mine = listed[0];
    const minePoint = await at(mine);
    await jumpAndSettle(page, [minePoint.lon, minePoint.lat], 16);
    expect(await drawnNear([minePoint.lon, minePoint.lat])).toContain(mine);
    const elsewhere = (
      await sql<{
        id: number;
      }>`SELECT id FROM problems WHERE region_code NOT LIKE ${`${managerBlock}%`} AND status NOT IN ('closed', 'voided') ORDER BY id LIMIT 1`.execute(
        e2e.handle.db,
      )
    ).rows[0].id;
    expect((await api(managerToken, `/api/problems/${elsewhere}`)).status).toBe(404);
    const elsewherePoint = await at(elsewhere);
    await jumpAndSettle(page, [elsewherePoint.lon, elsewherePoint.lat], 16);
    expect(await drawnNear([elsewherePoint.lon, elsewherePoint.lat])).not.toContain(elsewhere);
    const box = (await page.locator('#map canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(500);
    expect(await page.locator('.maplibregl-popup').count()).toBe(0);
    expect(await page.locator('#region-panel').isHidden()).toBe(true);

    // Their own problem opens from the list, with its actions.
    await page.locator(`#manager-list li[data-id="${mine}"] .item-head button`).click();
    await page.waitForSelector(`.problem-popup[data-problem-id="${mine}"]`);
    expect(await page.locator('.problem-popup button.action').count()).toBeGreaterThan(0);

    // A transition from the popup (resolve through its note form), sent with the version seen.
    const action = await page.locator('.problem-popup button.action').evaluateAll((bs) =>
      (() => {
        const actions = bs.map((b) => (b as HTMLElement).dataset.action!);
        return actions.find((a) => ['file', 'dispatch', 'start'].includes(a)) ?? actions.find((a) => a === 'resolve');
      })(),
    );
    expect(action).toBeDefined();
    const before = (
      await api<{ properties: { status: string; version: number } }>(managerToken, `/api/problems/${mine}`)
    ).body.properties;
    await page.locator(`.problem-popup button.action[data-action=${action}]`).click();
    // Resolving needs a note (what was done) and takes after-photos: its small form comes first.
    if (action === 'resolve') {
      const card = page.locator(`.problem-popup[data-problem-id="${mine}"]`);
      await card.locator('textarea[name=note]').fill('已清理');
      await card.locator('button[data-submit=resolve]').click();
    }
    await expect
      .poll(
        async () =>
          (await api<{ properties: { version: number } }>(managerToken, `/api/problems/${mine}`)).body.properties
            .version,
        { timeout: 10_000 },
      )
      .toBe(before.version + 1);
    await page.waitForSelector(`.problem-popup[data-problem-id="${mine}"]`);
    await page.screenshot({ path: join(RESULTS, 'manager-view.png') });

    // Report a problem by clicking the map inside the area.
    await page.keyboard.press('Escape');
    await page.locator('#add-problem-start').click();
    const inside = (
      await sql<{
        lon: number;
        lat: number;
      }>`SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM regions WHERE code = ${managerBlock}`.execute(
        e2e.handle.db,
      )
    ).rows[0];
    await jumpAndSettle(page, [inside.lon, inside.lat], 15);
    const px = await page.evaluate(
      ([lon, lat]) => {
        const map = (window as any).__e2eMap;
        const p = map.project([lon, lat]);
        const r = map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [inside.lon, inside.lat] as const,
    );
    await page.mouse.click(px.x, px.y);
    await page.locator('#add-problem select[name=category_code]').selectOption('06010');
    await page.locator('#add-problem textarea[name=description]').fill('E2E 测试：路边暴露垃圾');
    await page
      .locator('#add-problem input[name=photos]')
      .setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await jpeg() });
    await page.locator('#add-problem button[type=submit]').click();
    const created = Number(
      await (await page.waitForSelector('#add-problem [data-created]')).getAttribute('data-created'),
    );
    const row = (
      await sql<{
        region_code: string;
        category_code: string;
        photos: string[];
      }>`SELECT region_code, category_code, photos FROM problems WHERE id = ${created}`.execute(e2e.handle.db)
    ).rows[0];
    expect(row).toMatchObject({
      region_code: managerBlock,
      category_code: '06010',
      photos: [expect.stringMatching(/^\/api\/photos\/\d+$/)],
    });

    if (process.env.UPDATE_SCREENSHOTS)
      copyFileSync(join(RESULTS, 'manager-view.png'), join(ROOT, 'docs', 'screenshot-manager.png'));
  });
});
