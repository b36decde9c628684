/**
 * Entry point: read config, open and migrate the database, load the demo county when asked (or
 * into an empty embedded database), listen, and close gracefully on SIGTERM/SIGINT.
 */
import { loadConfigOrExit } from './config.js';
import { buildApp } from './app.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadDemo, isDemoLoaded } from '../db/seed/load.js';
import { seedDemoUsers, ensureAdmin } from '../db/seed/users.js';
import { assertNoDemoUsersInProduction } from '../db/queries/users.js';

const config = loadConfigOrExit();

const started = Date.now();
const handle = await createDb(config).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
await migrateToLatest(handle.db);

const production = config.nodeEnv === 'production';
const loaded = await isDemoLoaded(handle.db);
const hasRegions = (await handle.db.selectFrom('regions').select('id').limit(1).execute()).length > 0;
if (!loaded && config.demo === 'always' && hasRegions) {
  console.warn(
    'DEMO=1 ignored: this database already holds regions (npm run seed -- --reset replaces them with the demo)',
  );
} else if (
  !loaded &&
  (config.demo === 'always' || (config.demo === 'auto' && handle.backend === 'pglite' && !hasRegions && !production))
) {
  console.log('loading the demo county 长沙县 (synthetic blocks, ~20,000 problems)…');
  const t = Date.now();
  await loadDemo(handle.db, { log: (m: string) => console.log(`  ${m}`) });
  if (!production) await seedDemoUsers(handle.db);
  console.log(`demo county loaded in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
if (config.adminPassword) await ensureAdmin(handle.db, config.adminPassword);
try {
  await assertNoDemoUsersInProduction(handle.db, config.nodeEnv);
} catch (err) {
  console.error((err as Error).message);
  await handle.close();
  process.exit(1);
}

const app = await buildApp({ config, db: handle });
try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  const code = (err as { code?: string }).code;
  console.error(
    code === 'EADDRINUSE'
      ? `port ${config.port} on ${config.host} is already in use: stop the other program or start with PORT=<another port>`
      : `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
  );
  await app.close();
  process.exit(1);
}
console.log(
  `问题地图 Problem Map on http://${config.host}:${config.port} (${handle.backend}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
);

// SIGTERM (systemd, docker stop, a rolling restart behind the proxy): stop accepting connections,
// let the requests in flight finish (new ones on kept-alive connections get 503), close the
// database, exit 0. A request still running after SHUTDOWN_TIMEOUT_MS does not hold the exit.
let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing: draining requests in flight');
    const force = setTimeout(() => {
      app.log.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'requests still in flight at the shutdown timeout; exiting',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    // Fastify closes the connections idle at this moment; a kept-alive connection whose request
    // finishes later would hold the server open, so idle ones are closed as they appear.
    const sweepIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    sweepIdle.unref();
    try {
      await app.close();
    } catch (err) {
      app.log.error({ err }, 'error while closing');
      process.exit(1);
    }
    app.log.info('closed');
    process.exit(0);
  });
}
