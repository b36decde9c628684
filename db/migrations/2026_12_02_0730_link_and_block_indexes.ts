/**
 * Indexes found missing at province scale:
 * - `problems.duplicate_of`, `problems.recurrence_of` and `idempotency_keys.problem_id` reference
 *   problems without an index, so deleting a problem scanned the whole table once per foreign key
 *   (about 600 deletes took over 3 minutes at 200,000 problems). Partial on the non-null links:
 *   almost every row has none, and the foreign-key check (`= $1`) implies NOT NULL.
 * - The blocks' outlines alone: the regions' GiST index holds the streets and communities too,
 *   and each of those overlaps every block inside it, so a point's block lookup (create, import,
 *   hotspots) walked them all; with 20,000 blocks the hotspots' 2,873 lookups took 0.5–0.8 s
 *   instead of 0.3 s (measured on a copy of the L regions).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX problems_duplicate_of_idx ON problems (duplicate_of) WHERE duplicate_of IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX problems_recurrence_of_idx ON problems (recurrence_of) WHERE recurrence_of IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX idempotency_keys_problem_idx ON idempotency_keys (problem_id) WHERE problem_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX regions_block_geom_idx ON regions USING gist (geom) WHERE level = 'block'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of [
    'problems_duplicate_of_idx',
    'problems_recurrence_of_idx',
    'idempotency_keys_problem_idx',
    'regions_block_geom_idx',
  ])
    await sql.raw(`DROP INDEX IF EXISTS ${i}`).execute(db);
}
