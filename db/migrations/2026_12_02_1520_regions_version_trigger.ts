/**
 * Every write to `regions` moves `data_version.regions`, whatever path it takes: a statement
 * trigger, as the rollups are kept. The region import always bumped it in code; the region tiles'
 * ETag and the problem tiles' memory of which streets lie under a tile (server/routes/tiles.ts)
 * are keyed on it, so a block renamed or redrawn in SQL by an administrator (as `docs/operations.md`
 * allows for repairs) must move it too, or those would stay stale until the next import.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `CREATE FUNCTION regions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE data_version_base SET regions = regions + 1;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER regions_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON regions
     FOR EACH STATEMENT EXECUTE FUNCTION regions_bump_version()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TRIGGER IF EXISTS regions_bump_version ON regions').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS regions_bump_version()').execute(db);
}
