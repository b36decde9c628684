/**
 * The county view's first-load transfer with the full demo county, measured in headless Debian
 * Chromium from CDP network events (`Network.loadingFinished.encodedDataLength`: bytes on the
 * wire, headers included, cache disabled). The target is < 2 MB (issue 4).
 *
 *   npm run bench -- web-first-load            # a copy of the PostgreSQL demo template (bench/lib.ts)
 *   DATA_DIR=/path npx tsx bench/web-first-load.ts   # the embedded PGlite database there instead
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and builds dist/web first when it is
 * missing or stale. With DATA_DIR, the first run loads the full demo county into the empty
 * database (a few minutes on PGlite); later runs reopen it. Prints the total, the request count,
 * the time to a coloured map, and the largest transfers. Exits 1 when the total is 2 MB or more.
 *
 * The page's own requests are not all a first visit sends: the service worker registers at once
 * and its install fetches the precache (the shell, MapLibre's worker) from its own target, which
 * the page's CDP session never sees. So the bytes the server wrote on the browser's sockets are
 * printed too, once the worker is active: that second figure is the whole first visit.
 */
import { loadConfig } from '../server/config.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import { TransferMeter, loginThroughForm, startE2e, waitForMap, E2E_PASSWORD } from '../test/e2e/harness.js';
import { figure, mb, openDemoCopy, type BenchDb } from './lib.js';

const LIMIT = 2 * 1024 * 1024;

// PGlite when DATA_DIR is given, else a copy of the PostgreSQL demo template (loaded once for all benches).
const copy: BenchDb | null = process.env.DATA_DIR ? null : await openDemoCopy();
const config = {
  ...loadConfig({ ...process.env, DEMO: '0', NODE_ENV: 'test', DATABASE_URL: copy?.url ?? '' }),
  logLevel: 'warn',
};
// A kept PGlite database outlives the run: the users are new each time.
const username = `bench-leader-${Date.now()}`;
const e2e = await startE2e({
  web: 'production',
  config,
  async open() {
    if (copy) return copy.handle;
    const handle = await createDb(config);
    await migrateToLatest(handle.db);
    if (!(await isDemoLoaded(handle.db))) {
      console.log('loading the full demo county (first run only)…');
      await loadDemo(handle.db, { log: (m: string) => console.log(`  ${m}`) });
    }
    return handle;
  },
  adminName: `bench-admin-${Date.now()}`,
  users: [{ username, display_name: '基准 领导', role: 'leader' }],
});
const { handle, origin } = e2e;
// Every byte the server sends, whichever browser target asked (page, MapLibre's worker, the service worker).
const sockets = new Set<import('node:net').Socket>();
e2e.app.server.on('connection', (socket) => sockets.add(socket));
const written = (): number => [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
let total = 0;
try {
  const { page } = await e2e.newPage({ viewport: { width: 1400, height: 900 } });
  const meter = await TransferMeter.attach(page);
  const started = Date.now();
  await page.goto(origin);
  await loginThroughForm(page, username, E2E_PASSWORD);
  await waitForMap(page, { level: 'street', timeout: 60_000 });
  const ms = Date.now() - started;
  await meter.settle();
  total = meter.bytes;
  const blocks = await handle.db
    .selectFrom('regions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('level', '=', 'block')
    .executeTakeFirst();
  const problems = await handle.db
    .selectFrom('problems')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  console.log(`demo county: ${blocks?.n} blocks, ${problems?.n} problems (${handle.backend})`);
  console.log(
    `county view first load: ${(total / 1024 / 1024).toFixed(2)} MB (${total} bytes) in ${meter.requests} requests; coloured map after ${ms} ms`,
  );
  for (const [url, bytes] of meter.top(10))
    console.log(`  ${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${url.replace(origin, '')}`);
  const atMap = written();
  // The worker's install (its precache) ends when it is active; then nothing more is due.
  const active = await page
    .evaluate(() =>
      Promise.race([
        navigator.serviceWorker.ready.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
      ]),
    )
    .catch(() => false);
  await page.waitForTimeout(1000);
  console.log(
    `server wrote ${atMap} bytes by the coloured map, ${written()} once the service worker was ${active ? 'active' : 'NOT active after 30 s'} (its install included)`,
  );
  console.log(total < LIMIT ? 'OK: under 2 MB' : 'OVER the 2 MB budget');
} finally {
  await e2e.close();
  await copy?.dispose({ handleClosed: true });
}
figure(
  `county view first load (${handle.backend === 'pg' ? 'PostgreSQL' : 'PGlite'} demo, cache off, target < 2 MB)`,
  `${mb(total, 2)} (${total.toLocaleString('en')} bytes) ${total > 0 && total < LIMIT ? 'OK' : 'OVER'}`,
);
process.exit(total > 0 && total < LIMIT ? 0 : 1);
