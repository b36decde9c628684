/** Runs the migrations in `db/migrations/` (listed here so bundlers and tsx agree on them). */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as m0000 from './migrations/2026_11_26_0000_create_schema.js';
import * as m20261201_2330a from './migrations/2026_12_01_2330_create_assessment.js';
import * as m20261201_2330p from './migrations/2026_12_01_2330_create_photos.js';
import * as m20261201_2330r from './migrations/2026_12_01_2330_create_problem_rollups.js';
import * as m20261201_2340 from './migrations/2026_12_01_2340_refuse_truncate_problem_events.js';
import * as m20261202_0100 from './migrations/2026_12_02_0100_create_campaigns.js';
import * as m20261202_0110 from './migrations/2026_12_02_0110_create_api_keys.js';
import * as m20261202_0300 from './migrations/2026_12_02_0300_create_problem_tile_bins.js';
import * as m20261202_0320 from './migrations/2026_12_02_0320_data_version_without_create_lock.js';
import * as m20261202_0330 from './migrations/2026_12_02_0330_idempotent_inspections.js';
import * as m20261202_0730 from './migrations/2026_12_02_0730_link_and_block_indexes.js';
import * as m20261202_0740 from './migrations/2026_12_02_0740_open_street_due_index.js';
import * as m20261202_1500 from './migrations/2026_12_02_1500_problem_open_totals.js';
import * as m20261202_1510 from './migrations/2026_12_02_1510_open_problem_cover_index.js';
import * as m20261202_1520 from './migrations/2026_12_02_1520_regions_version_trigger.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_26_0000_create_schema': m0000,
  '2026_12_01_2330_create_assessment': m20261201_2330a,
  '2026_12_01_2330_create_photos': m20261201_2330p,
  '2026_12_01_2330_create_problem_rollups': m20261201_2330r,
  '2026_12_01_2340_refuse_truncate_problem_events': m20261201_2340,
  '2026_12_02_0100_create_campaigns': m20261202_0100,
  '2026_12_02_0110_create_api_keys': m20261202_0110,
  '2026_12_02_0300_create_problem_tile_bins': m20261202_0300,
  '2026_12_02_0320_data_version_without_create_lock': m20261202_0320,
  '2026_12_02_0330_idempotent_inspections': m20261202_0330,
  '2026_12_02_0730_link_and_block_indexes': m20261202_0730,
  '2026_12_02_0740_open_street_due_index': m20261202_0740,
  '2026_12_02_1500_problem_open_totals': m20261202_1500,
  '2026_12_02_1510_open_problem_cover_index': m20261202_1510,
  '2026_12_02_1520_regions_version_trigger': m20261202_1520,
};

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
