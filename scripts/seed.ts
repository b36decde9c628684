/**
 * `npm run seed -- [--blocks N] [--problems M] [--seed S] [--days D] [--reset]`
 *
 * Loads the demo county into the configured database (DATABASE_URL, else the embedded PGlite under
 * DATA_DIR: stop the server first, a data dir is opened by one process at a time), after running
 * the migrations, and prints how long each step took. `--reset` first empties regions, problems and
 * their record (users and categories stay). Demo users are created unless NODE_ENV=production.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../server/config.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { DEFAULT_SEED, loadDemo, resetDemoData } from '../db/seed/load.js';
import { DEFAULT_BLOCKS } from '../db/seed/partition.js';
import { DEFAULT_PROBLEM_COUNT, DEFAULT_PROBLEM_DAYS } from '../db/seed/problems.js';
import { seedDemoUsers } from '../db/seed/users.js';

const USAGE = `usage: npm run seed -- [--blocks N] [--problems M] [--seed S] [--days D] [--reset]
  --blocks    target number of blocks (default ${DEFAULT_BLOCKS})
  --problems  number of problems (default ${DEFAULT_PROBLEM_COUNT})
  --seed      random seed (default ${DEFAULT_SEED}); same seed, same county
  --days      length of the simulated period in days (default ${DEFAULT_PROBLEM_DAYS})
  --reset     empty regions, problems and their record first`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      blocks: { type: 'string' },
      problems: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const blocks = positiveInt('blocks', args.blocks, DEFAULT_BLOCKS);
const problems = positiveInt('problems', args.problems, DEFAULT_PROBLEM_COUNT, 0);
const seed = positiveInt('seed', args.seed, DEFAULT_SEED, 0);
const days = positiveInt('days', args.days, DEFAULT_PROBLEM_DAYS);

const config = loadConfigOrExit();

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const handle = await createDb(config);
try {
  console.log(
    `database: ${handle.backend === 'pg' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`} — opened in ${seconds(started)}`,
  );
  let t = Date.now();
  await migrateToLatest(handle.db);
  console.log(`migrations: ${seconds(t)}`);
  if (args.reset) {
    t = Date.now();
    await resetDemoData(handle.db);
    console.log(`reset: ${seconds(t)}`);
  }
  t = Date.now();
  console.log(`loading 长沙县 with seed ${seed}, ~${blocks} blocks, ${problems} problems over ${days} days…`);
  const result = await loadDemo(handle.db, { seed, blocks, problems, days, log: (m) => console.log(`  ${m}`) });
  console.log(
    `demo county loaded in ${seconds(t)}: ${result.streets} streets, ${result.communities} communities, ${result.blocks} blocks, ` +
      `${result.problems} problems (${result.overdue} overdue), ${result.events} events`,
  );
  if (config.nodeEnv !== 'production') {
    t = Date.now();
    const users = await seedDemoUsers(handle.db);
    console.log(`demo users (${users.join(', ')}): ${seconds(t)}`);
  }
  console.log(`total ${seconds(started)}`);
} catch (err) {
  console.error(`seed failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
