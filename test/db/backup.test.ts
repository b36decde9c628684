/**
 * Backups (issue 14, part 7), done as docs/operations.md describes: a pg_dump / pg_restore round
 * trip on PostgreSQL, and a copy of the stopped embedded data directory on PGlite. After the
 * restore, every table's row count and a checksum of its rows equal the original's, and the
 * record is still append-only.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { openPGlite, openPostgres } from '../../db/index.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { DB } from '../../db/types.js';
import { createPgDatabase } from '../helpers/db.js';
import { createWorld } from '../helpers/world.js';
import { insertProblemRows } from '../helpers/problems.js';
import { adminUrl } from '../helpers/pg-url.js';
import { MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../helpers/world.js';

const TABLES = ['regions', 'categories', 'users', 'problems', 'problem_events', 'calendar_overrides'] as const;

/** Per table: row count and the md5 of every row's text in primary-key order. */
async function fingerprint(db: Kysely<DB>): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const t of TABLES) {
    const order = t === 'categories' ? 'code' : t === 'calendar_overrides' ? 'date' : 'id';
    const { rows } = await sql<{ n: number; md5: string | null }>`
      SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x.${sql.ref(order)})) AS md5
      FROM ${sql.table(t)} x`.execute(db);
    out[t] = { rows: rows[0].n, md5: rows[0].md5 };
  }
  return out;
}

/** Some data in every table, and a record with more than one event per problem. */
async function fill(db: Kysely<DB>): Promise<void> {
  await createWorld(db);
  await insertProblemRows(db, [
    { block: MANAGER_BLOCK, status: 'filed', reported: '2026-04-01 09:00', description: '桥下积存垃圾 "引号", 逗号' },
    { block: NEIGHBOUR_BLOCK, status: 'closed', reported: '2026-04-02 09:00', closed: '2026-04-03 09:00' },
  ]);
  await sql`INSERT INTO problem_events (problem_id, actor, action, from_status, to_status, note)
    SELECT id, 'backup-test', 'report', NULL, status, '备份测试' FROM problems`.execute(db);
  await sql`INSERT INTO calendar_overrides (date, kind, note) VALUES ('2026-10-10', 'workday', '调休')`.execute(db);
}

describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL: pg_dump → pg_restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-backup-'));
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores every row (counts and checksums equal) into an empty database, with the guards in place', async () => {
    const source = await createPgDatabase();
    cleanup.push(() => source.drop());
    const h = await openPostgres(source.url, 2);
    await fill(h.db);
    const before = await fingerprint(h.db);
    await h.close();
    expect(before.problems.rows).toBe(2);
    expect(before.problem_events.rows).toBe(2);

    const file = join(dir, 'problem_map.dump');
    execFileSync('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, source.url]);

    const name = `${source.name}_restored`;
    const admin = new pg.Client({ connectionString: adminUrl(source.url, 'postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const restoredUrl = adminUrl(source.url, name);
    cleanup.push(async () => {
      const a = new pg.Client({ connectionString: adminUrl(source.url, 'postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    });
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl}`, file]);

    const r = await openPostgres(restoredUrl, 2);
    try {
      expect(await fingerprint(r.db)).toEqual(before);
      // Nothing left to migrate: the migration history came along.
      expect(await migrateToLatest(r.db)).toEqual([]);
      await expect(sql`TRUNCATE problem_events CASCADE`.execute(r.db)).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM problem_events`.execute(r.db)).rejects.toThrow(/append-only/);
    } finally {
      await r.close();
    }
  }, 180_000);
});

describe('PGlite: a copy of the stopped data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-pglite-backup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens as the same database (counts and checksums equal), with the guards in place', async () => {
    const live = join(dir, 'data');
    // From the run's migrated template (creating a data directory from nothing takes a minute).
    const h = await openPGlite({ dataDir: live, loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) });
    await fill(h.db);
    const before = await fingerprint(h.db);
    await h.close();

    const copy = join(dir, 'data-backup');
    // What docs/operations.md says: stop the service, copy the folder (the lock file is not needed).
    cpSync(live, copy, { recursive: true, filter: (src) => !src.endsWith('.lock') });

    const r = await openPGlite({ dataDir: copy });
    try {
      expect(await fingerprint(r.db)).toEqual(before);
      expect(before.problems.rows).toBe(2);
      expect(await migrateToLatest(r.db)).toEqual([]);
      await expect(sql`TRUNCATE problem_events CASCADE`.execute(r.db)).rejects.toThrow(/append-only/);
    } finally {
      await r.close();
    }
  }, 180_000);
});
