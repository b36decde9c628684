/**
 * A minimal `pg.Pool`-shaped adapter over one PGlite instance, so Kysely's own PostgresDialect
 * drives both backends through one code path.
 *
 * Why not a package: `kysely-pglite-dialect` peer-requires pglite ≤ 0.4 (it cannot install beside
 * pglite-postgis 0.2.8), and `kysely-pglite` pulls in a CLI with ~100 dependencies for what is
 * ~40 lines here. PGlite has a single connection, so `connect()` hands it out to one caller at a
 * time (a FIFO mutex); a Kysely transaction holds it until `release()`.
 */
import type { PGlite } from '@electric-sql/pglite';

interface QueryResult {
  command: string;
  rowCount: number;
  rows: unknown[];
}

export interface PGliteClient {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  release(): void;
}

const COMMAND_RE = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(\w+)/;

export class PGlitePool {
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly pg: PGlite) {}

  /** Waits for the connection, then lends it until `release()`. */
  async connect(): Promise<PGliteClient> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let released = false;
    return {
      query: async (text, params) => {
        const result = await this.pg.query(text, params as unknown[] | undefined);
        // Kysely reads `command` to decide whether `rowCount` means "affected rows".
        const command = (COMMAND_RE.exec(text)?.[1] ?? '').toUpperCase();
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release: () => {
        if (!released) {
          released = true;
          release();
        }
      },
    };
  }

  async end(): Promise<void> {
    await this.tail;
    if (!this.pg.closed) await this.pg.close();
  }
}
