/**
 * 督办: open problems overdue longer than a grace period are flagged escalated, each with one
 * 'escalate' record by the actor 'system'. The flag travels with the problem, so the statistics
 * of every parent region (prefix rollups) count it without a separate table.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { OPEN_STATUS_SQL } from './filters.js';
import { HOUR_MS } from '../../domain/time.js';

/** The actor name the sweep writes into the record. */
export const SYSTEM_ACTOR = 'system';

/**
 * Flags every open problem whose deadline passed more than `graceHours` before `now` and that is
 * not escalated yet; writes one event per flagged problem and bumps the map's data version.
 *
 * One statement (data-modifying CTEs), so the flags, the record and the version move together and
 * the sweep costs the same for one problem or ten thousand. Safe to run from several processes:
 * the UPDATE re-checks `NOT escalated` under the row lock, so no problem is escalated twice.
 *
 * @param graceHours hours past `due_at` before escalation (≥ 0)
 * @param now the instant to judge at (default: the current time)
 * @returns how many problems were escalated
 */
export async function escalateOverdue(db: Kysely<DB>, graceHours: number, now: Date = new Date()): Promise<number> {
  if (!Number.isFinite(graceHours) || graceHours < 0) throw new RangeError(`graceHours must be ≥ 0, got ${graceHours}`);
  const cutoff = new Date(now.getTime() - graceHours * HOUR_MS);
  const note = `超期超过 ${graceHours} 小时，系统自动督办`;
  const r = await sql<{ n: number }>`
    WITH hit AS (
      UPDATE problems
         SET escalated = true, escalated_at = ${now}::timestamptz, updated_at = ${now}::timestamptz, version = version + 1
       WHERE NOT escalated AND status IN ${OPEN_STATUS_SQL} AND due_at < ${cutoff}::timestamptz
      RETURNING id, status, due_at, version
    ), logged AS (
      INSERT INTO problem_events (problem_id, at, actor, action, from_status, to_status, note, data)
      SELECT id, ${now}::timestamptz, ${SYSTEM_ACTOR}, 'escalate', status, status, ${note},
             jsonb_build_object('due_at', due_at, 'grace_hours', ${graceHours}::numeric, 'version', version)
        FROM hit
      RETURNING 1
    ), bumped AS (
      UPDATE data_version SET problems = problems + 1 WHERE EXISTS (SELECT 1 FROM hit)
    )
    SELECT count(*)::int AS n FROM logged`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
