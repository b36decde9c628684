/**
 * API keys an admin issues to an intake system (12345 hotline, a mini-program, a GIS desktop).
 * A key acts as its user: the same role and scope. Only the key's SHA-256 is stored (a 256-bit
 * random secret needs no slow hash), plus a short prefix so an admin can tell keys apart.
 */
import type { Kysely } from 'kysely';
import type { DB, IntakeSource, UsersTable } from '../types.js';

export interface ApiKeyRow {
  id: number;
  name: string;
  user_id: number;
  username: string;
  key_prefix: string;
  source: IntakeSource;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The user a live key acts as (active users only), with the key's id and intake source. */
export interface ApiKeyUser {
  key_id: number;
  key_source: IntakeSource;
  id: number;
  username: string;
  display_name: string;
  role: UsersTable['role'];
  scope: string[];
  department: string | null;
}

function keyQuery(db: Kysely<DB>) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select([
      'k.id',
      'k.name',
      'k.user_id',
      'u.username',
      'k.key_prefix',
      'k.source',
      'k.created_at',
      'k.last_used_at',
      'k.revoked_at',
    ]);
}

export function listApiKeys(db: Kysely<DB>): Promise<ApiKeyRow[]> {
  return keyQuery(db).orderBy('k.id').execute();
}

export async function getApiKey(db: Kysely<DB>, id: number): Promise<ApiKeyRow | null> {
  return (await keyQuery(db).where('k.id', '=', id).executeTakeFirst()) ?? null;
}

export interface NewApiKey {
  name: string;
  user_id: number;
  source: IntakeSource;
  key_hash: string;
  key_prefix: string;
  created_by: number;
}

/** Stores a new key (by hash); returns its id. */
export async function insertApiKey(db: Kysely<DB>, input: NewApiKey): Promise<number> {
  const row = await db.insertInto('api_keys').values(input).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Revokes a key; false when it does not exist or was revoked already. */
export async function revokeApiKey(db: Kysely<DB>, id: number): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * The user behind a live key, or null (unknown, revoked, or the user is inactive). Records the
 * use, at most once a minute per key so a busy GIS client does not turn every read into a write.
 */
export async function findApiKeyUser(db: Kysely<DB>, keyHash: string): Promise<ApiKeyUser | null> {
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select([
      'k.id as key_id',
      'k.source as key_source',
      'k.last_used_at',
      'u.id',
      'u.username',
      'u.display_name',
      'u.role',
      'u.scope',
      'u.department',
    ])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .where('u.active', '=', true)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', row.key_id).execute();
  }
  const { last_used_at: _unused, ...user } = row;
  return user;
}
