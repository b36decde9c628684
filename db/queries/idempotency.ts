/**
 * Idempotency keys (the `Idempotency-Key` header of create and transition): the first request
 * with a key claims it inside its own transaction and records what it did; a retry with the same
 * key finds that record and is answered from it instead of writing again. A failed request rolls
 * its claim back with everything else, so a retry after a failure runs for real.
 *
 * Two concurrent requests with one key: on PostgreSQL the second INSERT waits on the primary key
 * until the first commits, then sees the conflict and reads the committed row; on PGlite (one
 * connection) they run in turn.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../types.js';

export interface IdempotencyRecord {
  request: string;
  problem_id: number | null;
  /** The inspection a `POST /api/inspections` wrote. */
  inspection_id: number | null;
  status: number;
}

/**
 * Claims `key` for `request` (e.g. `POST /api/problems`). Returns null when this request is the
 * first (go ahead and write), or the earlier request's record.
 */
export async function claimIdempotencyKey(
  trx: Transaction<DB>,
  userId: number,
  key: string,
  request: string,
): Promise<IdempotencyRecord | null> {
  const inserted = await sql<{ key: string }>`
    INSERT INTO idempotency_keys (user_id, key, request, status) VALUES (${userId}, ${key}, ${request}, 0)
    ON CONFLICT (user_id, key) DO NOTHING RETURNING key`.execute(trx);
  if (inserted.rows.length > 0) return null;
  const prior = await trx
    .selectFrom('idempotency_keys')
    .select(['request', 'problem_id', 'inspection_id', 'status'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { ...prior, inspection_id: prior.inspection_id === null ? null : Number(prior.inspection_id) };
}

/** Records the outcome of the request that claimed `key` (same transaction). */
export async function completeIdempotencyKey(
  trx: Transaction<DB>,
  userId: number,
  key: string,
  problemId: number,
  status: number,
): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ problem_id: problemId, status })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
}

/** Records the inspection the request that claimed `key` wrote (same transaction). */
export async function completeInspectionKey(
  trx: Transaction<DB>,
  userId: number,
  key: string,
  inspectionId: number,
): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ inspection_id: inspectionId, status: 201 })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
}
