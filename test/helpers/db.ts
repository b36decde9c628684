/**
 * The backends every database test runs on: PGlite always; PostgreSQL + PostGIS when
 * TEST_DATABASE_URL is set (.ci/run sets it). Use with `describe.each(BACKENDS)`.
 */
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { openPGlite, openPostgres, type DbHandle } from '../../db/index.js';
import type { DB } from '../../db/types.js';
import { truncateWithRecord } from '../../db/maintenance.js';
import { adminUrl } from './pg-url.js';

export interface TestBackend {
  name: 'pglite' | 'postgres';
  open(): Promise<DbHandle>;
}

let counter = 0;

const pgliteBackend: TestBackend = {
  name: 'pglite',
  async open() {
    const blob = new Blob([readFileSync(inject('pgliteTemplate'))]);
    return openPGlite({ loadDataDir: blob });
  },
};

/**
 * A fresh migrated PostgreSQL database cloned from the run's template (TEST_DATABASE_URL must be
 * set); `drop()` removes it. For tests that connect on their own terms (a proxy, a child process).
 */
export async function createPgDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('createPgDatabase needs TEST_DATABASE_URL');
  const template = inject('pgTemplate')!;
  const name = `${template.replace(/_pm_template_\d+$/, '')}_pm_${process.pid}_${++counter}_${Date.now() % 100000}`;
  const admin = new pg.Client({ connectionString: adminUrl(url) });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (err) {
      // Two workers cloning the template at the same instant: "source database is being accessed".
      if (attempt > 20 || !/being accessed/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  return {
    name,
    url: adminUrl(url, name),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl(url) });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

const postgresBackend: TestBackend = {
  name: 'postgres',
  async open() {
    const database = await createPgDatabase();
    const handle = await openPostgres(database.url, 5);
    return {
      ...handle,
      async close() {
        await handle.close();
        await database.drop();
      },
    };
  },
};

export const BACKENDS: TestBackend[] = process.env.TEST_DATABASE_URL
  ? [pgliteBackend, postgresBackend]
  : [pgliteBackend];

/** Empties every data table but categories (which the template holds), so each test starts clean. */
export async function resetData(db: Kysely<DB>): Promise<void> {
  await truncateWithRecord(db, [
    'problem_events',
    'problems',
    'api_tokens',
    'users',
    'regions',
    'calendar_overrides',
    'campaigns',
    'subscriptions',
    'messages',
    'job_runs',
  ]);
  await sql`UPDATE data_version SET regions = regions + 1, problems = problems + 1`.execute(db);
}
