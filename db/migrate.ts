/** Runs the migrations in `db/migrations/` (listed here so bundlers and tsx agree on them). */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as m0000 from './migrations/2026_11_26_0000_create_schema.js';
import * as m20261201_2330 from './migrations/2026_12_01_2330_create_assessment.js';
import * as m2340 from './migrations/2026_12_01_2340_refuse_truncate_problem_events.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_26_0000_create_schema': m0000,
  '2026_12_01_2330_create_assessment': m20261201_2330,
  '2026_12_01_2340_refuse_truncate_problem_events': m2340,
};

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
