/**
 * Intake for other systems (issue 13): API keys an admin issues to an intake system (12345
 * hotline, a WeChat mini-program), the private intake record of every problem that arrived through
 * Open311, and the extra questions (Open311 service attributes) a category may ask.
 * Frozen once landed: change the schema with a new migration.
 *
 * The source value 市民 already exists as `problems.source = 'citizen'` (and 12345 as 'hotline'),
 * so no change to that CHECK is needed.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  // A key acts as its user (role and scope); the database keeps only its SHA-256, like api_tokens.
  `CREATE TABLE api_keys (
    id serial PRIMARY KEY,
    name text NOT NULL CHECK (length(trim(name)) > 0),
    user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash text NOT NULL UNIQUE,
    key_prefix text NOT NULL,
    source text NOT NULL DEFAULT 'hotline' CHECK (source IN ('inspection', 'citizen', 'hotline', 'other')),
    created_by int REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `CREATE INDEX api_keys_user_idx ON api_keys (user_id)`,

  // Private by design: contact details and the sender's address are never part of a public answer.
  `CREATE TABLE problem_intake (
    problem_id bigint PRIMARY KEY REFERENCES problems (id) ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('open311_key', 'open311_public')),
    api_key_id int REFERENCES api_keys (id) ON DELETE SET NULL,
    token text NOT NULL UNIQUE,
    media_url text,
    contact jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(contact) = 'object'),
    attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    client_address text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX problem_intake_channel_idx ON problem_intake (channel)`,

  `ALTER TABLE categories ADD COLUMN attributes jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attributes) = 'array')`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE categories DROP COLUMN IF EXISTS attributes').execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_intake').execute(db);
  await sql.raw('DROP TABLE IF EXISTS api_keys').execute(db);
}
