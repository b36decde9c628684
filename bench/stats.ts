/**
 * Region statistics latency for every block of the demo county on PostgreSQL: the one-statement
 * query (db/queries/stats.ts) alone, and the whole HTTP route (`GET /api/stats/regions?level=block`,
 * JSON of all blocks), plus the county panel and the block rankings.
 *
 *   npm run bench -- stats
 *   RUNS=100 npx tsx bench/stats.ts
 *
 * Runs on a copy of the demo template (bench/lib.ts; PROBLEMS problems, default 20,000, over 90 days).
 */
import { regionCounts } from '../db/queries/stats.js';
import { FULL_SCOPE } from '../db/queries/scope.js';
import {
  benchApp,
  benchUser,
  describeDb,
  envNumber,
  figure,
  formatTiming,
  openDemoCopy,
  time,
  type Timing,
} from './lib.js';

const RUNS = envNumber('RUNS', 30);
/** Plans and buffers warm before timing. */
const WARMUP = 3;

const bench = await openDemoCopy();
const { handle } = bench;
const c = await describeDb(handle.db);
console.log(`PostgreSQL ${c.version}: ${c.blocks} blocks, ${c.problems} problems (${c.open} open)`);

const { token } = await benchUser(handle.db, 'leader');
const now = new Date();
const day = 86_400_000;
const sqlRuns = await time(
  () =>
    regionCounts(handle.db, {
      level: 'block',
      current: { from: new Date(now.getTime() - 30 * day), to: now },
      previous: { from: new Date(now.getTime() - 60 * day), to: new Date(now.getTime() - 30 * day) },
      now,
      filters: {},
      problemScope: FULL_SCOPE,
      regionScope: null,
    }),
  RUNS,
  { warmup: WARMUP },
);
console.log(`regionCounts(level=block), one statement, all blocks: ${formatTiming(sqlRuns)}`);

const app = await benchApp(handle, bench.url);
const headers = { authorization: `Bearer ${token}` };
/** Times GET `url` (must answer 200); resolves to the timing and the body size of the last answer. */
async function timeGet(url: string): Promise<{ t: Timing; bytes: number }> {
  let bytes = 0;
  const t = await time(
    async () => {
      const res = await app.inject({ url, headers });
      if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
      bytes = res.rawPayload.length;
    },
    RUNS,
    { warmup: WARMUP },
  );
  return { t, bytes };
}

const all = await timeGet('/api/stats/regions?level=block');
console.log(
  `GET /api/stats/regions?level=block (HTTP, ${(all.bytes / 1024).toFixed(0)} KB JSON): ${formatTiming(all.t)}`,
);
const filtered = await timeGet('/api/stats/regions?level=block&group=09&tag=创文');
console.log(`GET /api/stats/regions?level=block&group=09&tag=创文: ${formatTiming(filtered.t)}`);
const panel = await timeGet('/api/stats/regions/430121');
console.log(`GET /api/stats/regions/430121 (county panel, 5 statements): ${formatTiming(panel.t)}`);
const rankings = await timeGet('/api/rankings?level=block');
console.log(`GET /api/rankings?level=block: ${formatTiming(rankings.t)}`);

await app.close();
await bench.dispose();

figure(`stats SQL, all ${c.blocks} blocks (regionCounts)`, formatTiming(sqlRuns));
figure(`GET /api/stats/regions?level=block (${(all.bytes / 1024).toFixed(0)} KB)`, formatTiming(all.t));
figure('GET /api/stats/regions/430121 (county panel)', formatTiming(panel.t));
figure('GET /api/rankings?level=block', formatTiming(rankings.t));
