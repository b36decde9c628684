/**
 * The record (台账) refuses TRUNCATE as well: the row trigger of the initial schema covers UPDATE
 * and DELETE, but TRUNCATE fires no row triggers, so one statement could erase the whole record.
 * A statement-level trigger (PostgreSQL and PGlite alike) raises instead; it also fires when the
 * table is reached through `TRUNCATE problems CASCADE`. The one sanctioned way around it is
 * `truncateWithRecord` in db/maintenance.ts (demo reset, tests), which disables it inside its own
 * transaction.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TRIGGER problem_events_no_truncate BEFORE TRUNCATE ON problem_events
    FOR EACH STATEMENT EXECUTE FUNCTION problem_events_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS problem_events_no_truncate ON problem_events`.execute(db);
}
