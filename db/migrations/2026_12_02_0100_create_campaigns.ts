/**
 * Campaigns (集中攻坚), subscriptions, the record of every message sent, and the record of every
 * scheduled job run. Frozen once landed.
 *
 * A campaign holds its rule (categories × groups × regions × period); which problems belong is
 * computed in SQL from that rule (db/queries/campaigns.ts), never copied onto problems.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE campaigns (
    id serial PRIMARY KEY,
    name text NOT NULL CHECK (length(trim(name)) > 0),
    kind text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    categories text[] NOT NULL DEFAULT '{}',
    category_groups text[] NOT NULL DEFAULT '{}',
    regions text[] NOT NULL DEFAULT '{}',
    point_types text[] NOT NULL DEFAULT '{}',
    lead_department text,
    responsible_streets text[] NOT NULL DEFAULT '{}',
    targets jsonb NOT NULL DEFAULT '[]',
    interview_rule jsonb NOT NULL DEFAULT '{"weeks": 3, "list_size": 3}',
    archived boolean NOT NULL DEFAULT false,
    created_by int REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaigns_period CHECK (ends_at > starts_at)
  )`,

  // Who gets which messages: a user (email or in-app) or a region's group chat (企业微信 / 钉钉 robot).
  `CREATE TABLE subscriptions (
    id serial PRIMARY KEY,
    user_id int REFERENCES users (id) ON DELETE CASCADE,
    region_code text COLLATE "C" REFERENCES regions (code) ON UPDATE CASCADE ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('inbox', 'email', 'wecom', 'dingtalk')),
    address text,
    secret text,
    kinds text[] NOT NULL DEFAULT '{bulletin,reminder}',
    campaign_id int REFERENCES campaigns (id) ON DELETE CASCADE,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_target CHECK ((user_id IS NULL) <> (region_code IS NULL)),
    CONSTRAINT subscriptions_address CHECK (channel = 'inbox' OR address IS NOT NULL),
    CONSTRAINT subscriptions_region_channel CHECK (region_code IS NULL OR channel IN ('wecom', 'dingtalk', 'email'))
  )`,
  `CREATE INDEX subscriptions_user_idx ON subscriptions (user_id)`,

  // Every message sent (who was told what, when, and whether it arrived). Append-only but for
  // read_at (the inbox marks a message read).
  `CREATE TABLE messages (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('inbox', 'email', 'wecom', 'dingtalk')),
    user_id int REFERENCES users (id) ON DELETE SET NULL,
    region_code text COLLATE "C",
    subscription_id int REFERENCES subscriptions (id) ON DELETE SET NULL,
    address text,
    subject text NOT NULL,
    body text NOT NULL,
    data jsonb,
    status text NOT NULL CHECK (status IN ('delivered', 'failed')),
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz
  )`,
  `CREATE INDEX messages_user_idx ON messages (user_id, id DESC)`,
  `CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC)`,

  // One row per run of a scheduled job, on both backends (pg-boss keeps its own queue tables on
  // PostgreSQL; this is what the admin page reads, and what the in-process scheduler resumes from).
  `CREATE TABLE job_runs (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    slot text NOT NULL,
    attempt int NOT NULL DEFAULT 1,
    instance text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    ok boolean,
    error text,
    result jsonb
  )`,
  `CREATE INDEX job_runs_name_idx ON job_runs (name, started_at DESC)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['job_runs', 'messages', 'subscriptions', 'campaigns']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
}
