/**
 * `npx tsx scripts/qgis-screenshot.ts [out.png]` — the picture in docs/qgis.md.
 *
 * QGIS cannot run on the build machine, so this does what QGIS's OGC API – Features provider does
 * with GDAL itself: the demo county (seed 42, ~600 blocks) in an in-memory PGlite, the app on a
 * free loopback port, `ogr2ogr OAPIF:… → GeoPackage` with an API key in GDAL_HTTP_HEADERS (the
 * county leader's: the whole county), then the GeoPackage converted to GeoJSON
 * by ogr2ogr and drawn (blocks and problems, as QGIS's default renderer would) in headless Chromium.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { openPGlite } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadDemo } from '../db/seed/load.js';
import { seedDemoUsers } from '../db/seed/users.js';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { hashToken } from '../server/plugins/auth.js';

const run = promisify(execFile);
const out = resolve(process.argv[2] ?? 'docs/qgis-oapif.png');
const dir = mkdtempSync(join(tmpdir(), 'qgis-shot-'));
const handle = await openPGlite();
try {
  await migrateToLatest(handle.db);
  await loadDemo(handle.db, { seed: 42, blocks: 600, problems: 4000, days: 60, now: new Date('2026-11-30T04:00:00Z') });
  await seedDemoUsers(handle.db);
  const manager = await handle.db
    .selectFrom('users')
    .select(['id'])
    .where('username', '=', 'leader')
    .executeTakeFirstOrThrow();
  const key = 'pmk_screenshot-community-key';
  await handle.db
    .insertInto('api_keys')
    .values({
      name: 'QGIS',
      user_id: manager.id,
      key_hash: hashToken(key),
      key_prefix: key.slice(0, 10),
      source: 'other',
    })
    .execute();
  const app = await buildApp({
    config: loadConfig({ DEMO: '0', NODE_ENV: 'test' }),
    db: handle,
    ownsDb: false,
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `OAPIF:http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ogc`;
  const gpkg = join(dir, 'county.gpkg');
  const header = ['--config', 'GDAL_HTTP_HEADERS', `X-API-Key: ${key}`];
  for (const [i, layer] of ['blocks', 'communities', 'problems'].entries())
    await run('ogr2ogr', [...header, ...(i ? ['-update'] : []), '-f', 'GPKG', gpkg, url, layer]);
  const layers: Record<string, { features: { geometry: any; properties: Record<string, any> }[] }> = {};
  for (const layer of ['blocks', 'communities', 'problems']) {
    const { stdout } = await run('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', gpkg, layer], { maxBuffer: 64 << 20 });
    layers[layer] = JSON.parse(stdout);
  }
  const info = (await run('ogrinfo', ['-so', '-q', gpkg])).stdout.trim();
  await app.close();

  const html = `<!doctype html><meta charset="utf-8"><style>
    body{margin:0;font:13px system-ui,"WenQuanYi Zen Hei",sans-serif;display:flex;height:100vh}
    aside{width:330px;background:#f0f0f0;border-right:1px solid #bbb;padding:10px;box-sizing:border-box}
    h1{font-size:15px;margin:0 0 8px} pre{font-size:11px;white-space:pre-wrap;background:#fff;padding:6px;border:1px solid #ccc}
    .layer{display:flex;gap:6px;align-items:center;margin:4px 0} .sw{width:14px;height:14px;border:1px solid #555}
    main{flex:1;background:#fff}</style>
    <aside><h1>图层 Layers — OGC API – Features (GDAL OAPIF → GeoPackage)</h1>
    <div class="layer"><span class="sw" style="background:#e4572e;border-radius:50%"></span>problems（${layers.problems.features.length}）</div>
    <div class="layer"><span class="sw" style="background:#cfe3f6"></span>blocks（${layers.blocks.features.length}）</div>
    <div class="layer"><span class="sw" style="background:none;border:2px solid #1d4e89"></span>communities（${layers.communities.features.length}）</div>
    <p>API key of the county leader (县领导, reads the whole county). A block manager's key copies only their own area.</p>
    <pre>ogr2ogr --config GDAL_HTTP_HEADERS "X-API-Key: …" -f GPKG county.gpkg OAPIF:http://HOST/ogc problems\n\nogrinfo -so county.gpkg\n${info.replace(/</g, '&lt;')}</pre></aside>
    <main><svg id="map" width="100%" height="100%"></svg></main>
    <script>
    const layers = ${JSON.stringify(layers)};
    const svg = document.getElementById('map'); const W = svg.clientWidth, H = svg.clientHeight;
    const pts = []; const walk = (c) => typeof c[0] === 'number' ? pts.push(c) : c.forEach(walk);
    for (const f of layers.blocks.features) walk(f.geometry.coordinates);
    const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const k = Math.cos((y0 + y1) / 2 * Math.PI / 180), pad = 30;
    const s = Math.min((W - 2 * pad) / ((x1 - x0) * k), (H - 2 * pad) / (y1 - y0));
    const X = (x) => pad + (x - x0) * k * s, Y = (y) => H - pad - (y - y0) * s;
    const path = (g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).map(poly => poly.map(r => 'M' + r.map(p => X(p[0]) + ',' + Y(p[1])).join('L') + 'Z').join('')).join('');
    const ns = 'http://www.w3.org/2000/svg'; const add = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); svg.appendChild(e); return e; };
    for (const f of layers.blocks.features) add('path', { d: path(f.geometry), fill: '#cfe3f6', stroke: '#6d8fb3', 'stroke-width': 0.6 });
    for (const f of layers.communities.features) add('path', { d: path(f.geometry), fill: 'none', stroke: '#1d4e89', 'stroke-width': 1.4 });
    for (const f of layers.problems.features) add('circle', { cx: X(f.geometry.coordinates[0]), cy: Y(f.geometry.coordinates[1]), r: 1.8, fill: f.properties.overdue ? '#b3001b' : '#e4572e', stroke: '#fff', 'stroke-width': 0.7 });
    </script>`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.setContent(html);
  await page.screenshot({ path: out });
  await browser.close();
  console.log(`wrote ${out}: ${layers.blocks.features.length} blocks, ${layers.problems.features.length} problems`);
} finally {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
}
