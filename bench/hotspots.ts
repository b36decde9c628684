/**
 * Time of a hotspot run over all open problems of the demo county on PostgreSQL: DBSCAN (eps 50 m,
 * min 5; eps 100 m, min 10) and Getis-Ord Gi* (hexagons of 250 m and 100 m), the analysis alone
 * (`runHotspots`) and the HTTP route with its JSON (and the xlsx export).
 *
 *   npm run bench -- hotspots
 *   RUNS=20 npx tsx bench/hotspots.ts
 *
 * Runs on a copy of the demo template (bench/lib.ts; PROBLEMS problems, default 20,000).
 */
import { FULL_SCOPE } from '../db/queries/scope.js';
import { runHotspots } from '../server/services/hotspots.js';
import { benchApp, benchUser, describeDb, envNumber, figure, formatTiming, openDemoCopy, time } from './lib.js';

const RUNS = envNumber('RUNS', 10);

const bench = await openDemoCopy();
const { handle } = bench;
const c = await describeDb(handle.db);
console.log(`PostgreSQL ${c.version}: ${c.problems} problems, ${c.open} open (the default selection)`);

const cases = [
  { label: 'DBSCAN eps 50 m, min 5', q: { method: 'dbscan' as const, eps_m: 50, min_points: 5 } },
  { label: 'DBSCAN eps 100 m, min 10', q: { method: 'dbscan' as const, eps_m: 100, min_points: 10 } },
  { label: 'Gi* hexagons 250 m', q: { method: 'gistar' as const, cell_m: 250 } },
  { label: 'Gi* hexagons 100 m', q: { method: 'gistar' as const, cell_m: 100 } },
];
const figures: [string, string][] = [];
for (const k of cases) {
  let describe = '';
  const t = await time(async () => {
    const r = await runHotspots(handle.db, k.q, FULL_SCOPE);
    const hot = r.features.filter((f) => (f.properties.bin as number) > 0).length;
    describe =
      r.method === 'dbscan'
        ? `${r.features.length} clusters, ${r.noise} noise`
        : `${r.cells_total} cells, ${r.features.length} listed, ${hot} hot`;
  }, RUNS);
  console.log(`${k.label} over all open problems (${describe}): ${formatTiming(t)}`);
  figures.push([`hotspots ${k.label}, ${c.open} open problems (${describe})`, formatTiming(t)]);
}

const { token } = await benchUser(handle.db, 'leader');
const app = await benchApp(handle, bench.url);
for (const url of [
  '/api/hotspots?method=dbscan&eps_m=50&min_points=5',
  '/api/hotspots?method=gistar&cell_m=250',
  '/api/exports/hotspots.xlsx?method=gistar&cell_m=250',
]) {
  let bytes = 0;
  const t = await time(async () => {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
    bytes = res.rawPayload.length;
  }, RUNS);
  console.log(`GET ${url} (${(bytes / 1024).toFixed(0)} KB): ${formatTiming(t)}`);
}
await app.close();
await bench.dispose();

for (const [name, value] of figures) figure(name, value);
