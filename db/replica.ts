/**
 * Reads on a PostgreSQL streaming replica (`READ_DATABASE_URL`, issue 15).
 *
 * - `db` reads from the replica; a connection it cannot open (replica stopped, unreachable) is
 *   taken from a small pool on the primary instead, and the replica is marked down until the next
 *   successful poll — so a replica going away costs no failed read beyond those already running
 *   on a connection it dropped (those end in 503 DB_UNAVAILABLE like any lost connection).
 * - A poll (every `pollMs`) reads `pg_last_wal_replay_lsn()`: how far the replica has replayed.
 *   Read-your-own-writes compares that with the primary's `pg_current_wal_lsn()` taken after a
 *   client's write (server/plugins/db.ts): until the replica has replayed past it, that client's
 *   reads go to the primary.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { DB } from './types.js';
import { pgPool, type PgOptions } from './index.js';

/** A WAL position `X/Y` (hex) as a number that orders like the position. */
export function parseLsn(text: string | null | undefined): bigint | null {
  if (!text) return null;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export interface ReplicaState {
  /** The last poll reached the replica. */
  healthy: boolean;
  /** The replica's replay position at the last successful poll. */
  replayLsn: bigint | null;
}

export class ReadReplica {
  readonly db: Kysely<DB>;
  private readonly replicaPool: pg.Pool;
  private readonly fallbackPool: pg.Pool;
  private timer: NodeJS.Timeout | null = null;
  private state: ReplicaState = { healthy: false, replayLsn: null };

  constructor(replicaUrl: string, primaryUrl: string, opts: PgOptions & { pollMs?: number } = {}) {
    // A stopped replica refuses at once (ECONNREFUSED); a pool merely busy waits as on the primary.
    this.replicaPool = pgPool(replicaUrl, opts);
    this.fallbackPool = pgPool(primaryUrl, { ...opts, max: Math.max(2, Math.ceil((opts.max ?? 10) / 2)) });
    const pool = {
      connect: async () => {
        if (this.state.healthy) {
          try {
            return await this.replicaPool.connect();
          } catch {
            this.state = { ...this.state, healthy: false };
          }
        }
        return this.fallbackPool.connect();
      },
      end: async () => {
        await Promise.all([this.replicaPool.end(), this.fallbackPool.end()]);
      },
    };
    this.db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    this.pollMs = opts.pollMs ?? 250;
  }

  private readonly pollMs: number;

  /** Polls once now (so the first reads already know the replica's state), then every pollMs. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  async poll(): Promise<ReplicaState> {
    try {
      const r = await this.replicaPool.query<{ lsn: string | null }>(
        'SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text AS lsn',
      );
      this.state = { healthy: true, replayLsn: parseLsn(r.rows[0]?.lsn) };
    } catch {
      this.state = { ...this.state, healthy: false };
    }
    return this.state;
  }

  get current(): ReplicaState {
    return this.state;
  }

  /** True when reads needing every write up to `lsn` may go to the replica. */
  caughtUp(lsn: bigint | null): boolean {
    if (!this.state.healthy) return false;
    if (lsn === null) return true;
    return this.state.replayLsn !== null && this.state.replayLsn >= lsn;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.db.destroy();
  }
}

/** The primary's current WAL position (after a commit: covers that commit). */
export async function primaryLsn(db: Kysely<DB>): Promise<bigint | null> {
  const r = await sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`.execute(db);
  return parseLsn(r.rows[0]?.lsn);
}
