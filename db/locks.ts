/**
 * Work that must run once across every instance sharing the database (timers, sweeps): a
 * transaction-scoped PostgreSQL advisory lock. Several `npm start` processes behind one proxy each
 * run the timer; the one that gets the lock does the work, the others skip that round. The lock
 * ends with the transaction, so a crashed instance never leaves it held. On PGlite there is one
 * process anyway and the same call simply succeeds.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './types.js';

/** Advisory lock keys (one per kind of exclusive work; any int8, chosen to be unlikely elsewhere). */
export const LOCKS = {
  escalationSweep: 4_301_210_001,
} as const;

export type LockOutcome<T> = { ran: true; value: T } | { ran: false };

/** Runs `work` in a transaction holding advisory lock `key`, or returns `{ ran: false }` at once if another session holds it. */
export async function runExclusive<T>(
  db: Kysely<DB>,
  key: number,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<LockOutcome<T>> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${key}::bigint) AS ok`.execute(trx);
    if (!rows[0]?.ok) return { ran: false } as const;
    return { ran: true, value: await work(trx) } as const;
  });
}
