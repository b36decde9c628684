/**
 * A long import does not hold the database for its whole length (issue 14: on PGlite, one
 * connection, /readyz took 30 s during a 100,000-row import and login queued behind it): the rows
 * are staged and checked in batches outside any transaction, and only the last step writes
 * problems. And a refused import leaves nothing behind: no problems, no events, no staging table.
 */
import { describe, expect, it } from 'vitest';
import { hash } from '@node-rs/argon2';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';
import { pointInBlock } from '../../helpers/import-rows.js';

/** `n` rows strictly inside the test blocks (never on an edge), deterministic. */
function csvOf(n: number, lastLine?: string): string {
  const lines = ['lon,lat,category,description,reported_at'];
  for (let i = 0; i < n; i++) {
    const { lon, lat } = pointInBlock(i);
    lines.push(
      `${lon.toFixed(6)},${lat.toFixed(6)},06010,row ${i},2026-03-0${1 + (i % 9)} 08:${String(i % 60).padStart(2, '0')}`,
    );
  }
  if (lastLine) lines.push(lastLine);
  return lines.join('\n') + '\n';
}

describe.each(BACKENDS)('a large problem import on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });

  const importCsv = (payload: string) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/problems/import',
      headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'text/csv' },
      payload,
    });
  const count = async (table: 'problems' | 'problem_events') =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(ctx.handle.db)).rows[0].n,
    );
  const stagingTables = async () =>
    Number(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'problem_import_%'`.execute(
          ctx.handle.db,
        )
      ).rows[0].n,
    );

  it(
    'lets a login through while it is still staging, and the import still completes',
    { timeout: 240_000 },
    async () => {
      await ctx.handle.db
        .insertInto('users')
        .values({
          username: 'li.login',
          display_name: '李',
          role: 'inspector',
          scope: [],
          password_hash: await hash('correct horse'),
        })
        .execute();
      let importDone = false;
      const running = importCsv(csvOf(30_000)).then((res) => {
        importDone = true;
        return res;
      });
      // Wait until the import is mid-way (its staging table exists): these queries themselves get
      // the connection between its batches.
      while ((await stagingTables()) === 0 && !importDone) await new Promise((r) => setTimeout(r, 20));
      expect(importDone).toBe(false);
      const login = await ctx.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'li.login', password: 'correct horse' },
      });
      expect(login.statusCode).toBe(200);
      const ready = await ctx.app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      // Both answered while the import was still running.
      expect(importDone).toBe(false);
      const res = await running;
      expect(res.statusCode).toBe(201);
      expect(res.json().created).toBe(30_000);
      expect(await count('problems')).toBe(30_000);
    },
  );

  it(
    'refused for one bad row at the very end: no problems, no events, no staging table left',
    { timeout: 240_000 },
    async () => {
      const res = await importCsv(csvOf(12_000, '113.01,28.21,99999,unknown category,2026-03-01 08:00'));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details.rejected).toEqual([
        expect.objectContaining({ line: 12_002, code: 'category_unknown' }),
      ]);
      expect(await count('problems')).toBe(0);
      expect(await count('problem_events')).toBe(0);
      // PostgreSQL drops a closed session's temporary tables as the backend exits: allow it a moment.
      for (let i = 0; i < 100 && (await stagingTables()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await stagingTables()).toBe(0);
    },
  );
});
