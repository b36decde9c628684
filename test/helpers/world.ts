/**
 * A small hand-made county every route test can reason about:
 *
 *   county 430121: lon 113.00–113.04, lat 28.20–28.24
 *   street 430121001 (west, lon 113.00–113.02), 430121002 (east, 113.02–113.04)
 *   each street: community …001 (south, lat 28.20–28.22) and …002 (north, 28.22–28.24)
 *   each community: block …001 (west half) and …002 (east half)  → 8 blocks of 0.01° × 0.02°
 *
 * Users of every role with ready tokens; the manager owns block 430121001001001 only.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { hashToken } from '../../server/plugins/auth.js';
import { resetData } from './db.js';

export type Box = [number, number, number, number];

export interface WorldRegion {
  code: string;
  name: string;
  level: 'county' | 'street' | 'community' | 'block';
  parent_code: string | null;
  box: Box;
}

export const COUNTY: WorldRegion = {
  code: '430121',
  name: '测试县',
  level: 'county',
  parent_code: null,
  box: [113.0, 28.2, 113.04, 28.24],
};

function buildRegions(): WorldRegion[] {
  const out: WorldRegion[] = [COUNTY];
  for (const [si, sx] of [
    [1, 113.0],
    [2, 113.02],
  ] as const) {
    const street = `430121${String(si).padStart(3, '0')}`;
    out.push({
      code: street,
      name: `街道${si}`,
      level: 'street',
      parent_code: '430121',
      box: [sx, 28.2, sx + 0.02, 28.24],
    });
    for (const [ci, cy] of [
      [1, 28.2],
      [2, 28.22],
    ] as const) {
      const community = `${street}00${ci}`;
      out.push({
        code: community,
        name: `社区${si}-${ci}`,
        level: 'community',
        parent_code: street,
        box: [sx, cy, sx + 0.02, cy + 0.02],
      });
      for (const [bi, bx] of [
        [1, sx],
        [2, sx + 0.01],
      ] as const) {
        out.push({
          code: `${community}00${bi}`,
          name: `网格${si}-${ci}-${bi}`,
          level: 'block',
          parent_code: community,
          box: [bx, cy, bx + 0.01, cy + 0.02],
        });
      }
    }
  }
  return out;
}

export const REGIONS = buildRegions();
export const BLOCKS = REGIONS.filter((r) => r.level === 'block');
export const MANAGER_BLOCK = '430121001001001';
/** The block east of the manager's, in the same community. */
export const NEIGHBOUR_BLOCK = '430121001001002';

/** Centre of a region's box, [lon, lat]. */
export function centre(code: string): [number, number] {
  const r = REGIONS.find((x) => x.code === code)!;
  return [(r.box[0] + r.box[2]) / 2, (r.box[1] + r.box[3]) / 2];
}

export const ROLE_USERS = {
  admin: { username: 'admin', role: 'admin', scope: [], department: null },
  leader: { username: 'leader', role: 'leader', scope: [], department: null },
  manager: { username: 'manager', role: 'manager', scope: [MANAGER_BLOCK], department: null },
  inspector: { username: 'inspector', role: 'inspector', scope: [], department: null },
  department: { username: 'dept', role: 'department', scope: [], department: '城管局' },
} as const;

export type RoleName = keyof typeof ROLE_USERS;

export interface World {
  tokens: Record<RoleName, string>;
  userIds: Record<RoleName, number>;
}

/** A password hash placeholder for users that log in by token only (login tests hash real ones). */
const NO_LOGIN = '!no-login';

/** Resets the database and loads the test county and one user (with a token) per role. */
export async function createWorld(db: Kysely<DB>): Promise<World> {
  await resetData(db);
  for (const r of REGIONS) {
    await sql`INSERT INTO regions (code, name, level, parent_code, geom, synthetic)
      VALUES (${r.code}, ${r.name}, ${r.level}, ${r.parent_code}, ST_Multi(ST_MakeEnvelope(${r.box[0]}, ${r.box[1]}, ${r.box[2]}, ${r.box[3]}, 4326)), true)`.execute(
      db,
    );
  }
  const tokens = {} as Record<RoleName, string>;
  const userIds = {} as Record<RoleName, number>;
  for (const [role, u] of Object.entries(ROLE_USERS) as [RoleName, (typeof ROLE_USERS)[RoleName]][]) {
    const row = await db
      .insertInto('users')
      .values({
        username: u.username,
        display_name: `测试${role}`,
        role: u.role,
        scope: [...u.scope],
        department: u.department,
        password_hash: NO_LOGIN,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const token = `test-token-${role}`;
    await db
      .insertInto('api_tokens')
      .values({ user_id: row.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 86_400_000) })
      .execute();
    tokens[role] = token;
    userIds[role] = row.id;
  }
  return { tokens, userIds };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });
