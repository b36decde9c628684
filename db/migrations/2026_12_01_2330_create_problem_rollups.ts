/**
 * Maintained rollups of the problems: counts per region (the problem's block) × category × status
 * × report day (Asia/Shanghai) × due day, kept current by statement-level triggers on `problems`
 * in the same transaction as every write — create, transition, edit, import, photo, inspection,
 * Open311 intake, region reassignment and the `ON UPDATE CASCADE` of a renamed region code all
 * reach `problems` through INSERT / UPDATE / DELETE / TRUNCATE, so every write path is covered on
 * both backends without the query code having to remember it.
 *
 * Shape (docs/performance.md explains the choice):
 * - `day`: the Shanghai date of `reported_at` (day-aligned period and report-date filters, trend);
 * - `due_day`: the Shanghai date of `due_at` while the problem is open and has a deadline, else
 *   'infinity'. "Overdue now" is then exact: every open row with due_day < today, plus today's
 *   open problems already past due_at, an index range over one day of the partial due index.
 * Zero rows are deleted as they appear, so the table holds only what exists.
 *
 * The trigger functions use transition tables (one aggregate per statement, not per row), and the
 * upsert takes rows in key order so two writers touching the same keys cannot deadlock.
 */
import { sql, type Kysely } from 'kysely';

const KEY = `region_code, category_code, status, day, due_day`;

/** Rollup key columns of a problems row set `t` (new_rows / old_rows / problems). */
const keyOf = (
  t: string,
) => `${t}.region_code, ${t}.category_code, ${t}.status, problem_rollup_day(${t}.reported_at) AS day,
      problem_rollup_due_day(${t}.status, ${t}.due_at) AS due_day`;

const STATEMENTS = [
  // Asia/Shanghai is UTC+8 all year: the fixed shift works on PGlite, which carries no zone database.
  `CREATE FUNCTION problem_rollup_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT ((at AT TIME ZONE 'UTC') + interval '8 hours')::date $$`,
  `CREATE FUNCTION problem_rollup_due_day(status text, due timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT CASE WHEN due IS NOT NULL AND status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')
                  THEN ((due AT TIME ZONE 'UTC') + interval '8 hours')::date ELSE 'infinity'::date END $$`,

  `CREATE TABLE problem_rollups (
    region_code text COLLATE "C" NOT NULL,
    category_code text COLLATE "C" NOT NULL,
    status text NOT NULL,
    day date NOT NULL,
    due_day date NOT NULL,
    -- No CHECK (n >= 0): an upsert of a negative delta is checked before it meets its row.
    n int NOT NULL,
    PRIMARY KEY (${KEY})
  )`,
  `CREATE INDEX problem_rollups_category_idx ON problem_rollups (category_code)`,
  // The open part is what the map reads most: a small partial index keeps it apart from history.
  `CREATE INDEX problem_rollups_open_idx ON problem_rollups (region_code) INCLUDE (category_code, due_day, n)
     WHERE status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')`,

  // The version of each street's numbers (a county- or street-level problem counts under its own
  // code): bumped with the rollups it covers, so a cached answer is valid while the versions of the
  // streets it covers stand. One row per street, not one global row: writers in different streets
  // never wait for each other.
  `CREATE TABLE problem_rollup_versions (
    street_code text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1
  )`,

  // One function for the three row-changing operations: +1 for each new row, −1 for each old row;
  // then the keys an old row left are cleared of zero counts (a second statement: one statement
  // cannot delete a row it has just updated).
  `CREATE FUNCTION problem_rollups_apply() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO problem_rollups AS r (${KEY}, n)
       SELECT ${keyOf('new_rows')}, count(*) FROM new_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
       ON CONFLICT (${KEY}) DO UPDATE SET n = r.n + EXCLUDED.n;
       INSERT INTO problem_rollup_versions AS v (street_code)
       SELECT DISTINCT left(region_code, 9) FROM new_rows ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
       RETURN NULL;
     ELSIF TG_OP = 'DELETE' THEN
       UPDATE problem_rollups r SET n = r.n - d.k
         FROM (SELECT ${keyOf('old_rows')}, count(*)::int AS k FROM old_rows GROUP BY 1, 2, 3, 4, 5) d
        WHERE (r.${KEY.replaceAll(', ', ', r.')}) = (d.${KEY.replaceAll(', ', ', d.')});
     ELSE
       INSERT INTO problem_rollups AS r (${KEY}, n)
       SELECT ${KEY}, sum(k) FROM (
         SELECT ${keyOf('new_rows')}, 1 AS k FROM new_rows
         UNION ALL
         SELECT ${keyOf('old_rows')}, -1 FROM old_rows
       ) t GROUP BY 1, 2, 3, 4, 5 HAVING sum(k) <> 0 ORDER BY 1, 2, 3, 4, 5
       ON CONFLICT (${KEY}) DO UPDATE SET n = r.n + EXCLUDED.n;
     END IF;
     DELETE FROM problem_rollups r
      WHERE r.n = 0 AND (r.${KEY.replaceAll(', ', ', r.')}) IN (SELECT ${keyOf('old_rows')} FROM old_rows);
     IF TG_OP = 'UPDATE' THEN
       INSERT INTO problem_rollup_versions AS v (street_code)
       SELECT DISTINCT left(region_code, 9) FROM (
         SELECT n.region_code FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.region_code, n.category_code, n.status, n.reported_at, n.due_at) IS DISTINCT FROM
                (o.region_code, o.category_code, o.status, o.reported_at, o.due_at)
         UNION ALL
         SELECT o.region_code FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.region_code, n.category_code, n.status, n.reported_at, n.due_at) IS DISTINCT FROM
                (o.region_code, o.category_code, o.status, o.reported_at, o.due_at)
       ) t ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
     ELSE
       INSERT INTO problem_rollup_versions AS v (street_code)
       SELECT DISTINCT left(region_code, 9) FROM old_rows ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_rollups_insert AFTER INSERT ON problems
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_rollups_apply()`,
  `CREATE TRIGGER problem_rollups_update AFTER UPDATE ON problems
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_rollups_apply()`,
  `CREATE TRIGGER problem_rollups_delete AFTER DELETE ON problems
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_rollups_apply()`,
  `CREATE FUNCTION problem_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     TRUNCATE problem_rollups;
     UPDATE problem_rollup_versions SET version = version + 1;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_rollups_truncate AFTER TRUNCATE ON problems
     FOR EACH STATEMENT EXECUTE FUNCTION problem_rollups_truncate()`,

  // What is already there.
  `INSERT INTO problem_rollups (${KEY}, n)
   SELECT ${keyOf('p')}, count(*) FROM problems p GROUP BY 1, 2, 3, 4, 5`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql.raw(`DROP TRIGGER IF EXISTS problem_rollups_${t} ON problems`).execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_rollups').execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_rollup_versions').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_rollups_apply()').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_rollups_truncate()').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_rollup_due_day(text, timestamptz)').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_rollup_day(timestamptz)').execute(db);
}
