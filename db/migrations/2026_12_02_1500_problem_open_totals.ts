/**
 * Open problems per region code (the problem's own region: its block, or a street, community or
 * the county where no block covers it), kept by statement-level triggers on `problems` like the
 * rollups (migration 2026_12_01_2330) in the same transaction as every write.
 *
 * Why a second table: the map's default numbers (open problems per block, no filter) summed the
 * rollups' open keys, and open problems are sparse per key — at L (20,000 blocks, 330,000 open)
 * about one key per open problem, because each key also carries category × status × report day ×
 * due day. This table has one row per region that holds an open problem (≈ 20,000 at L), so the
 * county-wide answer reads 20,000 rows instead of 330,000 (at S: 1,997 rows in 1.2 ms against
 * 32,400 keys in 17 ms, `psql` on pm_bench_s). Filters and department scopes still read the
 * rollups, which carry the dimensions they need.
 */
import { sql, type Kysely } from 'kysely';

const OPEN = `status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')`;

const STATEMENTS = [
  `CREATE TABLE problem_open_totals (
    region_code text COLLATE "C" PRIMARY KEY,
    n int NOT NULL
  )`,
  // +1 per new open row, −1 per old open row, upserted in key order (two writers cannot
  // deadlock); rows that reach zero are deleted, so the table holds only regions with open problems.
  `CREATE FUNCTION problem_open_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO problem_open_totals AS t (region_code, n)
       SELECT region_code, count(*) FROM new_rows WHERE ${OPEN} GROUP BY 1 ORDER BY 1
       ON CONFLICT (region_code) DO UPDATE SET n = t.n + EXCLUDED.n;
       RETURN NULL;
     ELSIF TG_OP = 'DELETE' THEN
       INSERT INTO problem_open_totals AS t (region_code, n)
       SELECT region_code, -count(*) FROM old_rows WHERE ${OPEN} GROUP BY 1 ORDER BY 1
       ON CONFLICT (region_code) DO UPDATE SET n = t.n + EXCLUDED.n;
     ELSE
       INSERT INTO problem_open_totals AS t (region_code, n)
       SELECT region_code, sum(k) FROM (
         SELECT region_code, 1 AS k FROM new_rows WHERE ${OPEN}
         UNION ALL
         SELECT region_code, -1 FROM old_rows WHERE ${OPEN}
       ) d GROUP BY 1 HAVING sum(k) <> 0 ORDER BY 1
       ON CONFLICT (region_code) DO UPDATE SET n = t.n + EXCLUDED.n;
     END IF;
     DELETE FROM problem_open_totals t
      WHERE t.n = 0 AND t.region_code IN (SELECT region_code FROM old_rows WHERE ${OPEN});
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_open_totals_insert AFTER INSERT ON problems
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_open_totals_apply()`,
  `CREATE TRIGGER problem_open_totals_update AFTER UPDATE ON problems
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_open_totals_apply()`,
  `CREATE TRIGGER problem_open_totals_delete AFTER DELETE ON problems
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_open_totals_apply()`,
  `CREATE FUNCTION problem_open_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     TRUNCATE problem_open_totals;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_open_totals_truncate AFTER TRUNCATE ON problems
     FOR EACH STATEMENT EXECUTE FUNCTION problem_open_totals_truncate()`,
  // What is already there.
  `INSERT INTO problem_open_totals (region_code, n)
   SELECT region_code, count(*) FROM problems WHERE ${OPEN} GROUP BY 1`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql.raw(`DROP TRIGGER IF EXISTS problem_open_totals_${t} ON problems`).execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_open_totals').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_open_totals_apply()').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_open_totals_truncate()').execute(db);
}
