/**
 * `data_version.problems` without a global row lock on create (issue 15): the one-row counter
 * every create used to bump serialised all creates on its row lock until commit (pgbench, 8
 * clients, the create statement at S: 89–92 tps with the bump, 132–141 without).
 *
 * The rollup triggers already bump `problem_rollup_versions` (one row per street) for every
 * insert, delete and counted change. `data_version` becomes a view whose `problems` is the old
 * counter plus the sum of the street versions: it still moves on every create (so the problem
 * tiles' ETag, which reads it, still changes), but a create locks only its street's row. The
 * other writers (transitions, edits, imports, region changes) keep their explicit
 * `UPDATE data_version SET problems = problems + 1`, which an INSTEAD OF trigger applies to the
 * base row as a delta (safe under concurrent bumps). Same columns, same reads, both backends.
 * Frozen once landed: a later change (e.g. a new counter column) goes into a new migration that
 * alters `data_version_base` and re-creates the view.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `ALTER TABLE data_version RENAME TO data_version_base`,
  `CREATE VIEW data_version AS
     SELECT b.id, b.regions,
            b.problems + coalesce((SELECT sum(v.version) FROM problem_rollup_versions v), 0)::bigint AS problems,
            b.points
     FROM data_version_base b`,
  `CREATE FUNCTION data_version_update() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE data_version_base
        SET regions = regions + (NEW.regions - OLD.regions),
            problems = problems + (NEW.problems - OLD.problems),
            points = points + (NEW.points - OLD.points);
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER data_version_update INSTEAD OF UPDATE ON data_version
     FOR EACH ROW EXECUTE FUNCTION data_version_update()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('DROP VIEW IF EXISTS data_version').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS data_version_update()').execute(db);
  await sql.raw('ALTER TABLE data_version_base RENAME TO data_version').execute(db);
}
