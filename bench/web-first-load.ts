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
 */
import { loadConfig } from '../server/config.js';
import { buildApp } from '../server/app.js';
import { createDb, type DbHandle } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import {
  TransferMeter,
  createUser,
  ensureWebBuilt,
  insertAdminToken,
  launchChromium,
  listen,
  loginThroughForm,
  waitForMap,
} from '../test/e2e/harness.js';
import { figure, mb, openDemoCopy, type BenchDb } from './lib.js';

const LIMIT = 2 * 1024 * 1024;
const PASSWORD = 'bench-password-1';

ensureWebBuilt();
// PGlite when DATA_DIR is given, else a copy of the PostgreSQL demo template (loaded once for all benches).
const copy: BenchDb | null = process.env.DATA_DIR ? null : await openDemoCopy();
const config = {
  ...loadConfig({ ...process.env, DEMO: '0', NODE_ENV: 'test', DATABASE_URL: copy?.url ?? '' }),
  logLevel: 'warn',
};
let handle: DbHandle;
if (copy) handle = copy.handle;
else {
  handle = await createDb(config);
  await migrateToLatest(handle.db);
  if (!(await isDemoLoaded(handle.db))) {
    console.log('loading the full demo county (first run only)…');
    await loadDemo(handle.db, { log: (m: string) => console.log(`  ${m}`) });
  }
}
const username = `bench-leader-${Date.now()}`;
const adminToken = await insertAdminToken(handle.db, `bench-admin-${Date.now()}`);
const app = await buildApp({ config, db: handle, ownsDb: copy === null, logger: false });
await createUser(app, adminToken, { username, display_name: '基准 领导', role: 'leader', password: PASSWORD });
const origin = await listen(app);
const browser = await launchChromium();
let total = 0;
try {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  const meter = await TransferMeter.attach(page);
  const started = Date.now();
  await page.goto(origin);
  await loginThroughForm(page, username, PASSWORD);
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
  console.log(total < LIMIT ? 'OK: under 2 MB' : 'OVER the 2 MB budget');
  await context.close();
} finally {
  await browser.close();
  await app.close();
  await copy?.dispose();
}
figure(
  `county view first load (${handle.backend === 'pg' ? 'PostgreSQL' : 'PGlite'} demo, cache off, target < 2 MB)`,
  `${mb(total, 2)} (${total.toLocaleString('en')} bytes) ${total > 0 && total < LIMIT ? 'OK' : 'OVER'}`,
);
process.exit(total > 0 && total < LIMIT ? 0 : 1);
