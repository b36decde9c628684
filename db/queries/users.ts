/**
 * Users, login tokens and the production guard against demo accounts.
 *
 * `password_hash` never leaves this module except through {@link findLoginUser}, whose only
 * caller is the login route that verifies it: every other function selects {@link USER_COLUMNS}.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, UsersTable } from '../types.js';

export type Role = UsersTable['role'];

/** What the API may show of a user (no password hash, ever). */
export const USER_COLUMNS = [
  'id',
  'username',
  'display_name',
  'role',
  'scope',
  'department',
  'active',
  'demo',
  'created_at',
] as const;

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  scope: string[];
  department: string | null;
  active: boolean;
  demo: boolean;
  created_at: Date;
}

export interface NewUser {
  username: string;
  display_name: string;
  role: Role;
  scope: string[];
  department: string | null;
  /** An argon2 hash, never the password. */
  password_hash: string;
  demo?: boolean;
}

export interface UserPatch {
  display_name?: string;
  role?: Role;
  scope?: string[];
  department?: string | null;
  active?: boolean;
  password_hash?: string;
}

/** The account a login names, with its hash for verification; `null` when unknown or inactive. */
export async function findLoginUser(db: Kysely<DB>, username: string) {
  const row = await db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'password_hash'])
    .where('username', '=', username)
    .where('active', '=', true)
    .executeTakeFirst();
  return row ?? null;
}

/** Stores a new login token by its SHA-256 (see server/plugins/auth.ts); the token itself is never stored. */
export async function insertToken(db: Kysely<DB>, userId: number, tokenHash: string, expiresAt: Date): Promise<void> {
  await db.insertInto('api_tokens').values({ user_id: userId, token_hash: tokenHash, expires_at: expiresAt }).execute();
}

/** Revokes one token (logout); true when a live token was revoked. */
export async function revokeToken(db: Kysely<DB>, tokenHash: string): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes every live token of a user (password change, deactivation); returns how many. */
export async function revokeUserTokens(db: Kysely<DB>, userId: number): Promise<number> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export function listUsers(db: Kysely<DB>): Promise<UserRow[]> {
  return db.selectFrom('users').select(USER_COLUMNS).orderBy('id').execute();
}

export async function getUser(db: Kysely<DB>, id: number): Promise<UserRow | null> {
  return (await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Creates a user; `null` when the username is taken (so the route can answer 409 without a race). */
export async function createUser(db: Kysely<DB>, input: NewUser): Promise<UserRow | null> {
  const row = await db
    .insertInto('users')
    .values({ ...input, scope: [...input.scope], demo: input.demo ?? false })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning(USER_COLUMNS)
    .executeTakeFirst();
  return row ?? null;
}

/** Applies a patch; `null` when the user does not exist. */
export async function updateUser(db: Kysely<DB>, id: number, patch: UserPatch): Promise<UserRow | null> {
  const set = { ...patch, ...(patch.scope ? { scope: [...patch.scope] } : {}) };
  const row = await db.updateTable('users').set(set).where('id', '=', id).returning(USER_COLUMNS).executeTakeFirst();
  return row ?? null;
}

/** Number of active admins other than `exceptId` (an admin may not remove the last one). */
export async function countOtherActiveAdmins(db: Kysely<DB>, exceptId: number): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', true)
    .where('id', '<>', exceptId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The codes among `codes` that name no region (one query for the whole list). */
export async function unknownRegionCodes(db: Kysely<DB>, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const r = await sql<{ code: string }>`
    SELECT c.code FROM unnest(${[...codes]}::text[]) AS c(code)
    WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = c.code)
    ORDER BY c.code`.execute(db);
  return r.rows.map((x) => x.code);
}

/**
 * Refuses to serve production with demo accounts: their passwords are printed in the README, so
 * they would be open doors. Throws with the usernames and the way out; returns quietly otherwise.
 *
 * @param nodeEnv the NODE_ENV the service runs under; only 'production' is checked
 */
export async function assertNoDemoUsersInProduction(db: Kysely<DB>, nodeEnv: string): Promise<void> {
  if (nodeEnv !== 'production') return;
  const demo = await db.selectFrom('users').select('username').where('demo', '=', true).orderBy('username').execute();
  if (demo.length === 0) return;
  const names = demo.map((u) => u.username).join(', ');
  throw new Error(
    `refusing to start with NODE_ENV=production: the database holds ${demo.length} demo user(s) whose passwords are public (${names}). ` +
      "Delete them (DELETE FROM users WHERE demo), or disable those with history (UPDATE users SET active = false, demo = false, password_hash = '!disabled' WHERE demo).",
  );
}
