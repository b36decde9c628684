/**
 * Assessment (对标达标): point types, points (测评点位), versioned standards (测评标准) and their
 * items, inspections (督查 / 暗访) with their items, and mock-assessment samples (模拟测评) with
 * their tasks. Frozen once landed. One statement per query (PGlite's extended protocol).
 *
 * - A point is never deleted (inspections refer to it): `retired_at` retires it.
 * - A standard is a version of a point type's checklist; an edit inserts a new version, so an
 *   inspection keeps pointing at the items it was made against.
 * - Inspections and their items are the record, append-only like problem_events (a trigger refuses
 *   UPDATE and DELETE on both backends).
 * - `inspection_items.photos` holds photo ids / URLs; the photos table (issue 10) can own them later.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE point_types (
    code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
    name text NOT NULL CHECK (length(trim(name)) > 0),
    name_en text NOT NULL DEFAULT '',
    sort int NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE points (
    id serial PRIMARY KEY,
    ref text UNIQUE,
    type_code text COLLATE "C" NOT NULL REFERENCES point_types (code) ON UPDATE CASCADE,
    name text NOT NULL CHECK (length(trim(name)) > 0),
    address text,
    unit text,
    geom geometry(Geometry, 4326) NOT NULL,
    region_code text COLLATE "C" NOT NULL REFERENCES regions (code) ON UPDATE CASCADE,
    synthetic boolean NOT NULL DEFAULT false,
    retired_at timestamptz,
    retired_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by int REFERENCES users (id) ON DELETE SET NULL,
    version int NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- Standing, maintained in the transaction of every inspection (the rule is domain/assessment.ts):
    -- what the map colours and the lists sort by, without re-reading the history.
    standing text NOT NULL DEFAULT 'uninspected' CHECK (standing IN ('uninspected', 'passed', 'failed', 'chronic')),
    last_inspection_id bigint,
    last_inspected_at timestamptz,
    last_score numeric,
    chronic_items text[] NOT NULL DEFAULT '{}',
    CONSTRAINT points_geom_kind CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON') AND NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
    CONSTRAINT points_region_is_code CHECK (region_code ~ '^[0-9]{6,15}$'),
    CONSTRAINT points_retired_reason CHECK (retired_at IS NULL OR retired_reason IS NOT NULL)
  )`,
  `CREATE INDEX points_geom_idx ON points USING gist (geom)`,
  `CREATE INDEX points_region_idx ON points (region_code)`,
  `CREATE INDEX points_type_idx ON points (type_code)`,

  `CREATE TABLE standards (
    id serial PRIMARY KEY,
    type_code text COLLATE "C" NOT NULL REFERENCES point_types (code) ON UPDATE CASCADE,
    version int NOT NULL CHECK (version >= 1),
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT 'seed',
    UNIQUE (type_code, version)
  )`,
  `CREATE TABLE standard_items (
    id serial PRIMARY KEY,
    standard_id int NOT NULL REFERENCES standards (id),
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
    text text NOT NULL CHECK (length(trim(text)) > 0),
    category_code text COLLATE "C" NOT NULL REFERENCES categories (code) ON UPDATE CASCADE,
    weight numeric NOT NULL CHECK (weight > 0),
    photo_required boolean NOT NULL DEFAULT false,
    sort int NOT NULL DEFAULT 0,
    UNIQUE (standard_id, code)
  )`,
  `CREATE INDEX standard_items_standard_idx ON standard_items (standard_id, sort)`,

  `CREATE TABLE samples (
    id serial PRIMARY KEY,
    name text NOT NULL,
    seed bigint NOT NULL CHECK (seed >= 0 AND seed < 4294967296),
    region_code text COLLATE "C" NOT NULL,
    -- Points drawn per type, and the active points per type the draw chose from (the audit trail:
    -- the same seed on a register with these counts gives the same sample).
    sizes jsonb NOT NULL,
    strata jsonb NOT NULL,
    due_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by int REFERENCES users (id) ON DELETE SET NULL,
    created_by_name text NOT NULL
  )`,
  `CREATE TABLE sample_tasks (
    id serial PRIMARY KEY,
    sample_id int NOT NULL REFERENCES samples (id),
    point_id int NOT NULL REFERENCES points (id),
    type_code text COLLATE "C" NOT NULL,
    position int NOT NULL,
    assignee_id int REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (sample_id, point_id)
  )`,
  `CREATE INDEX sample_tasks_assignee_idx ON sample_tasks (assignee_id)`,

  `CREATE TABLE inspections (
    id bigserial PRIMARY KEY,
    point_id int NOT NULL REFERENCES points (id),
    standard_id int NOT NULL REFERENCES standards (id),
    kind text NOT NULL DEFAULT 'inspection' CHECK (kind IN ('inspection', 'unannounced', 'mock')),
    task_id int UNIQUE REFERENCES sample_tasks (id),
    region_code text COLLATE "C" NOT NULL,
    inspector_id int REFERENCES users (id) ON DELETE SET NULL,
    inspector text NOT NULL,
    started_at timestamptz,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    device_geom geometry(Point, 4326),
    device_accuracy_m numeric,
    note text,
    checked_weight numeric NOT NULL CHECK (checked_weight >= 0),
    passed_weight numeric NOT NULL CHECK (passed_weight >= 0 AND passed_weight <= checked_weight),
    failed_count int NOT NULL CHECK (failed_count >= 0)
  )`,
  `CREATE INDEX inspections_point_idx ON inspections (point_id, submitted_at DESC, id DESC)`,
  `CREATE INDEX inspections_region_idx ON inspections (region_code)`,
  `CREATE TABLE inspection_items (
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    standard_item_id int NOT NULL REFERENCES standard_items (id),
    result text NOT NULL CHECK (result IN ('pass', 'fail', 'na')),
    note text,
    photos text[] NOT NULL DEFAULT '{}',
    problem_id bigint REFERENCES problems (id),
    PRIMARY KEY (inspection_id, standard_item_id),
    CONSTRAINT inspection_items_problem_on_fail CHECK ((result = 'fail') = (problem_id IS NOT NULL))
  )`,
  `CREATE INDEX inspection_items_problem_idx ON inspection_items (problem_id) WHERE problem_id IS NOT NULL`,
  `CREATE FUNCTION inspections_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER inspections_append_only BEFORE UPDATE OR DELETE ON inspections
   FOR EACH ROW EXECUTE FUNCTION inspections_refuse_change()`,
  `CREATE TRIGGER inspection_items_append_only BEFORE UPDATE OR DELETE ON inspection_items
   FOR EACH ROW EXECUTE FUNCTION inspections_refuse_change()`,
  // A standard's items are frozen once written: an edit is a new version.
  `CREATE TRIGGER standard_items_append_only BEFORE UPDATE OR DELETE ON standard_items
   FOR EACH ROW EXECUTE FUNCTION inspections_refuse_change()`,

  `ALTER TABLE data_version ADD COLUMN points bigint NOT NULL DEFAULT 1`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'inspection_items',
    'inspections',
    'sample_tasks',
    'samples',
    'standard_items',
    'standards',
    'points',
    'point_types',
  ]) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
  await sql.raw('DROP FUNCTION IF EXISTS inspections_refuse_change()').execute(db);
  await sql.raw('ALTER TABLE data_version DROP COLUMN IF EXISTS points').execute(db);
}
