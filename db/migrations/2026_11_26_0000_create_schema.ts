/**
 * The initial schema. Frozen once landed: change the schema with a new migration.
 * Statements run one at a time because PGlite's extended protocol takes one statement per query.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `CREATE EXTENSION IF NOT EXISTS postgis`,

  // One table for the whole hierarchy. The parent is referenced by its code (not a surrogate id)
  // because the code *is* the hierarchy: rollups are prefix matches and imports name parents by code.
  `CREATE TABLE regions (
    id serial PRIMARY KEY,
    code text COLLATE "C" NOT NULL UNIQUE,
    name text NOT NULL CHECK (length(trim(name)) > 0),
    level text NOT NULL CHECK (level IN ('county', 'street', 'community', 'block')),
    parent_code text COLLATE "C" REFERENCES regions (code) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
    manager_name text,
    manager_phone text,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    valid_from date,
    valid_to date,
    synthetic boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT regions_code_digits CHECK (code ~ '^[0-9]+$'),
    CONSTRAINT regions_code_length CHECK (length(code) = CASE level WHEN 'county' THEN 6 WHEN 'street' THEN 9 WHEN 'community' THEN 12 ELSE 15 END),
    CONSTRAINT regions_parent_level CHECK ((level = 'county') = (parent_code IS NULL)),
    CONSTRAINT regions_code_starts_with_parent CHECK (parent_code IS NULL OR (length(parent_code) = length(code) - 3 AND left(code, length(parent_code)) = parent_code)),
    CONSTRAINT regions_geom_valid CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
    CONSTRAINT regions_validity CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
  )`,
  `CREATE INDEX regions_geom_idx ON regions USING gist (geom)`,
  `CREATE INDEX regions_parent_idx ON regions (parent_code)`,
  `CREATE INDEX regions_level_idx ON regions (level)`,

  `CREATE TABLE categories (
    code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^([0-9]{5}|L[0-9]{5})$'),
    name text NOT NULL,
    group_code text NOT NULL,
    group_name text NOT NULL,
    department text NOT NULL,
    limit_value numeric NOT NULL CHECK (limit_value > 0),
    clock text NOT NULL CHECK (clock IN ('continuous_hours', 'working_hours', 'working_days', 'natural_days')),
    tags text[] NOT NULL DEFAULT '{}',
    local boolean NOT NULL DEFAULT false,
    legacy_code text,
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE users (
    id serial PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{2,64}$'),
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'leader', 'manager', 'inspector', 'department')),
    scope text[] NOT NULL DEFAULT '{}',
    department text,
    password_hash text NOT NULL,
    demo boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_manager_scope CHECK (role <> 'manager' OR cardinality(scope) > 0),
    CONSTRAINT users_department CHECK (role <> 'department' OR department IS NOT NULL)
  )`,

  `CREATE TABLE api_tokens (
    id serial PRIMARY KEY,
    user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
  )`,

  `CREATE TABLE problems (
    id bigserial PRIMARY KEY,
    category_code text COLLATE "C" NOT NULL REFERENCES categories (code) ON UPDATE CASCADE,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'reported' CHECK (status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved', 'closed', 'voided')),
    severity smallint NOT NULL DEFAULT 1 CHECK (severity BETWEEN 1 AND 3),
    source text NOT NULL DEFAULT 'inspection' CHECK (source IN ('inspection', 'citizen', 'hotline', 'other')),
    reporter text,
    address text,
    photos text[] NOT NULL DEFAULT '{}',
    geom geometry(Point, 4326) NOT NULL,
    region_code text COLLATE "C" NOT NULL REFERENCES regions (code) ON UPDATE CASCADE,
    reported_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    filed_at timestamptz,
    dispatched_at timestamptz,
    due_at timestamptz,
    resolved_at timestamptz,
    closed_at timestamptz,
    voided_at timestamptz,
    void_reason text,
    escalated boolean NOT NULL DEFAULT false,
    escalated_at timestamptz,
    rework_count int NOT NULL DEFAULT 0 CHECK (rework_count >= 0),
    extension_count int NOT NULL DEFAULT 0 CHECK (extension_count >= 0),
    duplicate_of bigint REFERENCES problems (id),
    recurrence_of bigint REFERENCES problems (id),
    created_by int REFERENCES users (id),
    version int NOT NULL DEFAULT 1 CHECK (version >= 1),
    CONSTRAINT problems_geom_in_bounds CHECK (NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    CONSTRAINT problems_region_is_code CHECK (region_code ~ '^[0-9]{6,15}$'),
    CONSTRAINT problems_not_own_duplicate CHECK (duplicate_of IS NULL OR duplicate_of <> id)
  )`,
  `CREATE INDEX problems_geom_idx ON problems USING gist (geom)`,
  // COLLATE "C" lets a plain btree serve the region-prefix LIKE 'code%' filters.
  `CREATE INDEX problems_region_idx ON problems (region_code)`,
  `CREATE INDEX problems_status_idx ON problems (status)`,
  `CREATE INDEX problems_category_idx ON problems (category_code)`,
  `CREATE INDEX problems_reported_idx ON problems (reported_at DESC, id DESC)`,
  `CREATE INDEX problems_due_open_idx ON problems (due_at) WHERE status NOT IN ('closed', 'voided')`,

  `CREATE TABLE problem_events (
    id bigserial PRIMARY KEY,
    problem_id bigint NOT NULL REFERENCES problems (id),
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    actor_id int REFERENCES users (id),
    action text NOT NULL,
    from_status text,
    to_status text,
    note text,
    photos text[] NOT NULL DEFAULT '{}',
    data jsonb
  )`,
  `CREATE INDEX problem_events_problem_idx ON problem_events (problem_id, id)`,
  // The record (台账) is append-only, enforced by the database on both backends.
  `CREATE FUNCTION problem_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'problem_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER problem_events_append_only BEFORE UPDATE OR DELETE ON problem_events
   FOR EACH ROW EXECUTE FUNCTION problem_events_refuse_change()`,

  `CREATE TABLE calendar_overrides (
    date date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('workday', 'holiday')),
    note text,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  // Bumped by every write that changes what a map shows; tiles and region ETags key on it.
  `CREATE TABLE data_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    regions bigint NOT NULL DEFAULT 1,
    problems bigint NOT NULL DEFAULT 1
  )`,
  `INSERT INTO data_version DEFAULT VALUES`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'data_version',
    'calendar_overrides',
    'problem_events',
    'problems',
    'api_tokens',
    'users',
    'categories',
    'regions',
  ]) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
  await sql.raw('DROP FUNCTION IF EXISTS problem_events_refuse_change()').execute(db);
}
