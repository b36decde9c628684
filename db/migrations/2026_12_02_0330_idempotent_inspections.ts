/**
 * Idempotent inspections: an `Idempotency-Key` on `POST /api/inspections` records the inspection
 * it wrote, so the outbox's retry after a lost answer is answered with that inspection instead of
 * recording it (and filing its failed items' problems) a second time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys ADD COLUMN inspection_id bigint REFERENCES inspections (id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys DROP COLUMN inspection_id`.execute(db);
}
