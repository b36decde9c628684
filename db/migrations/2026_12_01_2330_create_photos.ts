/**
 * Photo evidence, idempotency keys, and the per-category after-photo rule (issue 10).
 * Frozen once landed: change the schema with a new migration.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  // One row per upload. The file is content-addressed (sha256 of the original bytes), so two
  // uploads of the same picture share one file on disk but keep their own row, uploader,
  // device position and owner. `owner_kind` + `owner_id` say what the photo belongs to, generic
  // so inspections (inspection_item) reuse the same upload; `problem_id` and `region_code`
  // decide who may fetch it (the scope of its problem or, without one, of its region).
  `CREATE TABLE photos (
    id serial PRIMARY KEY,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    mime text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    taken_at timestamptz,
    exif_lon double precision,
    exif_lat double precision,
    device_lon double precision,
    device_lat double precision,
    device_accuracy_m double precision,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    uploaded_by integer NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('report', 'resolution', 'reinspection', 'inspection_item')),
    owner_id integer,
    problem_id integer REFERENCES problems (id),
    event_id integer REFERENCES problem_events (id),
    region_code text COLLATE "C",
    flags text[] NOT NULL DEFAULT '{}',
    attached_at timestamptz
  )`,
  `CREATE INDEX photos_problem_idx ON photos (problem_id)`,
  `CREATE INDEX photos_sha_idx ON photos (sha256)`,
  `CREATE INDEX photos_owner_idx ON photos (kind, owner_id)`,

  // A client-generated key per write (Idempotency-Key header): a retry of the same request by the
  // same user finds the row and answers with what the first attempt did.
  `CREATE TABLE idempotency_keys (
    user_id integer NOT NULL REFERENCES users (id),
    key text NOT NULL CHECK (length(key) BETWEEN 8 AND 200),
    request text NOT NULL,
    problem_id integer REFERENCES problems (id),
    status integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
  )`,

  `ALTER TABLE categories ADD COLUMN after_photo_required boolean NOT NULL DEFAULT false`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of STATEMENTS) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE categories DROP COLUMN after_photo_required`.execute(db);
  await sql`DROP TABLE idempotency_keys`.execute(db);
  await sql`DROP TABLE photos`.execute(db);
}
