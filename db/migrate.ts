/** Runs the migrations in `db/migrations/` (listed here so bundlers and tsx agree on them). */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as m0000 from './migrations/2026_11_26_0000_create_schema.js';
import * as m2330 from './migrations/2026_12_01_2330_create_photos.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_26_0000_create_schema': m0000,
  '2026_12_01_2330_create_photos': m2330,
};

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
