/**
 * The county view's first-load transfer with the full demo county, measured in headless Debian
 * Chromium from CDP network events (`Network.loadingFinished.encodedDataLength`: bytes on the
 * wire, headers included, cache disabled). The target is < 2 MB (issue 4).
 *
 *   npx tsx bench/web-first-load.ts            # embedded database under DATA_DIR (default ./scratch/data-bench)
 *   DATA_DIR=/path npx tsx bench/web-first-load.ts
 *
 * The first run loads the full demo county into the empty database (a few minutes on PGlite);
 * later runs reopen it. Prints the total, the request count, the time to a coloured map, and the
 * largest transfers. Exits 1 when the total is 2 MB or more.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../server/config.js';
import { buildApp } from '../server/app.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { isDemoLoaded, loadDemo } from '../db/seed/load.js';
import {
  ROOT,
  TransferMeter,
  createUser,
  ensureWebBuilt,
  insertAdminToken,
  launchChromium,
  listen,
  loginThroughForm,
  waitForMap,
} from '../test/e2e/harness.js';

const LIMIT = 2 * 1024 * 1024;
const PASSWORD = 'bench-password-1';

const config = {
  ...loadConfig({
    ...process.env,
    DATA_DIR: process.env.DATA_DIR ?? resolve(ROOT, 'scratch', 'data-bench'),
    DEMO: '0',
  }),
  logLevel: 'warn',
};
ensureWebBuilt();
const handle = await createDb(config);
await migrateToLatest(handle.db);
if (!(await isDemoLoaded(handle.db))) {
  console.log('loading the full demo county (first run only)…');
  await loadDemo(handle.db, { log: (m: string) => console.log(`  ${m}`) });
}
const username = `bench-leader-${Date.now()}`;
const adminToken = await insertAdminToken(handle.db, `bench-admin-${Date.now()}`);
const app = await buildApp({ config, db: handle, ownsDb: true, logger: false });
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
}
process.exit(total > 0 && total < LIMIT ? 0 : 1);
