/**
 * Demo accounts (one per role, passwords printed in the README: demo only, refused in production
 * by `assertNoDemoUsersInProduction`) and the production bootstrap admin from ADMIN_PASSWORD.
 * Passwords are hashed with argon2id (@node-rs/argon2) before any database work, so the ~50 ms
 * hashes never hold PGlite's single connection.
 */
import { hash } from '@node-rs/argon2';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { DEMO_COUNTY_CODE } from './load.js';

/** Which area a demo manager gets: resolved against the loaded partition, which depends on the seed. */
type DemoScope = 'busiest-xingsha-block' | 'busiest-xingsha-community' | null;

export interface DemoUser {
  username: string;
  display_name: string;
  role: 'admin' | 'leader' | 'manager' | 'inspector' | 'department';
  /** Public demo password (README): never use these accounts outside a demo. */
  password: string;
  department: string | null;
  scope: DemoScope;
}

/** 星沙街道, the county seat's urban street: its first community and block host the demo managers. */
export const XINGSHA_STREET_CODE = `${DEMO_COUNTY_CODE}001`;

export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'admin',
    display_name: '系统管理员（演示）',
    role: 'admin',
    password: 'demo-admin-2026',
    department: null,
    scope: null,
  },
  {
    username: 'leader',
    display_name: '县领导（演示）',
    role: 'leader',
    password: 'demo-leader-2026',
    department: null,
    scope: null,
  },
  {
    username: 'manager',
    display_name: '网格长（演示）',
    role: 'manager',
    password: 'demo-manager-2026',
    department: null,
    scope: 'busiest-xingsha-block',
  },
  {
    username: 'community',
    display_name: '社区网格管理员（演示）',
    role: 'manager',
    password: 'demo-community-2026',
    department: null,
    scope: 'busiest-xingsha-community',
  },
  {
    username: 'inspector',
    display_name: '督查员（演示）',
    role: 'inspector',
    password: 'demo-inspector-2026',
    department: null,
    scope: null,
  },
  {
    username: 'dept',
    display_name: '城管局（演示）',
    role: 'department',
    password: 'demo-dept-2026',
    department: '城管局',
    scope: null,
  },
];

/**
 * The 星沙街道 block with the most open problems (ties: lowest code) and its community, so the demo
 * manager has work to show. Deterministic for a seed; without problems, the block with the lowest code.
 */
export async function demoManagerAreas(db: Kysely<DB>): Promise<{ block: string; community: string } | null> {
  const r = await db
    .selectFrom('regions as r')
    .leftJoin('problems as p', (join) =>
      join.onRef('p.region_code', '=', 'r.code').on('p.status', 'not in', ['closed', 'voided']),
    )
    .select(['r.code', 'r.parent_code'])
    .where('r.level', '=', 'block')
    .where('r.code', 'like', `${XINGSHA_STREET_CODE}%`)
    .groupBy(['r.code', 'r.parent_code'])
    .orderBy((eb) => eb.fn.count('p.id'), 'desc')
    .orderBy('r.code')
    .limit(1)
    .executeTakeFirst();
  return r && r.parent_code ? { block: r.code, community: r.parent_code } : null;
}

/**
 * Creates (or refreshes) the demo accounts, flagged `demo`. An existing account of the same name
 * that is not a demo account is left alone. Needs the demo county loaded (the managers' areas).
 * @returns the usernames written
 */
export async function seedDemoUsers(db: Kysely<DB>): Promise<string[]> {
  const areas = await demoManagerAreas(db);
  if (!areas)
    throw new Error(`demo users need the demo county: no block of ${XINGSHA_STREET_CODE} (星沙街道) is loaded`);
  const hashes = await Promise.all(DEMO_USERS.map((u) => hash(u.password)));
  const rows = DEMO_USERS.map((u, i) => ({
    username: u.username,
    display_name: u.display_name,
    role: u.role,
    scope:
      u.scope === 'busiest-xingsha-block'
        ? [areas.block]
        : u.scope === 'busiest-xingsha-community'
          ? [areas.community]
          : [],
    department: u.department,
    password_hash: hashes[i],
    demo: true,
  }));
  const written = await db
    .insertInto('users')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('username')
        .doUpdateSet((eb) => ({
          display_name: eb.ref('excluded.display_name'),
          role: eb.ref('excluded.role'),
          scope: eb.ref('excluded.scope'),
          department: eb.ref('excluded.department'),
          password_hash: eb.ref('excluded.password_hash'),
          active: true,
        }))
        .where('users.demo', '=', true),
    )
    .returning('username')
    .execute();
  return written.map((w) => w.username);
}

/** Shortest ADMIN_PASSWORD accepted: the same rule as passwords set through /api/users. */
export const MIN_ADMIN_PASSWORD = 8;

/**
 * Production bootstrap: creates the user `admin` with `password` when no active admin exists.
 * Does nothing when one exists (the password is not reset on every start).
 * @returns true when the account was created
 * @throws when the password is too short, or `admin` exists but is not an active admin
 */
export async function ensureAdmin(db: Kysely<DB>, password: string): Promise<boolean> {
  if (password.length < MIN_ADMIN_PASSWORD)
    throw new Error(`ADMIN_PASSWORD must have at least ${MIN_ADMIN_PASSWORD} characters`);
  const present = await sql<{
    yes: boolean;
  }>`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active) AS yes`.execute(db);
  if (present.rows[0]?.yes) return false;
  const passwordHash = await hash(password);
  const row = await db
    .insertInto('users')
    .values({
      username: 'admin',
      display_name: '管理员',
      role: 'admin',
      scope: [],
      department: null,
      password_hash: passwordHash,
      demo: false,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row)
    throw new Error(
      'no active admin exists, but a user named "admin" does (another role or disabled): fix it in the database, then start again',
    );
  return true;
}
