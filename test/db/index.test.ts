import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openPGlite } from '../../db/index.js';

describe('openPGlite with a data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener of the same folder while the first holds it, and allows it after close', async () => {
    const first = await openPGlite({ dataDir: dir });
    await sql`CREATE TABLE kept (n int)`.execute(first.db);
    await sql`INSERT INTO kept VALUES (7)`.execute(first.db);
    await expect(openPGlite({ dataDir: dir, lockWaitSeconds: 0 })).rejects.toThrow(
      /another process is using the embedded database/,
    );
    await first.close();

    const second = await openPGlite({ dataDir: dir, lockWaitSeconds: 0 });
    const rows = await sql<{ n: number }>`SELECT n FROM kept`.execute(second.db);
    expect(rows.rows).toEqual([{ n: 7 }]);
    await second.close();
    // Two cold PGlite + PostGIS creations: ~30 s alone, far more on a loaded two-core machine.
  }, 240_000);
});
