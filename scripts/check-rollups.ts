/**
 * `npm run check:rollups [-- --repair]`
 *
 * Recounts the maintained rollups, the problem-tile bins and the open totals from the problems (DATABASE_URL, else the embedded PGlite under
 * DATA_DIR) and prints every key where they differ. Exit 0 when they agree, 1 when they do not
 * (with `--repair`, the rollups are then rebuilt from the problems), 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../server/config.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { checkRollups, rebuildRollups } from '../db/queries/rollups.js';

let args;
try {
  args = parseArgs({ options: { repair: { type: 'boolean', default: false } }, strict: true }).values;
} catch (err) {
  console.error(`${(err as Error).message}\nusage: npm run check:rollups [-- --repair]`);
  process.exit(2);
}

const config = loadConfigOrExit();
const handle = await createDb(config);
try {
  await migrateToLatest(handle.db);
  const started = Date.now();
  const check = await checkRollups(handle.db);
  const ms = Date.now() - started;
  if (check.total === 0) {
    console.log(
      `rollups consistent: ${check.keys} keys cover ${check.problems} problems; tile bins consistent: ${check.bins.keys} keys; open totals consistent: ${check.openTotals.keys} regions (checked in ${ms} ms)`,
    );
  } else {
    console.log(`rollups differ from the problems at ${check.total} key(s) (checked in ${ms} ms):`);
    for (const d of check.differences)
      console.log(
        `  ${d.region_code} ${d.category_code} ${d.status} day ${d.day} due ${d.due_day}: stored ${d.stored}, actual ${d.actual}`,
      );
    for (const d of check.bins.differences)
      console.log(
        `  tile bin ${d.gx}/${d.gy} ${d.region_code} ${d.category_code} ${d.status} due ${d.due_day}: stored ${d.stored}, actual ${d.actual}`,
      );
    for (const d of check.openTotals.differences)
      console.log(`  open total ${d.region_code}: stored ${d.stored}, actual ${d.actual}`);
    const listed = check.differences.length + check.bins.differences.length + check.openTotals.differences.length;
    if (check.total > listed) console.log(`  … and ${check.total - listed} more`);
    if (args.repair) {
      await rebuildRollups(handle.db);
      console.log('rebuilt from the problems');
    }
    process.exitCode = 1;
  }
} finally {
  await handle.close();
}
