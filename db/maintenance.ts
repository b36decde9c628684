/**
 * Maintenance that must step around the record's guards, in one place. Nothing in the service
 * calls this; the demo reset (`npm run seed -- --reset`) and tests do.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './types.js';

const TABLE = /^[a-z_]+$/;

/**
 * TRUNCATE … RESTART IDENTITY CASCADE of `tables` (which may include problem_events) in one
 * transaction, with the record's TRUNCATE guard switched off for that transaction only: on any
 * failure it rolls back with the guard still on.
 */
export async function truncateWithRecord(db: Kysely<DB>, tables: readonly string[]): Promise<void> {
  for (const t of tables) if (!TABLE.test(t)) throw new Error(`not a table name: ${t}`);
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE problem_events DISABLE TRIGGER problem_events_no_truncate`.execute(trx);
    await sql.raw(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`).execute(trx);
    await sql`ALTER TABLE problem_events ENABLE TRIGGER problem_events_no_truncate`.execute(trx);
  });
}
