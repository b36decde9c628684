import { performance } from 'node:perf_hooks';
import { openPostgres } from '../db/index.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import * as nu from '../db/queries/hotspots.js';
import * as old from './.hotspots-old.tmp.js';
const h = await openPostgres(process.env.U!, 2);
const sel = { filters: {}, scope: FULL_SCOPE } as never;
const t = async (name: string, f: () => Promise<unknown>) => { const s = performance.now(); const r = await f(); const ms = performance.now() - s; console.log(name, ms.toFixed(0), 'ms'); return r; };
const runs = Number(process.env.RUNS ?? 1);
for (let k = 0; k < runs; k++) {
  const a = (await t('dbscan new', () => nu.clusterProblemsDbscan(h.db, sel, 50, 5))) as nu.DbscanResult;
  if (process.env.OLD) { const b = (await t('dbscan old', () => old.clusterProblemsDbscan(h.db, sel, 50, 5))) as nu.DbscanResult;
    const strip = (r: nu.DbscanResult) => JSON.stringify(r.clusters.map((c) => ({ ...c, oldest_open_hours: Math.round(c.oldest_open_hours ?? -1) })));
    console.log('dbscan identical (oldest_open_hours to the hour):', strip(a) === strip(b), a.clusters.length, a.total); }
  const size = Number(process.env.CELL ?? 500); if (process.env.NOHEX) continue;
  const c = (await t(`hex ${size} new`, () => nu.countProblemsPerHexagon(h.db, sel, size))) as nu.HexCellCounts;
  if (process.env.OLD) { const d = (await t(`hex ${size} old`, () => old.countProblemsPerHexagon(h.db, sel, size))) as nu.HexCellCounts;
    console.log('hex identical:', JSON.stringify([c.i, c.j, c.n, [...c.details]]) === JSON.stringify([d.i, d.j, d.n, [...d.details]]), c.details.size); }
}
await h.close();
