/**
 * The scope matrix (issue 3, part 7 "Scope everywhere"):
 *
 * 1. Completeness: every route the app serves (app.routeTable) has an entry in MATRIX below, and
 *    the public routes are exactly PUBLIC_ROUTES. A route added later without an entry fails here.
 * 2. Every route × every caller (anonymous and each role): 401 without a token, 403 for a role the
 *    route refuses, 2xx for a role it serves.
 * 3. Isolation: the manager of block 430121001001001 reads, counts, downloads, tiles and changes
 *    nothing of the neighbouring block through any endpoint (detail routes answer 404, exactly as
 *    for a missing id), and every answer still holds the manager's own problem (so the checks can
 *    fail). The 城管局 department user likewise sees only 城管局 categories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { hash } from '@node-rs/argon2';
import { BACKENDS } from '../helpers/db.js';
import { buildTestApp } from '../helpers/app.js';
import {
  auth,
  centre,
  COUNTY,
  createWorld,
  MANAGER_BLOCK,
  NEIGHBOUR_BLOCK,
  REGIONS,
  type RoleName,
  type World,
} from '../helpers/world.js';
import type { DbHandle } from '../../db/index.js';
import type { DB } from '../../db/types.js';
import { hashToken } from '../../server/plugins/auth.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toShanghaiDate } from '../../domain/time.js';
import { loadAssessment, type AssessmentFixture } from '../helpers/assessment.js';
import { jpeg, multipartBody } from '../helpers/photos.js';

/** A photo upload request (multipart) of kind `kind`. */
async function photoUpload(kind = 'report'): Promise<InjectOptions> {
  const body = await multipartBody({ data: await jpeg(), name: 'matrix.jpg', type: 'image/jpeg' }, { kind });
  return { method: 'POST', url: '/api/photos', headers: body.headers, payload: body.payload };
}

/** Uploads a report photo as `token`'s user and attaches it to problem `problemId` (as a create would). */
async function attachedPhoto(app: FastifyInstance, db: Kysely<DB>, token: string, problemId: number): Promise<number> {
  const req = await photoUpload();
  const res = await app.inject({ ...req, headers: { ...(req.headers as Record<string, string>), ...auth(token) } });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  await sql`UPDATE photos SET problem_id = ${problemId}, owner_id = ${problemId}, attached_at = now() WHERE id = ${id}`.execute(
    db,
  );
  await sql`UPDATE problems SET photos = ARRAY[${`/api/photos/${id}`}] WHERE id = ${problemId}`.execute(db);
  return id;
}

// ---------------------------------------------------------------- callers

type Who = RoleName | 'anonymous';
const ROLES: RoleName[] = ['admin', 'leader', 'manager', 'inspector', 'department'];
const CALLERS: Who[] = ['anonymous', ...ROLES];

/** Region codes the manager may see: their block and its community, street and county. */
const VISIBLE_CODES = ['430121', '430121001', '430121001001', '430121001001001'];
/** Region codes the manager may not see (neither inside their block nor an ancestor of it). */
const HIDDEN_CODES = [
  '430121002',
  '430121001002',
  '430121002001',
  '430121002002',
  '430121001001002',
  '430121001002001',
  '430121001002002',
  '430121002001001',
  '430121002001002',
  '430121002002001',
  '430121002002002',
];
/** A block far from both (street 2), where role-matrix writes land. */
const FAR_BLOCK = '430121002002002';
const FAR_BLOCK_REGION = REGIONS.find((r) => r.code === FAR_BLOCK)!;
const LOGIN_PASSWORD = 'matrix-pass-123';
const CALENDAR_DATE = '2031-03-04';

// ---------------------------------------------------------------- the data

/** Ids of the fixture problems. */
interface Ids {
  /** Manager's block, 城管局 06010, filed, overdue. */
  mine: number;
  /** Manager's block, 06010, dispatched, not overdue (pairs with `mine` for a DBSCAN cluster). */
  mine2: number;
  /** Neighbour block, 06010, dispatched, overdue. */
  neigh: number;
  /** Neighbour block, 06010, in progress. */
  neigh2: number;
  /** Neighbour block, 交警 09009, in progress, overdue (≈ 550 m north of the other two). */
  traffic: number;
  traffic2: number;
  /** Role-matrix transition targets (manager's block, 06010), one per role. */
  transition: Record<RoleName, number>;
  /** Report photos of `mine` and of `neigh` (filled in after the app is built: uploads go through the route). */
  photos: { mine: number; neigh: number };
}

const HOUR = 3_600_000;
const DESCRIPTION_NEIGH = '邻居网格独有描述甲乙丙';

async function insertProblem(
  db: Kysely<DB>,
  p: {
    at: [number, number];
    block: string;
    category: string;
    status: string;
    dueInHours: number;
    description?: string;
  },
): Promise<number> {
  const now = Date.now();
  const reported = new Date(now - 3 * 24 * HOUR);
  const due = new Date(now + p.dueInHours * HOUR);
  const { rows } = await sql<{
    id: number;
  }>`INSERT INTO problems (category_code, description, status, geom, region_code, reported_at, filed_at, dispatched_at, due_at)
    VALUES (${p.category}, ${p.description ?? '测试问题'}, ${p.status}, ST_SetSRID(ST_MakePoint(${p.at[0]}, ${p.at[1]}), 4326), ${p.block},
      ${reported}, ${p.status === 'reported' ? null : reported}, ${['reported', 'filed'].includes(p.status) ? null : reported},
      ${p.status === 'reported' ? null : due})
    RETURNING id`.execute(db);
  const id = Number(rows[0].id);
  await sql`INSERT INTO problem_events (problem_id, at, actor, action, from_status, to_status, note)
    VALUES (${id}, ${reported}, 'seed', 'report', NULL, ${p.status}, 'scope matrix fixture')`.execute(db);
  return id;
}

/** Offsets a point by metres (small distances). */
const offset = ([lon, lat]: [number, number], east: number, north: number): [number, number] => [
  lon + east / (111_320 * Math.cos((lat * Math.PI) / 180)),
  lat + north / 110_540,
];

async function loadProblems(db: Kysely<DB>): Promise<Ids> {
  const m = centre(MANAGER_BLOCK);
  const n = centre(NEIGHBOUR_BLOCK);
  const mine = await insertProblem(db, {
    at: m,
    block: MANAGER_BLOCK,
    category: '06010',
    status: 'filed',
    dueInHours: -30,
  });
  const mine2 = await insertProblem(db, {
    at: offset(m, 10, 0),
    block: MANAGER_BLOCK,
    category: '06010',
    status: 'dispatched',
    dueInHours: 48,
  });
  const neigh = await insertProblem(db, {
    at: n,
    block: NEIGHBOUR_BLOCK,
    category: '06010',
    status: 'dispatched',
    dueInHours: -5,
    description: DESCRIPTION_NEIGH,
  });
  const neigh2 = await insertProblem(db, {
    at: offset(n, 10, 0),
    block: NEIGHBOUR_BLOCK,
    category: '06010',
    status: 'in_progress',
    dueInHours: 24,
  });
  const t = offset(n, 0, 550);
  const traffic = await insertProblem(db, {
    at: t,
    block: NEIGHBOUR_BLOCK,
    category: '09009',
    status: 'in_progress',
    dueInHours: -2,
  });
  const traffic2 = await insertProblem(db, {
    at: offset(t, 10, 0),
    block: NEIGHBOUR_BLOCK,
    category: '09009',
    status: 'dispatched',
    dueInHours: 12,
  });
  // Role-matrix transition targets, south of the manager's cluster (≈ 400 m: a separate DBSCAN neighbourhood).
  const base = offset(m, 0, -400);
  const start: Record<RoleName, string> = {
    admin: 'reported',
    leader: 'dispatched',
    manager: 'filed',
    inspector: 'resolved',
    department: 'dispatched',
  };
  const transition = {} as Record<RoleName, number>;
  let k = 0;
  for (const role of ROLES) {
    transition[role] = await insertProblem(db, {
      at: offset(base, 15 * k++, 0),
      block: MANAGER_BLOCK,
      category: '06010',
      status: start[role],
      dueInHours: 72,
    });
  }
  return { mine, mine2, neigh, neigh2, traffic, traffic2, transition, photos: { mine: 0, neigh: 0 } };
}

// ---------------------------------------------------------------- decoding helpers

const R = 6378137;
function tileOf([lon, lat]: [number, number], z: number) {
  const mx = (R * lon * Math.PI) / 180;
  const my = R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const size = (2 * Math.PI * R) / 2 ** z;
  return { z, x: Math.floor((mx + Math.PI * R) / size), y: Math.floor((Math.PI * R - my) / size) };
}
/** Every tile of zoom z over the test county. */
function countyTiles(z: number) {
  const a = tileOf([COUNTY.box[0], COUNTY.box[3]], z);
  const b = tileOf([COUNTY.box[2], COUNTY.box[1]], z);
  const out: { z: number; x: number; y: number }[] = [];
  for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) out.push({ z, x, y });
  return out;
}
function tileFeatures(buf: Buffer, layer: string): Record<string, unknown>[] {
  const tile = new VectorTile(new PbfReader(buf));
  const l = tile.layers[layer];
  if (!l) return [];
  return Array.from({ length: l.length }, (_, i) => ({ ...l.feature(i).properties, __id: l.feature(i).id }));
}
function csvRecords(body: Buffer | string): Record<string, string>[] {
  return parse(typeof body === 'string' ? body : body.toString('utf8'), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
  });
}
/** Rows of the first sheet as objects keyed by the header row (the first row whose cells include `headerCell`). */
async function xlsxRecords(body: Buffer, headerCell: string): Promise<Record<string, unknown>[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  const h = rows.findIndex((r) => r.includes(headerCell));
  expect(h, `xlsx has a header row with ${headerCell}`).toBeGreaterThanOrEqual(0);
  const header = rows[h] as string[];
  return rows.slice(h + 1).map((r) => Object.fromEntries(header.map((k, i) => [k, r[i]])));
}

// ---------------------------------------------------------------- the matrix

interface Ctx {
  world: World;
  ids: Ids;
  /** Current version of a problem (transitions need it). */
  version(id: number): Promise<number>;
  /** A unique suffix for names created by this run. */
  seq(): number;
  /** Assessment points, inspections and a sample (test/helpers/assessment.ts). */
  a: AssessmentFixture;
}

interface Entry {
  /** Roles the route serves; the others get 403. 'all' = every signed-in role. 'public' = no token needed. */
  allowed: RoleName[] | 'all' | 'public';
  /** Status(es) a served caller gets (default [200]). */
  ok?: number[];
  /** The request a given caller sends (headers for the token are added by the runner). */
  request: (ctx: Ctx, who: Who) => InjectOptions | Promise<InjectOptions>;
  /** Where scope is tested for this route: an isolation test name below, or why there is nothing to scope. */
  scope: string;
  /** Public routes only: signed-in roles the route refuses with 403 (e.g. a leader may not report). */
  forbidden?: RoleName[];
}

const ISO = {
  problems: 'isolation: problem list, detail, events',
  regions: 'isolation: regions list, search, detail',
  stats: 'isolation: stats and panel',
  rankings: 'isolation: rankings and bulletin',
  hotspots: 'isolation: hotspots and hotspot exports',
  exports: 'isolation: problem exports',
  tiles: 'isolation: tiles and TileJSON',
  photos: 'isolation: photo URLs and photo lists',
  queues: 'isolation: work queues',
  writes: 'isolation: writes outside the area',
  campaigns: 'isolation: campaigns, progress and bulletins',
  messages: 'isolation: messages, inbox and subscriptions',
  interop: 'isolation: Open311, OGC API – Features and API keys',
  assessment: 'test/server/routes/assessment-scope.test.ts: points, inspections, samples, tasks, standing, tiles',
};

/** Campaign, subscription and inbox fixtures (filled in beforeAll). */
const F = {
  /** County-wide campaign on 06010 around now (touches every area). */
  campaign: 0,
  /** Street 2 only: the manager never sees it. */
  far: 0,
  subscription: {} as Record<RoleName, number>,
  inbox: {} as Record<RoleName, number>,
};
const THIS_WEEK = toShanghaiDate(new Date());

/** API keys made in beforeAll: the manager's (isolation) and one the DELETE route revokes. */
const interopKeys = { manager: '', revocableId: 0 };
const PUBLIC_REPORT = { service_code: '06010', lat: 0, long: 0, description: '矩阵市民上报' };

const tileUrl = (layer: string, z: number) => {
  const t = tileOf(centre(MANAGER_BLOCK), z);
  return `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;
};

const TRANSITION_ACTION: Record<RoleName, string> = {
  admin: 'file',
  leader: 'escalate',
  manager: 'dispatch',
  inspector: 'close',
  department: 'start',
};

/** The fields an entry builder may set besides its request and scope (who is served, with what). */
type EntryOptions = Pick<Entry, 'ok' | 'forbidden'> & { allowed?: Entry['allowed'] };

/**
 * `GET url` (a string, or built from the fixtures when the request is sent), served to every
 * signed-in role unless `more` says otherwise.
 */
function reads(url: string | ((c: Ctx) => string), scope: string, more: EntryOptions = {}): Entry {
  return {
    allowed: 'all',
    ...more,
    request: (c) => ({ method: 'GET', url: typeof url === 'string' ? url : url(c) }),
    scope,
  };
}

/** A route only the admin may call (the others get 403). */
function adminOnly(request: Entry['request'], more: Omit<EntryOptions, 'allowed'> & { scope?: string } = {}): Entry {
  return { allowed: ['admin'], scope: 'admin only', ...more, request };
}

/** Keyed by `${method} ${url}` exactly as app.routeTable records it. */
const MATRIX: Record<string, Entry> = {
  // health.ts
  'GET /healthz': reads('/healthz', 'public: process liveness, no data', { allowed: 'public' }),
  'GET /readyz': reads('/readyz', 'public: database reachability, no data', { allowed: 'public' }),
  'GET /api/meta': reads('/api/meta', 'public: name, version, basemap settings', { allowed: 'public' }),
  // auth.ts
  'POST /api/auth/login': {
    allowed: 'public',
    request: () => ({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'matrix-login', password: LOGIN_PASSWORD },
    }),
    scope: 'public: the caller gets only their own token',
  },
  'POST /api/auth/logout': {
    allowed: 'all',
    // A throw-away token per role: logging out the world's tokens would break the rest of the file.
    request: () => ({ method: 'POST', url: '/api/auth/logout' }),
    scope: "revokes only the caller's own token",
  },
  'GET /api/auth/me': reads('/api/auth/me', 'the caller only'),
  // users.ts
  'GET /api/users': reads('/api/users', 'admin only', { allowed: ['admin'] }),
  'POST /api/users': adminOnly(
    (c, who) => ({
      method: 'POST',
      url: '/api/users',
      payload: {
        username: `matrix-${who}-${c.seq()}`,
        display_name: '矩阵',
        role: 'inspector',
        password: LOGIN_PASSWORD,
      },
    }),
    { ok: [201] },
  ),
  'PATCH /api/users/:id': adminOnly((c) => ({
    method: 'PATCH',
    url: `/api/users/${c.world.userIds.inspector}`,
    payload: { display_name: `测试inspector${c.seq()}` },
  })),
  // categories.ts
  'GET /api/categories': reads('/api/categories', 'reference data, the same for everyone'),
  'PATCH /api/categories/:code': adminOnly(() => ({
    method: 'PATCH',
    url: '/api/categories/06010',
    payload: { active: true },
  })),
  // calendar.ts
  'GET /api/calendar': reads('/api/calendar?from=2031-03-01&to=2031-03-10', 'reference data'),
  'PUT /api/calendar/:date': adminOnly(() => ({
    method: 'PUT',
    url: `/api/calendar/${CALENDAR_DATE}`,
    payload: { kind: 'holiday', note: 'scope matrix' },
  })),
  'DELETE /api/calendar/:date': {
    allowed: ['admin'],
    request: () => ({ method: 'DELETE', url: `/api/calendar/${CALENDAR_DATE}` }),
    scope: 'admin only (runs after the PUT above)',
  },
  // regions.ts
  'GET /api/regions': reads('/api/regions', ISO.regions),
  'GET /api/regions/search': reads('/api/regions/search?q=网格', ISO.regions),
  'GET /api/regions/:code': reads(`/api/regions/${MANAGER_BLOCK}`, ISO.regions),
  'POST /api/regions/import': {
    allowed: ['admin'],
    // Re-imports a far block unchanged.
    request: () => {
      const [x0, y0, x1, y1] = FAR_BLOCK_REGION.box;
      return {
        method: 'POST',
        url: '/api/regions/import',
        payload: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: {
                code: FAR_BLOCK,
                name: FAR_BLOCK_REGION.name,
                level: 'block',
                parent_code: FAR_BLOCK_REGION.parent_code,
              },
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [x0, y0],
                    [x1, y0],
                    [x1, y1],
                    [x0, y1],
                    [x0, y0],
                  ],
                ],
              },
            },
          ],
        },
      };
    },
    scope: 'admin only',
  },
  // problems.ts
  'POST /api/problems': {
    allowed: ['admin', 'inspector', 'manager', 'department'],
    ok: [201],
    request: () => ({
      method: 'POST',
      url: '/api/problems',
      payload: {
        lon: offset(centre(MANAGER_BLOCK), -200, 600)[0],
        lat: offset(centre(MANAGER_BLOCK), -200, 600)[1],
        category: '06010',
        description: '矩阵上报',
      },
    }),
    scope: ISO.writes,
  },
  'POST /api/problems/import': {
    allowed: ['admin', 'inspector'],
    ok: [201],
    request: () => {
      const [lon, lat] = centre(FAR_BLOCK);
      return {
        method: 'POST',
        url: '/api/problems/import',
        headers: { 'content-type': 'text/csv' },
        payload: `lon,lat,category,description\n${lon},${lat},06010,矩阵导入\n`,
      };
    },
    scope: ISO.writes,
  },
  'GET /api/problems': reads('/api/problems', ISO.problems),
  'GET /api/problems/:id': reads((c) => `/api/problems/${c.ids.mine}`, ISO.problems),
  'PATCH /api/problems/:id': {
    allowed: ['admin', 'inspector', 'manager', 'department'],
    // Each role edits the problem it transitions later (a visible, open one).
    request: async (c, who) => {
      const role: RoleName = who === 'anonymous' || who === 'leader' ? 'admin' : who;
      const id = c.ids.transition[role];
      return {
        method: 'PATCH',
        url: `/api/problems/${id}`,
        payload: { version: await c.version(id), description: '矩阵编辑' },
      };
    },
    scope: ISO.writes,
  },
  // workflow.ts
  'POST /api/problems/:id/transitions': {
    allowed: 'all',
    // Each role performs an action it holds on a problem it can see; refused actions are checked separately.
    request: async (c, who) => {
      const role: RoleName = who === 'anonymous' ? 'admin' : who;
      const id = c.ids.transition[role];
      return {
        method: 'POST',
        url: `/api/problems/${id}/transitions`,
        payload: { action: TRANSITION_ACTION[role], version: await c.version(id), note: '矩阵' },
      };
    },
    scope: ISO.writes,
  },
  'GET /api/problems/:id/events': reads((c) => `/api/problems/${c.ids.mine}/events`, ISO.problems),
  // stats.ts
  'GET /api/stats/regions': reads('/api/stats/regions?level=block', ISO.stats),
  'GET /api/stats/map': reads('/api/stats/map?level=block&measure=open', ISO.stats),
  'GET /api/stats/regions/:code': reads(`/api/stats/regions/${MANAGER_BLOCK}`, ISO.stats),
  // rankings.ts
  'GET /api/rankings': reads('/api/rankings?level=block', ISO.rankings),
  // hotspots.ts
  'GET /api/hotspots': reads('/api/hotspots?min_points=2&eps_m=100', ISO.hotspots),
  'GET /api/exports/hotspots.csv': reads('/api/exports/hotspots.csv?min_points=2', ISO.hotspots),
  'GET /api/exports/hotspots.xlsx': reads('/api/exports/hotspots.xlsx?min_points=2', ISO.hotspots),
  'GET /api/exports/hotspots.geojson': reads('/api/exports/hotspots.geojson?min_points=2', ISO.hotspots),
  // exports.ts
  'GET /api/exports/problems.csv': reads('/api/exports/problems.csv', ISO.exports),
  'GET /api/exports/problems.xlsx': reads('/api/exports/problems.xlsx', ISO.exports),
  'GET /api/exports/problems.geojson': reads('/api/exports/problems.geojson', ISO.exports),
  'GET /api/exports/rankings.xlsx': reads('/api/exports/rankings.xlsx?level=block', ISO.rankings),
  // campaigns.ts
  'GET /api/campaigns': reads('/api/campaigns', ISO.campaigns),
  'POST /api/campaigns': {
    allowed: ['admin', 'leader'],
    ok: [201],
    request: (c) => ({
      method: 'POST',
      url: '/api/campaigns',
      payload: { name: `矩阵行动${c.seq()}`, kind: '市容环境', period_from: '2031-01-01', period_to: '2031-01-31' },
    }),
    scope: 'leaders and admins only',
  },
  'GET /api/campaigns/:id': reads(() => `/api/campaigns/${F.campaign}`, ISO.campaigns),
  'PATCH /api/campaigns/:id': {
    allowed: ['admin', 'leader'],
    request: () => ({ method: 'PATCH', url: `/api/campaigns/${F.campaign}`, payload: { lead_department: '城管局' } }),
    scope: 'leaders and admins only',
  },
  'GET /api/campaigns/:id/progress': reads(() => `/api/campaigns/${F.campaign}/progress?level=block`, ISO.campaigns),
  'GET /api/campaigns/:id/bulletin': reads(
    () => `/api/campaigns/${F.campaign}/bulletin?week=${THIS_WEEK}`,
    ISO.campaigns,
  ),
  'GET /api/campaigns/:id/bulletin.docx': reads(
    () => `/api/campaigns/${F.campaign}/bulletin.docx?week=${THIS_WEEK}`,
    ISO.campaigns,
  ),
  'GET /api/campaigns/:id/bulletin.xlsx': reads(
    () => `/api/campaigns/${F.campaign}/bulletin.xlsx?week=${THIS_WEEK}`,
    ISO.campaigns,
  ),
  // bulletins.ts
  'GET /api/bulletins/county': reads(`/api/bulletins/county?week=${THIS_WEEK}`, ISO.campaigns),
  'GET /api/bulletins/county.docx': reads(`/api/bulletins/county.docx?week=${THIS_WEEK}`, ISO.campaigns),
  'GET /api/bulletins/county.xlsx': reads(`/api/bulletins/county.xlsx?week=${THIS_WEEK}`, ISO.campaigns),
  // subscriptions.ts
  'GET /api/subscriptions': reads('/api/subscriptions', ISO.messages),
  'POST /api/subscriptions': {
    allowed: 'all',
    ok: [201],
    request: () => ({ method: 'POST', url: '/api/subscriptions', payload: { channel: 'inbox', kinds: ['bulletin'] } }),
    scope: ISO.messages,
  },
  'DELETE /api/subscriptions/:id': {
    allowed: 'all',
    ok: [204],
    // Each caller removes their own (the anonymous request names the admin's).
    request: (_c, who) => ({
      method: 'DELETE',
      url: `/api/subscriptions/${F.subscription[who === 'anonymous' ? 'admin' : who]}`,
    }),
    scope: ISO.messages,
  },
  // messages.ts
  'GET /api/messages': reads('/api/messages', ISO.messages),
  'GET /api/inbox': reads('/api/inbox', ISO.messages),
  'POST /api/inbox/:id/read': {
    allowed: 'all',
    ok: [204],
    request: (_c, who) => ({ method: 'POST', url: `/api/inbox/${F.inbox[who === 'anonymous' ? 'admin' : who]}/read` }),
    scope: ISO.messages,
  },
  'GET /api/jobs': reads('/api/jobs', 'admin only', { allowed: ['admin'] }),
  'POST /api/jobs/:name/run': {
    allowed: ['admin'],
    ok: [202],
    request: () => ({ method: 'POST', url: '/api/jobs/daily-reminder/run' }),
    scope: 'admin only (the reminder builds each recipient’s message for their own scope: delivery tests)',
  },
  // tiles.ts
  // The manager's block is in both tiles for every role, so a served caller gets a 200 (never 204).
  'GET /tiles/regions/:z/:x/:y.mvt': reads(tileUrl('regions', 14), ISO.tiles),
  'GET /tiles/problems/:z/:x/:y.mvt': reads(tileUrl('problems', 14), ISO.tiles),
  'GET /tiles/points/:z/:x/:y.mvt': {
    allowed: 'all',
    // The tile holding the manager's bus stop (test/helpers/assessment.ts places it 0.001° E, 0.003° N of the block's centre).
    request: () => {
      const [lon, lat] = centre(MANAGER_BLOCK);
      const t = tileOf([lon + 0.001, lat + 0.003], 14);
      return { method: 'GET', url: `/tiles/points/${t.z}/${t.x}/${t.y}.mvt` };
    },
    scope: ISO.assessment,
  },
  'GET /tiles/:layer.json': reads('/tiles/problems.json', ISO.tiles),
  // api-keys.ts, category-attributes.ts
  'GET /api/api-keys': reads('/api/api-keys', 'admin only', { allowed: ['admin'] }),
  'POST /api/api-keys': {
    allowed: ['admin'],
    ok: [201],
    request: (c) => ({
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: `矩阵-${c.seq()}`, user_id: c.world.userIds.inspector },
    }),
    scope: 'admin only',
  },
  'DELETE /api/api-keys/:id': adminOnly(() => ({ method: 'DELETE', url: `/api/api-keys/${interopKeys.revocableId}` })),
  'PUT /api/categories/:code/attributes': adminOnly(() => ({
    method: 'PUT',
    url: '/api/categories/06012/attributes',
    payload: { attributes: [] },
  })),
  // interop/open311: public by the spec; a key or token narrows reads to its scope.
  'GET /open311/v2/discovery.:format': reads('/open311/v2/discovery.json', 'public: endpoint description, no data', {
    allowed: 'public',
  }),
  'GET /open311/v2/services.:format': reads('/open311/v2/services.xml', 'public: category list, reference data', {
    allowed: 'public',
  }),
  'GET /open311/v2/services/:code.:format': reads(
    '/open311/v2/services/06010.json',
    'public: category attributes, reference data',
    { allowed: 'public' },
  ),
  'POST /open311/v2/requests.:format': {
    allowed: 'public',
    ok: [201],
    forbidden: ['leader'],
    // Anonymous: a public citizen report; signed in: reported as that user, inside their scope.
    request: () => {
      const [long, lat] = offset(centre(MANAGER_BLOCK), 150, 700);
      return { method: 'POST', url: '/open311/v2/requests.json', payload: { ...PUBLIC_REPORT, lat, long } };
    },
    scope: ISO.interop,
  },
  'GET /open311/v2/requests.:format': reads('/open311/v2/requests.xml', ISO.interop, { allowed: 'public' }),
  'GET /open311/v2/requests/:id.:format': reads((c) => `/open311/v2/requests/${c.ids.mine}.json`, ISO.interop, {
    allowed: 'public',
    ok: [200, 404],
  }),
  'GET /open311/v2/tokens/:token.:format': reads(
    '/open311/v2/tokens/no-such-token.json',
    'public: a token is a 256-bit receipt; it answers only the id',
    { allowed: 'public', ok: [404] },
  ),
  // interop/ogc
  'GET /ogc': reads('/ogc', 'links only'),
  'GET /ogc/conformance': reads('/ogc/conformance', 'conformance classes only'),
  'GET /ogc/collections': reads('/ogc/collections', ISO.interop),
  'GET /ogc/collections/:collectionId': reads('/ogc/collections/blocks', ISO.interop),
  'GET /ogc/collections/:collectionId/items': reads('/ogc/collections/problems/items', ISO.interop),
  'GET /ogc/collections/:collectionId/items/:featureId': reads(
    (c) => `/ogc/collections/problems/items/${c.ids.mine}`,
    ISO.interop,
  ),

  // points.ts, standards.ts, inspections.ts, samples.ts (assessment)
  'GET /api/point-types': reads('/api/point-types', 'reference data, the same for everyone'),
  'PATCH /api/point-types/:code': adminOnly(() => ({
    method: 'PATCH',
    url: '/api/point-types/OTHER',
    payload: { active: true },
  })),
  'GET /api/points': reads('/api/points', ISO.assessment),
  'GET /api/points/:id': reads((c) => `/api/points/${c.a.minePoint}`, ISO.assessment),
  'POST /api/points': adminOnly(
    (c) => {
      const [lon, lat] = centre(FAR_BLOCK);
      return {
        method: 'POST',
        url: '/api/points',
        payload: { type: 'BUS_STOP', name: `矩阵点位${c.seq()}`, lon, lat },
      };
    },
    { ok: [201] },
  ),
  'POST /api/points/import': adminOnly(
    (c) => {
      const [lon, lat] = centre(FAR_BLOCK);
      return {
        method: 'POST',
        url: '/api/points/import',
        headers: { 'content-type': 'text/csv' },
        payload: `type,name,lon,lat\nBUS_STOP,矩阵导入${c.seq()},${lon},${lat}\n`,
      };
    },
    { ok: [201] },
  ),
  'PATCH /api/points/:id': adminOnly(async (c) => {
    const id = await c.a.freshPoint();
    return {
      method: 'PATCH',
      url: `/api/points/${id}`,
      payload: { version: await c.a.pointVersion(id), name: '矩阵改名' },
    };
  }),
  'POST /api/points/:id/retire': adminOnly(async (c) => ({
    method: 'POST',
    url: `/api/points/${await c.a.freshPoint()}/retire`,
    payload: { reason: '矩阵' },
  })),
  'GET /api/standards': reads('/api/standards', ISO.assessment),
  'GET /api/standards/:id': reads((c) => `/api/standards/${c.a.standard}`, ISO.assessment),
  'POST /api/standards': adminOnly(
    () => ({
      method: 'POST',
      url: '/api/standards',
      payload: { type: 'OTHER', items: [{ code: 'PSA', text: '公益广告', category: '07008' }] },
    }),
    { ok: [201] },
  ),
  'POST /api/inspections': {
    allowed: ['admin', 'inspector', 'manager'],
    ok: [201],
    request: (c) => ({
      method: 'POST',
      url: '/api/inspections',
      payload: {
        point_id: c.a.minePoint,
        standard_id: c.a.standard,
        items: c.a.items.map((id) => ({ item_id: id, result: 'pass' })),
      },
    }),
    scope: ISO.assessment,
  },
  'GET /api/inspections': reads('/api/inspections', ISO.assessment),
  'GET /api/inspections/:id': reads((c) => `/api/inspections/${c.a.mineInspection}`, ISO.assessment),
  'GET /api/assessment/standing': reads('/api/assessment/standing?level=block', ISO.assessment),
  'GET /api/assessment/types': reads('/api/assessment/types', ISO.assessment),
  'POST /api/samples': {
    allowed: ['admin', 'leader'],
    ok: [201],
    request: () => ({
      method: 'POST',
      url: '/api/samples',
      payload: { name: '矩阵抽样', seed: 1, sizes: { BUS_STOP: 1 }, due_at: '2031-06-30' },
    }),
    scope: ISO.assessment,
  },
  'GET /api/samples': reads('/api/samples', ISO.assessment),
  'GET /api/samples/:id': reads((c) => `/api/samples/${c.a.sample}`, ISO.assessment),
  'GET /api/samples/:id/tasks.xlsx': reads((c) => `/api/samples/${c.a.sample}/tasks.xlsx`, ISO.assessment),
  'GET /api/samples/:id/sheet.html': reads((c) => `/api/samples/${c.a.sample}/sheet.html`, ISO.assessment),
  'GET /api/tasks': reads('/api/tasks', ISO.assessment, { allowed: ['admin', 'inspector', 'manager', 'leader'] }),
  'GET /api/tasks/:id': reads((c) => `/api/tasks/${c.a.mineTask}`, ISO.assessment),
  // photos.ts
  'POST /api/photos': {
    allowed: ['admin', 'inspector', 'manager', 'department'],
    ok: [201],
    request: () => photoUpload(),
    scope:
      'an upload belongs to its uploader until attached; attaching is checked in isolation: writes outside the area',
  },
  'GET /api/photos/:id': reads((c) => `/api/photos/${c.ids.photos.mine}`, ISO.photos),
  'GET /api/photos/:id/thumb': reads((c) => `/api/photos/${c.ids.photos.mine}/thumb`, ISO.photos),
  'GET /api/problems/:id/photos': reads((c) => `/api/problems/${c.ids.mine}/photos`, ISO.photos),
  // queues.ts
  'GET /api/queues/todo': reads('/api/queues/todo', ISO.queues, { allowed: ['admin', 'manager', 'department'] }),
  'GET /api/queues/recheck': {
    allowed: ['admin', 'inspector'],
    request: () => ({ method: 'GET', url: '/api/queues/recheck' }),
    scope: ISO.queues,
  },
};

const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/meta',
  'POST /api/auth/login',
  'GET /open311/v2/discovery.:format',
  'GET /open311/v2/services.:format',
  'GET /open311/v2/services/:code.:format',
  'POST /open311/v2/requests.:format',
  'GET /open311/v2/requests.:format',
  'GET /open311/v2/requests/:id.:format',
  'GET /open311/v2/tokens/:token.:format',
];

// ---------------------------------------------------------------- the tests

describe.each(BACKENDS)('scope matrix on $name', (backend) => {
  let handle: DbHandle;
  let app: FastifyInstance;
  let world: World;
  let ids: Ids;
  let ctx: Ctx;
  let counter = 0;

  const as = (who: Who) => (who === 'anonymous' ? {} : auth(world.tokens[who]));
  const get = (who: Who, url: string) => app.inject({ method: 'GET', url, headers: as(who) });
  const json = async (who: Who, url: string) => {
    const res = await get(who, url);
    expect(res.statusCode, `${who} GET ${url}: ${res.body.slice(0, 300)}`).toBe(200);
    return res.json();
  };
  /** Open problems a scope sees, from the database (what counts and hotspots must add up to). */
  const openIds = async (where: 'manager' | 'department' | 'all'): Promise<number[]> => {
    const { rows } = await sql<{ id: number }>`SELECT p.id FROM problems p JOIN categories c ON c.code = p.category_code
      WHERE p.status NOT IN ('closed', 'voided')
        AND (${where !== 'manager'} OR p.region_code LIKE ${MANAGER_BLOCK + '%'})
        AND (${where !== 'department'} OR c.department = '城管局')
      ORDER BY p.id`.execute(handle.db);
    return rows.map((r) => Number(r.id));
  };
  const neighbourIds = () => [ids.neigh, ids.neigh2, ids.traffic, ids.traffic2];
  const deptCategories = async () =>
    new Set(
      (
        await sql<{ code: string }>`SELECT code FROM categories WHERE department = '城管局'`.execute(handle.db)
      ).rows.map((r) => r.code),
    );

  beforeAll(async () => {
    handle = await backend.open();
    app = await buildTestApp(handle);
    world = await createWorld(handle.db);
    ids = await loadProblems(handle.db);
    const a = await loadAssessment(handle.db, world);
    ids.photos = {
      mine: await attachedPhoto(app, handle.db, world.tokens.inspector, ids.mine),
      neigh: await attachedPhoto(app, handle.db, world.tokens.inspector, ids.neigh),
    };
    // A user with a real password for the (public) login route.
    await handle.db
      .insertInto('users')
      .values({
        username: 'matrix-login',
        display_name: '登录',
        role: 'inspector',
        scope: [],
        department: null,
        password_hash: await hash(LOGIN_PASSWORD),
      })
      .execute();
    ctx = {
      world,
      ids,
      version: async (id) =>
        Number(
          (await sql<{ v: number }>`SELECT version AS v FROM problems WHERE id = ${id}`.execute(handle.db)).rows[0].v,
        ),
      seq: () => ++counter,
      a,
    };
    const day = 86_400_000;
    const campaign = async (name: string, regions: string[]) =>
      (
        await handle.db
          .insertInto('campaigns')
          .values({
            name,
            kind: '市容环境',
            starts_at: new Date(Date.now() - 20 * day),
            ends_at: new Date(Date.now() + 20 * day),
            categories: ['06010'],
            regions,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    F.campaign = await campaign('全县暴露垃圾', []);
    F.far = await campaign('街道二专项', ['430121002']);
    for (const role of ROLES) {
      F.subscription[role] = (
        await handle.db
          .insertInto('subscriptions')
          .values({
            user_id: world.userIds[role],
            region_code: null,
            channel: 'inbox',
            address: null,
            secret: null,
            kinds: ['reminder'],
            campaign_id: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      F.inbox[role] = Number(
        (
          await handle.db
            .insertInto('messages')
            .values({
              kind: 'reminder',
              channel: 'inbox',
              user_id: world.userIds[role],
              region_code: null,
              subscription_id: null,
              address: null,
              subject: `给${role}`,
              body: '矩阵',
              data: null,
              status: 'delivered',
              error: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    }
    // API keys: the manager's (acts exactly as the manager) and one for the DELETE route to revoke.
    interopKeys.manager = 'matrix-key-manager';
    for (const [name, userId, key] of [
      ['矩阵网格长', world.userIds.manager, interopKeys.manager],
      ['矩阵可吊销', world.userIds.inspector, 'matrix-key-revocable'],
    ] as const) {
      const row = await handle.db
        .insertInto('api_keys')
        .values({ name, user_id: userId, key_hash: hashToken(key), key_prefix: key.slice(0, 10), source: 'hotline' })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (key !== interopKeys.manager) interopKeys.revocableId = row.id;
    }
  });

  afterAll(async () => {
    await app?.close();
    await handle?.close();
  });

  // ------------------------------------------------------------ 1. completeness

  it('every route has a matrix entry, and the public routes are exactly the expected ones', () => {
    const table = app.routeTable.map((r) => ({ key: `${r.method} ${r.url}`, public: r.public }));
    expect(table.length).toBeGreaterThan(30);
    const missing = table.filter((r) => !(r.key in MATRIX)).map((r) => r.key);
    expect(
      missing,
      'routes without a scope-matrix entry: add them to MATRIX in test/server/scope-matrix.test.ts',
    ).toEqual([]);
    const stale = Object.keys(MATRIX).filter((k) => !table.some((r) => r.key === k));
    expect(stale, 'matrix entries for routes the app no longer serves').toEqual([]);
    expect(
      table
        .filter((r) => r.public)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...PUBLIC_ROUTES].sort());
    expect(
      Object.entries(MATRIX)
        .filter(([, e]) => e.allowed === 'public')
        .map(([k]) => k)
        .sort(),
    ).toEqual([...PUBLIC_ROUTES].sort());
  });

  // ------------------------------------------------------------ 3. isolation (reads first: the role matrix below writes)

  it('fixture sanity: the admin sees the neighbour block and the 交警 problems (so the isolation checks can fail)', async () => {
    const list = await json('admin', '/api/problems?limit=1000');
    const seen = list.features.map((f: { id: number }) => f.id);
    for (const id of [ids.mine, ...neighbourIds()]) expect(seen).toContain(id);
    for (const id of neighbourIds()) expect((await get('admin', `/api/problems/${id}`)).statusCode).toBe(200);
    expect((await json('admin', `/api/regions/${NEIGHBOUR_BLOCK}`)).properties.code).toBe(NEIGHBOUR_BLOCK);
    const overdue = await json('admin', '/api/problems?overdue=true&limit=1000');
    expect(overdue.features.map((f: { id: number }) => f.id).sort()).toEqual(
      [ids.mine, ids.neigh, ids.traffic].sort((a, b) => a - b),
    );
  });

  it(ISO.problems, async () => {
    // List: own problem in, nothing of the neighbour, whatever filter asks for it.
    const list = await json('manager', '/api/problems?limit=1000');
    const seen: number[] = list.features.map((f: { id: number }) => f.id);
    expect(seen).toContain(ids.mine);
    expect(seen.sort((a, b) => a - b)).toEqual(
      (
        await sql<{
          id: number;
        }>`SELECT id FROM problems WHERE region_code LIKE ${MANAGER_BLOCK + '%'} ORDER BY id`.execute(handle.db)
      ).rows.map((r) => Number(r.id)),
    );
    for (const f of list.features) expect(f.properties.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
    for (const url of [
      `/api/problems?region=${NEIGHBOUR_BLOCK}`,
      `/api/problems?q=${encodeURIComponent(DESCRIPTION_NEIGH)}`,
      `/api/problems?bbox=${REGIONS.find((r) => r.code === NEIGHBOUR_BLOCK)!.box.join(',')}`,
      '/api/problems?category=09009',
    ]) {
      expect((await json('manager', url)).features, url).toEqual([]);
    }
    expect(
      (await json('admin', `/api/problems?q=${encodeURIComponent(DESCRIPTION_NEIGH)}`)).features.map(
        (f: { id: number }) => f.id,
      ),
    ).toEqual([ids.neigh]);
    // Detail and events: the neighbour's problem is a 404 exactly like a missing id.
    const missing = await get('manager', '/api/problems/99999999');
    expect(missing.statusCode).toBe(404);
    for (const id of neighbourIds()) {
      for (const url of [`/api/problems/${id}`, `/api/problems/${id}/events`]) {
        const res = await get('manager', url);
        expect(res.statusCode, `manager GET ${url}`).toBe(404);
        expect(res.json().error.code).toBe(missing.json().error.code);
        expect(res.body).not.toContain(NEIGHBOUR_BLOCK);
      }
    }
    const own = await json('manager', `/api/problems/${ids.mine}`);
    expect(own.properties.region_code).toBe(MANAGER_BLOCK);
    expect(own.properties.allowed_actions.length).toBeGreaterThan(0);
    const events = await json('manager', `/api/problems/${ids.mine}/events`);
    expect(events.events.length).toBeGreaterThanOrEqual(1);

    // The department: only 城管局 categories, in every block.
    const cats = await deptCategories();
    const dept = await json('department', '/api/problems?limit=1000');
    const deptSeen = dept.features.map((f: { id: number }) => f.id);
    expect(deptSeen).toEqual(expect.arrayContaining([ids.mine, ids.neigh, ids.neigh2]));
    expect(deptSeen).not.toContain(ids.traffic);
    expect(deptSeen).not.toContain(ids.traffic2);
    for (const f of dept.features) expect(cats.has(f.properties.category_code)).toBe(true);
    expect((await json('department', '/api/problems?category=09009')).features).toEqual([]);
    for (const id of [ids.traffic, ids.traffic2]) {
      expect((await get('department', `/api/problems/${id}`)).statusCode).toBe(404);
      expect((await get('department', `/api/problems/${id}/events`)).statusCode).toBe(404);
    }
    expect((await get('department', `/api/problems/${ids.neigh}`)).statusCode).toBe(200);
  });

  it(ISO.regions, async () => {
    const all = await json('manager', '/api/regions');
    const codes: string[] = all.features.map((f: { properties: { code: string } }) => f.properties.code);
    // The two lists cover the test world's regions exactly, so neither can go stale unnoticed.
    expect([...VISIBLE_CODES, ...HIDDEN_CODES].sort()).toEqual(REGIONS.map((r) => r.code).sort());
    expect([...codes].sort()).toEqual(VISIBLE_CODES);
    for (const c of codes) expect(HIDDEN_CODES, `manager sees region ${c}`).not.toContain(c);
    for (const q of [
      '?level=block',
      '?parent=430121001001',
      '?level=block&parent=430121001001',
      '?level=community',
      '?level=street',
    ]) {
      const res = await json('manager', `/api/regions${q}`);
      for (const f of res.features)
        expect(HIDDEN_CODES, `GET /api/regions${q} shows ${f.properties.code}`).not.toContain(f.properties.code);
    }
    expect(
      (await json('manager', '/api/regions?level=block')).features.map(
        (f: { properties: { code: string } }) => f.properties.code,
      ),
    ).toEqual([MANAGER_BLOCK]);
    expect((await json('admin', '/api/regions?level=block')).features).toHaveLength(8);

    for (const code of [NEIGHBOUR_BLOCK, '430121001002', '430121002', '430121002002002']) {
      const res = await get('manager', `/api/regions/${code}`);
      expect(res.statusCode, `manager GET /api/regions/${code}`).toBe(404);
    }
    const own = await json('manager', `/api/regions/${MANAGER_BLOCK}`);
    expect(own.properties.chain.map((c: { code: string }) => c.code)).toContain('430121001001');

    for (const q of ['网格', '社区', '街道', NEIGHBOUR_BLOCK, '4301210010']) {
      const res = await json('manager', `/api/regions/search?q=${encodeURIComponent(q)}`);
      for (const r of res.regions) expect(HIDDEN_CODES, `search ${q} shows ${r.code}`).not.toContain(r.code);
    }
    const found = await json('manager', `/api/regions/search?q=${encodeURIComponent('网格')}`);
    expect(found.regions.map((r: { code: string }) => r.code)).toEqual([MANAGER_BLOCK]);
    expect((await json('admin', `/api/regions/search?q=${encodeURIComponent('网格')}`)).regions.length).toBe(8);
  });

  it(ISO.stats, async () => {
    const mineOpen = await openIds('manager');
    const blocks = await json('manager', '/api/stats/regions?level=block');
    expect(blocks.regions.map((r: { code: string }) => r.code)).toEqual([MANAGER_BLOCK]);
    expect(blocks.regions[0].open).toBe(mineOpen.length);
    expect(blocks.regions[0].overdue).toBeGreaterThanOrEqual(1);
    for (const q of [
      '?level=community',
      '?level=street',
      `?level=block&parent=430121001001`,
      `?level=block&region=${NEIGHBOUR_BLOCK}`,
    ]) {
      const res = await json('manager', `/api/stats/regions${q}`);
      for (const r of res.regions) {
        expect(HIDDEN_CODES, `stats ${q} shows ${r.code}`).not.toContain(r.code);
        // A row for an ancestor, if any, counts only the manager's own problems.
        expect(r.open, `stats ${q} row ${r.code}`).toBeLessThanOrEqual(mineOpen.length);
      }
    }
    const adminBlocks = await json('admin', '/api/stats/regions?level=block');
    expect(adminBlocks.regions.find((r: { code: string }) => r.code === NEIGHBOUR_BLOCK).open).toBe(4);

    // The map's numbers (from the rollups): the manager's own block only, every level and filter.
    for (const q of ['?level=block', '?level=community', '?level=street', `?level=block&region=${NEIGHBOUR_BLOCK}`]) {
      const map = await json('manager', `/api/stats/map${q}&measure=open`);
      expect(
        map.codes.filter((c: string) => c !== MANAGER_BLOCK),
        `map ${q}`,
      ).toEqual([]);
    }
    const mapOpen = await json('manager', '/api/stats/map?level=block&measure=open');
    expect(mapOpen).toMatchObject({ codes: [MANAGER_BLOCK], values: [mineOpen.length], source: 'rollups' });
    const adminMap = await json('admin', '/api/stats/map?level=block&measure=open');
    expect(adminMap.values[adminMap.codes.indexOf(NEIGHBOUR_BLOCK)]).toBe(4);

    // Panel: own block yes (its lists hold only own problems); anything else 404.
    const panel = await json('manager', `/api/stats/regions/${MANAGER_BLOCK}`);
    expect(panel.totals.open).toBe(mineOpen.length);
    const overdueIds = panel.oldest_overdue.map((o: { id: number }) => o.id);
    expect(overdueIds).toContain(ids.mine);
    for (const o of panel.oldest_overdue) expect(o.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
    expect(panel.categories.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(mineOpen.length);
    expect(JSON.stringify(panel)).not.toContain(NEIGHBOUR_BLOCK);
    for (const code of [NEIGHBOUR_BLOCK, '430121001001', '430121001', '430121', '430121002002002']) {
      expect((await get('manager', `/api/stats/regions/${code}`)).statusCode, `manager panel ${code}`).toBe(404);
    }

    // The department: the neighbour block counts its 城管局 problems only.
    const deptOpen = await openIds('department');
    const deptBlocks = await json('department', '/api/stats/regions?level=block');
    expect(deptBlocks.regions.find((r: { code: string }) => r.code === NEIGHBOUR_BLOCK).open).toBe(2);
    expect(deptBlocks.regions.reduce((s: number, r: { open: number }) => s + r.open, 0)).toBe(deptOpen.length);
    const deptMap = await json('department', '/api/stats/map?level=block&measure=open');
    expect(deptMap.values[deptMap.codes.indexOf(NEIGHBOUR_BLOCK)]).toBe(2);
    const deptPanel = await json('department', `/api/stats/regions/${NEIGHBOUR_BLOCK}`);
    expect(deptPanel.totals.open).toBe(2);
    expect(deptPanel.oldest_overdue.map((o: { id: number }) => o.id)).toEqual([ids.neigh]);
    const cats = await deptCategories();
    for (const c of deptPanel.categories) expect(cats.has(c.code)).toBe(true);
  });

  it(ISO.rankings, async () => {
    for (const level of ['block', 'community', 'street']) {
      const res = await json('manager', `/api/rankings?level=${level}`);
      for (const u of res.units)
        expect(u.code.startsWith(MANAGER_BLOCK), `rankings ${level} shows ${u.code}`).toBe(true);
    }
    expect((await json('manager', '/api/rankings?level=block')).units.map((u: { code: string }) => u.code)).toEqual([
      MANAGER_BLOCK,
    ]);
    expect((await json('admin', '/api/rankings?level=block')).units.map((u: { code: string }) => u.code)).toContain(
      NEIGHBOUR_BLOCK,
    );

    const res = await get('manager', '/api/exports/rankings.xlsx?level=block');
    expect(res.statusCode).toBe(200);
    const rows = (await xlsxRecords(res.rawPayload, '单位编码')).filter((r) =>
      /^\d{6,15}$/.test(String(r['单位编码'] ?? '')),
    );
    expect(rows.map((r) => r['单位编码'])).toEqual([MANAGER_BLOCK]);
    expect(res.rawPayload.toString('latin1')).not.toContain(NEIGHBOUR_BLOCK);
    const adminRows = (
      await xlsxRecords((await get('admin', '/api/exports/rankings.xlsx?level=block')).rawPayload, '单位编码')
    ).map((r) => r['单位编码']);
    expect(adminRows).toContain(NEIGHBOUR_BLOCK);
  });

  it(ISO.hotspots, async () => {
    const mineOpen = await openIds('manager');
    // DBSCAN: the admin finds a cluster in the neighbour block; the manager only their own.
    const q = 'min_points=2&eps_m=100';
    const admin = await json('admin', `/api/hotspots?${q}`);
    expect(admin.features.map((f: { properties: { block_code: string } }) => f.properties.block_code)).toContain(
      NEIGHBOUR_BLOCK,
    );
    const dbscan = await json('manager', `/api/hotspots?${q}`);
    expect(dbscan.total).toBe(mineOpen.length);
    expect(dbscan.features.length).toBeGreaterThan(0);
    for (const f of dbscan.features) expect(f.properties.block_code, 'dbscan cluster block').toBe(MANAGER_BLOCK);
    expect(JSON.stringify(dbscan)).not.toContain(NEIGHBOUR_BLOCK);

    const gi = await json('manager', '/api/hotspots?method=gistar&cell_m=100');
    expect(gi.total).toBe(mineOpen.length);
    expect(gi.features.reduce((s: number, f: { properties: { count: number } }) => s + f.properties.count, 0)).toBe(
      mineOpen.length,
    );
    for (const f of gi.features) {
      if (f.properties.block_code !== null)
        expect(HIDDEN_CODES, `gistar cell ${f.id} block`).not.toContain(f.properties.block_code);
    }

    // Exports: same answer, as files.
    const csv = await get('manager', `/api/exports/hotspots.csv?${q}`);
    expect(csv.statusCode).toBe(200);
    const csvRows = csvRecords(csv.rawPayload);
    expect(csvRows.length).toBe(dbscan.features.length);
    for (const r of csvRows) expect(r['网格编码']).toBe(MANAGER_BLOCK);
    const adminCsv = csvRecords((await get('admin', `/api/exports/hotspots.csv?${q}`)).rawPayload);
    expect(adminCsv.map((r) => r['网格编码'])).toContain(NEIGHBOUR_BLOCK);

    const xlsx = await get('manager', `/api/exports/hotspots.xlsx?${q}`);
    expect(xlsx.statusCode).toBe(200);
    const xrows = (await xlsxRecords(xlsx.rawPayload, '网格编码')).filter((r) => r['网格编码']);
    expect(xrows.length).toBe(dbscan.features.length);
    for (const r of xrows) expect(r['网格编码']).toBe(MANAGER_BLOCK);

    const geo = await get('manager', `/api/exports/hotspots.geojson?${q}`);
    expect(geo.statusCode).toBe(200);
    const fc = JSON.parse(geo.body);
    expect(fc.features.length).toBe(dbscan.features.length);
    expect(fc.total).toBe(mineOpen.length);
    for (const f of fc.features) expect(f.properties.block_code).toBe(MANAGER_BLOCK);

    // The department: 交警 problems are not in its selection.
    const deptOpen = await openIds('department');
    const dept = await json('department', `/api/hotspots?${q}`);
    expect(dept.total).toBe(deptOpen.length);
    const cats = await deptCategories();
    for (const f of dept.features)
      for (const c of f.properties.top_categories)
        expect(cats.has(c.code), `dept hotspot category ${c.code}`).toBe(true);
  });

  it(ISO.exports, async () => {
    const own = (
      await sql<{
        id: number;
      }>`SELECT id FROM problems WHERE region_code LIKE ${MANAGER_BLOCK + '%'} ORDER BY id`.execute(handle.db)
    ).rows.map((r) => Number(r.id));

    const csv = await get('manager', '/api/exports/problems.csv');
    expect(csv.statusCode).toBe(200);
    const rows = csvRecords(csv.rawPayload);
    expect(rows.map((r) => Number(r['编号'])).sort((a, b) => a - b)).toEqual(own);
    for (const r of rows) expect(r['网格编码']).toBe(MANAGER_BLOCK);
    expect(
      csvRecords((await get('admin', '/api/exports/problems.csv')).rawPayload).map((r) => r['网格编码']),
    ).toContain(NEIGHBOUR_BLOCK);
    // Token in the query string (download links) gives the same scope.
    const viaQuery = await app.inject({
      method: 'GET',
      url: `/api/exports/problems.csv?access_token=${world.tokens.manager}`,
    });
    expect(csvRecords(viaQuery.rawPayload).map((r) => r['网格编码'])).not.toContain(NEIGHBOUR_BLOCK);

    const xlsx = await get('manager', '/api/exports/problems.xlsx');
    expect(xlsx.statusCode).toBe(200);
    const xrows = (await xlsxRecords(xlsx.rawPayload, '编号')).filter((r) => typeof r['编号'] === 'number');
    expect(xrows.map((r) => r['编号'] as number).sort((a, b) => a - b)).toEqual(own);
    for (const r of xrows) expect(r['网格编码']).toBe(MANAGER_BLOCK);

    const geo = await get('manager', '/api/exports/problems.geojson');
    expect(geo.statusCode).toBe(200);
    const fc = JSON.parse(geo.body);
    expect(fc.features.map((f: { id: number }) => f.id).sort((a: number, b: number) => a - b)).toEqual(own);
    for (const f of fc.features) expect(f.properties.region_code).toBe(MANAGER_BLOCK);
    // A filter naming the neighbour gives an empty file, not the neighbour's rows.
    expect(
      csvRecords((await get('manager', `/api/exports/problems.csv?region=${NEIGHBOUR_BLOCK}`)).rawPayload),
    ).toEqual([]);

    // The department: no 交警 rows.
    const cats = await deptCategories();
    const drows = csvRecords((await get('department', '/api/exports/problems.csv')).rawPayload);
    const dids = drows.map((r) => Number(r['编号']));
    expect(dids).toEqual(expect.arrayContaining([ids.mine, ids.neigh]));
    expect(dids).not.toContain(ids.traffic);
    for (const r of drows) expect(cats.has(r['事项类别']), `dept export category ${r['事项类别']}`).toBe(true);
  });

  it(ISO.tiles, async () => {
    /** Every tile of the county at z: 200 with features or 204 with none (a 200 is never empty). */
    const sweep = async (who: Who, layer: 'problems' | 'regions', z: number, query = '') => {
      const out: Record<string, unknown>[] = [];
      const statuses: number[] = [];
      for (const t of countyTiles(z)) {
        const res = await get(who, `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt${query}`);
        statuses.push(res.statusCode);
        expect([200, 204], `${who} ${layer} tile ${t.z}/${t.x}/${t.y}`).toContain(res.statusCode);
        if (res.statusCode !== 200) continue;
        const features = tileFeatures(res.rawPayload, layer);
        expect(features.length, `${who} ${layer} tile ${t.z}/${t.x}/${t.y} is 200 but empty`).toBeGreaterThan(0);
        out.push(...features);
      }
      return { features: out, statuses };
    };
    const problemIds = async (who: Who, z: number, query = '') => (await sweep(who, 'problems', z, query)).features;
    const regionCodes = async (who: Who, z: number) =>
      (await sweep(who, 'regions', z)).features.map((f) => String(f.code));

    // The matrix's own tiles (z14 at the manager's block): a 200 with the block's problem and
    // outline for every role, never an empty 204.
    for (const who of ROLES) {
      const points = await get(who, tileUrl('problems', 14));
      expect(points.statusCode, `${who} problem tile`).toBe(200);
      expect(tileFeatures(points.rawPayload, 'problems').map((f) => Number(f.id))).toContain(ids.mine);
      const outlines = await get(who, tileUrl('regions', 14));
      expect(outlines.statusCode, `${who} region tile`).toBe(200);
      expect(tileFeatures(outlines.rawPayload, 'regions').map((f) => String(f.code))).toContain(MANAGER_BLOCK);
    }
    // Where emptiness is the point: the manager asking for the neighbour's block gets only 204s,
    // where the admin gets the neighbour's problems.
    const asked = `?region=${NEIGHBOUR_BLOCK}`;
    const managerAsks = await sweep('manager', 'problems', 14, asked);
    expect(new Set(managerAsks.statuses)).toEqual(new Set([204]));
    expect((await problemIds('admin', 14, asked)).map((f) => Number(f.id))).toEqual(
      expect.arrayContaining(neighbourIds()),
    );
    const mineOpen = await openIds('manager');
    const own = (
      await sql<{ id: number }>`SELECT id FROM problems WHERE region_code LIKE ${MANAGER_BLOCK + '%'}`.execute(
        handle.db,
      )
    ).rows.map((r) => Number(r.id));

    // z14: one point per problem.
    const adminPoints = (await problemIds('admin', 14)).map((f) => Number(f.id));
    expect(adminPoints).toEqual(expect.arrayContaining(neighbourIds()));
    const points = (await problemIds('manager', 14)).map((f) => Number(f.id));
    expect(points).toContain(ids.mine);
    for (const id of points) expect(own, `manager tile shows problem ${id}`).toContain(id);
    // z10: aggregated cells add up to the manager's own (open, as the tiles select by default) problems.
    const cells = await problemIds('manager', 10);
    const cellTotal = cells.reduce((s, f) => s + Number(f.count ?? 0), 0);
    expect(cellTotal).toBeGreaterThan(0);
    expect([mineOpen.length, own.length]).toContain(cellTotal);
    const adminCells = (await problemIds('admin', 10)).reduce((s, f) => s + Number(f.count ?? 0), 0);
    expect(adminCells).toBeGreaterThan(cellTotal);

    // The department: no 交警 points.
    const cats = await deptCategories();
    const deptPoints = await problemIds('department', 14);
    expect(deptPoints.map((f) => Number(f.id))).toContain(ids.neigh);
    for (const f of deptPoints)
      expect(cats.has(String(f.category_code)), `dept tile category ${f.category_code}`).toBe(true);

    // Region tiles: own block and its ancestors only.
    for (const z of [14, 10]) {
      const codes = await regionCodes('manager', z);
      for (const c of codes) expect(HIDDEN_CODES, `manager region tile z${z} shows ${c}`).not.toContain(c);
      if (z === 14) expect(codes).toContain(MANAGER_BLOCK);
      expect((await regionCodes('admin', z)).some((c) => HIDDEN_CODES.includes(c))).toBe(true);
    }

    // TileJSON: bounds are the manager's block, not the county.
    const box = REGIONS.find((r) => r.code === MANAGER_BLOCK)!.box;
    for (const layer of ['problems', 'regions']) {
      const tj = await json('manager', `/tiles/${layer}.json`);
      const [x0, y0, x1, y1] = tj.bounds;
      const eps = 1e-6;
      expect(
        x0 >= box[0] - eps && y0 >= box[1] - eps && x1 <= box[2] + eps && y1 <= box[3] + eps,
        `${layer}.json bounds ${tj.bounds}`,
      ).toBe(true);
    }
    expect((await json('admin', '/tiles/problems.json')).bounds[2]).toBeCloseTo(COUNTY.box[2], 6);
  });

  it(ISO.campaigns, async () => {
    const list = (await json('manager', '/api/campaigns')).campaigns.map((c: { id: number }) => c.id);
    expect(list).toContain(F.campaign);
    expect(list).not.toContain(F.far);
    expect((await get('manager', `/api/campaigns/${F.far}`)).statusCode).toBe(404);
    expect((await get('manager', `/api/campaigns/${F.far}/progress`)).statusCode).toBe(404);
    expect((await get('admin', `/api/campaigns/${F.far}`)).statusCode).toBe(200);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM problems
      WHERE region_code LIKE ${MANAGER_BLOCK + '%'} AND category_code = '06010' AND status NOT IN ('closed', 'voided')`.execute(
      handle.db,
    );
    for (const level of ['street', 'community', 'block']) {
      const p = await json('manager', `/api/campaigns/${F.campaign}/progress?level=${level}`);
      for (const u of [...p.units, ...p.red, ...p.black, ...p.overdue_by_unit])
        expect(u.code.startsWith(MANAGER_BLOCK), `progress ${level} shows ${u.code}`).toBe(true);
      expect(p.totals.open).toBe(rows[0].n);
    }
    const admin = await json('admin', `/api/campaigns/${F.campaign}/progress?level=block`);
    expect(admin.totals.open).toBeGreaterThan(rows[0].n);
    expect(admin.units.map((u: { code: string }) => u.code)).toContain(NEIGHBOUR_BLOCK);

    const docxText = (buf: Buffer) => {
      const dir = mkdtempSync(join(tmpdir(), 'matrix-docx-'));
      try {
        writeFileSync(join(dir, 'b.docx'), buf);
        return execFileSync('unzip', ['-p', join(dir, 'b.docx'), 'word/document.xml']).toString('utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    for (const base of [`/api/campaigns/${F.campaign}/bulletin`, '/api/bulletins/county']) {
      const b = await json('manager', `${base}?week=${THIS_WEEK}`);
      expect(b.streets).toEqual([]);
      expect(b.oldest_overdue.map((o: { id: number }) => o.id)).toContain(ids.mine);
      for (const o of b.oldest_overdue) expect(o.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
      const adminB = await json('admin', `${base}?week=${THIS_WEEK}`);
      expect(adminB.oldest_overdue.map((o: { id: number }) => o.id)).toContain(ids.neigh);
      const mine = docxText((await get('manager', `${base}.docx?week=${THIS_WEEK}`)).rawPayload);
      expect(mine).not.toContain(DESCRIPTION_NEIGH);
      expect(mine).not.toContain('街道2');
      expect(docxText((await get('admin', `${base}.docx?week=${THIS_WEEK}`)).rawPayload)).toContain(DESCRIPTION_NEIGH);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await get('manager', `${base}.xlsx?week=${THIS_WEEK}`)).rawPayload as unknown as ArrayBuffer);
      const cells: unknown[] = [];
      for (const ws of wb.worksheets) ws.eachRow((r) => cells.push(...(r.values as unknown[])));
      expect(cells).not.toContain(NEIGHBOUR_BLOCK);
      expect(cells).toContain(MANAGER_BLOCK);
    }
    const filtered = await json('manager', `/api/problems?campaign=${F.campaign}&limit=1000`);
    expect(filtered.features.length).toBeGreaterThan(0);
    for (const f of filtered.features) expect(f.properties.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
  });

  it(ISO.messages, async () => {
    const mine = await json('manager', '/api/messages');
    expect(mine.messages.map((m: { id: number }) => m.id)).toContain(F.inbox.manager);
    for (const m of mine.messages) expect(m.user_id).toBe(world.userIds.manager);
    const inbox = await json('manager', '/api/inbox');
    for (const m of inbox.messages) expect(m.user_id).toBe(world.userIds.manager);
    expect(
      (await app.inject({ method: 'POST', url: `/api/inbox/${F.inbox.leader}/read`, headers: as('manager') }))
        .statusCode,
    ).toBe(404);
    const subs = await json('manager', '/api/subscriptions');
    expect(subs.subscriptions.map((x: { id: number }) => x.id)).toEqual([F.subscription.manager]);
    expect(
      (
        await app.inject({
          method: 'DELETE',
          url: `/api/subscriptions/${F.subscription.leader}`,
          headers: as('manager'),
        })
      ).statusCode,
    ).toBe(404);
    // A manager may not point a region's robot anywhere, nor subscribe someone else.
    const robot = await app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      headers: as('manager'),
      payload: { channel: 'wecom', address: 'http://127.0.0.1:9/x', region_code: NEIGHBOUR_BLOCK },
    });
    expect(robot.statusCode).toBe(403);
    const other = await app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      headers: as('manager'),
      payload: { channel: 'inbox', user_id: world.userIds.leader },
    });
    expect(other.statusCode).toBe(403);
    expect((await json('admin', '/api/messages')).messages.map((m: { id: number }) => m.id)).toContain(F.inbox.leader);
  });

  it(ISO.interop, async () => {
    const own = (
      await sql<{
        id: number;
      }>`SELECT id FROM problems WHERE region_code LIKE ${MANAGER_BLOCK + '%'} ORDER BY id`.execute(handle.db)
    ).rows.map((r) => Number(r.id));
    const keyed = { 'x-api-key': interopKeys.manager };
    const viaKey = async (url: string) => app.inject({ url, headers: keyed });

    // The manager's API key is the manager: same list as the token on /api.
    const apiList = (await viaKey('/api/problems?limit=1000')).json();
    expect(apiList.features.map((f: { id: number }) => f.id).sort((a: number, b: number) => a - b)).toEqual(own);

    // Open311 with the manager's token or key: own area only; a neighbour's id is a 404.
    for (const headers of [as('manager'), keyed]) {
      const list = await app.inject({ url: '/open311/v2/requests.json?page_size=1000', headers });
      expect(list.statusCode).toBe(200);
      const seen = list.json().map((r: { service_request_id: string }) => Number(r.service_request_id));
      expect(seen).toContain(ids.mine);
      for (const id of seen) expect(own, `open311 list shows ${id}`).toContain(id);
      for (const id of neighbourIds()) {
        const res = await app.inject({ url: `/open311/v2/requests/${id}.json`, headers });
        expect(res.statusCode).toBe(404);
        expect(res.body).not.toContain(NEIGHBOUR_BLOCK);
      }
      const xml = await app.inject({ url: '/open311/v2/requests.xml?page_size=1000', headers });
      for (const id of neighbourIds()) expect(xml.body).not.toContain(`<service_request_id>${id}</service_request_id>`);
    }
    const mineList = (await app.inject({ url: '/open311/v2/requests.json', headers: as('manager') })).json();
    expect(mineList.map((r: { service_request_id: string }) => Number(r.service_request_id))).toContain(ids.mine);
    const adminList = (await app.inject({ url: '/open311/v2/requests.json', headers: as('admin') })).json();
    expect(adminList.map((r: { service_request_id: string }) => Number(r.service_request_id))).toContain(ids.neigh);
    // Anonymous: citizen reports only (none of the fixtures is one).
    const anon = (await app.inject({ url: '/open311/v2/requests.json' })).json();
    for (const r of anon) expect(own.concat(neighbourIds())).not.toContain(Number(r.service_request_id));
    expect((await app.inject({ url: `/open311/v2/requests/${ids.neigh}.json` })).statusCode).toBe(404);
    // A manager's key cannot report into the neighbour's block.
    const [long, lat] = centre(NEIGHBOUR_BLOCK);
    const outside = await app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: { ...PUBLIC_REPORT, api_key: interopKeys.manager, lat, long },
    });
    expect(outside.statusCode).toBe(403);

    // OGC API – Features: own problems, own block (and its ancestors), 404 for the neighbour's.
    for (const headers of [as('manager'), keyed]) {
      const items = (await app.inject({ url: '/ogc/collections/problems/items?limit=1000', headers })).json();
      expect(items.features.map((f: { id: number }) => f.id).sort((a: number, b: number) => a - b)).toEqual(own);
      expect(items.numberMatched).toBe(own.length);
      for (const q of [
        `?region=${NEIGHBOUR_BLOCK}`,
        `?bbox=${REGIONS.find((r) => r.code === NEIGHBOUR_BLOCK)!.box.join(',')}`,
      ]) {
        expect(
          (await app.inject({ url: `/ogc/collections/problems/items${q}`, headers })).json().numberMatched,
          q,
        ).toBe(0);
      }
      for (const id of neighbourIds())
        expect((await app.inject({ url: `/ogc/collections/problems/items/${id}`, headers })).statusCode).toBe(404);
      for (const c of ['blocks', 'communities', 'streets']) {
        const fc = (await app.inject({ url: `/ogc/collections/${c}/items?limit=1000`, headers })).json();
        for (const f of fc.features) expect(HIDDEN_CODES, `ogc ${c} shows ${f.id}`).not.toContain(f.id);
      }
      expect((await app.inject({ url: `/ogc/collections/blocks/items/${NEIGHBOUR_BLOCK}`, headers })).statusCode).toBe(
        404,
      );
      const col = (await app.inject({ url: '/ogc/collections/blocks', headers })).json();
      expect(col.extent.spatial.bbox[0]).toEqual(REGIONS.find((r) => r.code === MANAGER_BLOCK)!.box);
    }
    const adminItems = (await json('admin', '/ogc/collections/problems/items?limit=1000')).features.map(
      (f: { id: number }) => f.id,
    );
    expect(adminItems).toEqual(expect.arrayContaining(neighbourIds()));
    // The department: no 交警 problems.
    const dept = (await json('department', '/ogc/collections/problems/items?limit=1000')).features.map(
      (f: { id: number }) => f.id,
    );
    expect(dept).toContain(ids.neigh);
    expect(dept).not.toContain(ids.traffic);
  });

  it(ISO.photos, async () => {
    // The admin fetches both (so the manager's 404 can fail); the manager only their own.
    for (const id of [ids.photos.mine, ids.photos.neigh])
      expect((await get('admin', `/api/photos/${id}`)).statusCode).toBe(200);
    for (const suffix of ['', '/thumb']) {
      expect((await get('manager', `/api/photos/${ids.photos.mine}${suffix}`)).statusCode).toBe(200);
      const denied = await get('manager', `/api/photos/${ids.photos.neigh}${suffix}`);
      expect(denied.statusCode).toBe(404);
      expect(denied.json().error.code).toBe('NOT_FOUND');
      // By ?access_token= (an <img src>) exactly the same.
      const byQuery = await app.inject({
        url: `/api/photos/${ids.photos.neigh}${suffix}?access_token=${world.tokens.manager}`,
      });
      expect(byQuery.statusCode).toBe(404);
    }
    expect((await json('manager', `/api/problems/${ids.mine}/photos`)).photos.map((p: { id: number }) => p.id)).toEqual(
      [ids.photos.mine],
    );
    expect((await get('manager', `/api/problems/${ids.neigh}/photos`)).statusCode).toBe(404);
    expect((await get('admin', `/api/problems/${ids.neigh}/photos`)).statusCode).toBe(200);
  });

  it(ISO.queues, async () => {
    const todo = await json('manager', '/api/queues/todo');
    const mineIds: number[] = todo.items.map((i: { id: number }) => i.id);
    expect(mineIds).toContain(ids.mine2);
    for (const i of todo.items) expect(i.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
    expect(todo.count).toBe(todo.items.length);
    const dept = await json('department', '/api/queues/todo');
    const deptIds: number[] = dept.items.map((i: { id: number }) => i.id);
    expect(deptIds).toContain(ids.neigh);
    expect(deptIds).not.toContain(ids.traffic);
    expect(deptIds).not.toContain(ids.traffic2);
    const all: number[] = (await json('admin', '/api/queues/todo?limit=500')).items.map((i: { id: number }) => i.id);
    for (const id of [ids.neigh, ids.traffic2]) expect(all).toContain(id);
  });

  it(ISO.writes, async () => {
    const count = async () =>
      Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM problems`.execute(handle.db)).rows[0].n);
    const eventsOf = async (id: number) =>
      Number(
        (
          await sql<{ n: number }>`SELECT count(*)::int AS n FROM problem_events WHERE problem_id = ${id}`.execute(
            handle.db,
          )
        ).rows[0].n,
      );
    const state = async (id: number) =>
      (
        await sql<{ status: string; version: number }>`SELECT status, version FROM problems WHERE id = ${id}`.execute(
          handle.db,
        )
      ).rows[0];
    const before = await count();

    // Create in the neighbour block: refused, nothing written.
    const [lon, lat] = centre(NEIGHBOUR_BLOCK);
    const create = await app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(world.tokens.manager),
      payload: { lon, lat, category: '06010' },
    });
    expect(create.statusCode).toBe(403);
    // The department cannot report a 交警 problem.
    const deptCreate = await app.inject({
      method: 'POST',
      url: '/api/problems',
      headers: auth(world.tokens.department),
      payload: { lon, lat, category: '09009' },
    });
    expect(deptCreate.statusCode).toBe(403);
    // Import is not a manager's or department's tool at all.
    const csv = `lon,lat,category\n${lon},${lat},06010\n`;
    for (const who of ['manager', 'department'] as const) {
      const imp = await app.inject({
        method: 'POST',
        url: '/api/problems/import',
        headers: { ...auth(world.tokens[who]), 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(imp.statusCode, `${who} import`).toBe(403);
    }
    expect(await count()).toBe(before);

    // Transitions on the neighbour's problems: 404, and the problem and its record unchanged.
    const attempts: [Who, number, string][] = [
      ['manager', ids.neigh, 'resolve'],
      ['manager', ids.neigh2, 'resolve'],
      ['manager', ids.traffic, 'resolve'],
      ['department', ids.traffic, 'resolve'],
      ['department', ids.traffic2, 'start'],
    ];
    for (const [who, id, action] of attempts) {
      const s0 = await state(id);
      const e0 = await eventsOf(id);
      const res = await app.inject({
        method: 'POST',
        url: `/api/problems/${id}/transitions`,
        headers: as(who),
        payload: { action, version: s0.version, note: 'x' },
      });
      expect(res.statusCode, `${who} ${action} problem ${id}: ${res.body}`).toBe(404);
      expect(res.body).not.toContain('allowed_actions');
      expect(await state(id)).toEqual(s0);
      expect(await eventsOf(id)).toBe(e0);
    }
    // Edits: the neighbour's problems are 404 and untouched; moving one's own problem into the
    // neighbour block is refused and leaves it where it was.
    for (const [who, id] of [
      ['manager', ids.neigh],
      ['manager', ids.traffic],
      ['department', ids.traffic],
    ] as [Who, number][]) {
      const s0 = await state(id);
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/problems/${id}`,
        headers: as(who),
        payload: { version: s0.version, description: 'x' },
      });
      expect(res.statusCode, `${who} edits problem ${id}`).toBe(404);
      expect(await state(id)).toEqual(s0);
    }
    const own0 = await state(ids.mine);
    const [nlon, nlat] = centre(NEIGHBOUR_BLOCK);
    const move = await app.inject({
      method: 'PATCH',
      url: `/api/problems/${ids.mine}`,
      headers: as('manager'),
      payload: { version: own0.version, lon: nlon, lat: nlat },
    });
    expect(move.statusCode).toBe(403);
    expect(await state(ids.mine)).toEqual(own0);
    expect(
      (await sql<{ region_code: string }>`SELECT region_code FROM problems WHERE id = ${ids.mine}`.execute(handle.db))
        .rows[0].region_code,
    ).toBe(MANAGER_BLOCK);

    // A stale version does not tell the manager the problem exists either.
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/problems/${ids.neigh}/transitions`,
          headers: as('manager'),
          payload: { action: 'resolve', version: 999 },
        })
      ).statusCode,
    ).toBe(404);

    // Marking an own problem a duplicate of the neighbour's: answered as for an id that does not exist.
    const v = await ctx.version(ids.mine);
    const dupNeigh = await app.inject({
      method: 'POST',
      url: `/api/problems/${ids.mine}/transitions`,
      headers: as('manager'),
      payload: { action: 'mark_duplicate', version: v, note: '重复', duplicate_of: ids.neigh },
    });
    const dupMissing = await app.inject({
      method: 'POST',
      url: `/api/problems/${ids.mine}/transitions`,
      headers: as('manager'),
      payload: { action: 'mark_duplicate', version: v, note: '重复', duplicate_of: 99999999 },
    });
    expect(dupNeigh.statusCode).toBe(dupMissing.statusCode);
    expect(dupNeigh.statusCode).toBeGreaterThanOrEqual(400);
    expect(dupNeigh.json().error.code).toBe(dupMissing.json().error.code);
    expect(dupNeigh.json().error.details?.reason).toBe(dupMissing.json().error.details?.reason);
    expect((await state(ids.mine)).status).toBe('filed');

    // The manager's own problem in their own block is theirs to move (the positive side).
    const ok = await app.inject({
      method: 'POST',
      url: `/api/problems/${ids.mine2}/transitions`,
      headers: as('manager'),
      payload: { action: 'resolve', version: await ctx.version(ids.mine2), note: '已清理' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().properties.status).toBe('resolved');

    // Reporting right at the block edge: the duplicate hints and the recurrence link never name the
    // neighbour's problems 16 m away (the admin, reporting at the same spot, gets both).
    const edge = centre(MANAGER_BLOCK)[1];
    const east = offset([113.01, edge], 8, 0);
    const west = offset([113.01, edge], -8, 0);
    const openNext = await insertProblem(handle.db, {
      at: east,
      block: NEIGHBOUR_BLOCK,
      category: '06010',
      status: 'dispatched',
      dueInHours: 24,
    });
    const closedNext = await insertProblem(handle.db, {
      at: east,
      block: NEIGHBOUR_BLOCK,
      category: '06010',
      status: 'dispatched',
      dueInHours: 24,
    });
    // Duplicates are looked for among recent reports (a window of hours around the new one).
    await sql`UPDATE problems SET reported_at = now() - interval '1 hour' WHERE id = ${openNext}`.execute(handle.db);
    await sql`UPDATE problems SET status = 'closed', resolved_at = now() - interval '1 day', closed_at = now() - interval '1 day' WHERE id = ${closedNext}`.execute(
      handle.db,
    );
    const report = (who: Who) =>
      app.inject({
        method: 'POST',
        url: '/api/problems',
        headers: as(who),
        payload: { lon: west[0], lat: west[1], category: '06010', description: '边界上报' },
      });
    const byManager = await report('manager');
    expect(byManager.statusCode, byManager.body).toBe(201);
    expect(byManager.json().region_code).toBe(MANAGER_BLOCK);
    expect(byManager.json().possible_duplicates.map((d: { id: number }) => d.id)).not.toContain(openNext);
    expect(byManager.json().recurrence_of).not.toBe(closedNext);
    expect(byManager.body).not.toContain(NEIGHBOUR_BLOCK);
    const byAdmin = await report('admin');
    expect(byAdmin.statusCode).toBe(201);
    expect(byAdmin.json().possible_duplicates.map((d: { id: number }) => d.id)).toContain(openNext);
    expect(byAdmin.json().recurrence_of).toBe(closedNext);

    // A manager cannot widen their own scope (users admin is admin only).
    const widen = await app.inject({
      method: 'PATCH',
      url: `/api/users/${world.userIds.manager}`,
      headers: as('manager'),
      payload: { scope: ['430121'] },
    });
    expect(widen.statusCode).toBe(403);
    expect((await json('manager', '/api/auth/me')).scope).toEqual([MANAGER_BLOCK]);
  });

  // ------------------------------------------------------------ 2. every route × every caller

  it('a role refused an action gets 403 with the actions it does have', async () => {
    const id = ids.transition.admin; // still 'reported' until the matrix below files it
    const res = await app.inject({
      method: 'POST',
      url: `/api/problems/${id}/transitions`,
      headers: as('leader'),
      payload: { action: 'file', version: await ctx.version(id) },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  describe('every route × every caller', () => {
    it.each(Object.keys(MATRIX))('%s', async (key) => {
      const entry = MATRIX[key];
      const outcome: Record<string, number> = {};
      const expected: Record<string, string> = {};
      for (const who of CALLERS) {
        let headers: Record<string, string> = {};
        if (who !== 'anonymous') {
          headers = auth(world.tokens[who]);
          if (key === 'POST /api/auth/logout') {
            // A fresh token of this user, so logging out leaves the world's token alive.
            const token = `matrix-logout-${who}-${ctx.seq()}`;
            await handle.db
              .insertInto('api_tokens')
              .values({
                user_id: world.userIds[who],
                token_hash: hashToken(token),
                expires_at: new Date(Date.now() + 3_600_000),
              })
              .execute();
            headers = auth(token);
          }
        }
        const req = await entry.request(ctx, who);
        const res = await app.inject({
          ...req,
          headers: { ...(req.headers as Record<string, string> | undefined), ...headers },
        } as InjectOptions);
        outcome[who] = res.statusCode;
        const ok = entry.ok ?? [200];
        let want: number[];
        if (entry.allowed === 'public') want = who !== 'anonymous' && entry.forbidden?.includes(who) ? [403] : ok;
        else if (who === 'anonymous') want = [401];
        else if (entry.allowed === 'all' || entry.allowed.includes(who)) want = ok;
        else want = [403];
        expected[who] = want.join('|');
        if (!want.includes(res.statusCode)) expected[who] += ` (got ${res.statusCode}: ${res.body.slice(0, 200)})`;
      }
      const pass = Object.fromEntries(
        CALLERS.map((w) => [w, expected[w].split(' ')[0].split('|').includes(String(outcome[w]))]),
      );
      expect(pass, `${key}: ${JSON.stringify(expected)}`).toEqual(Object.fromEntries(CALLERS.map((w) => [w, true])));
      // Every entry says where its scope is tested.
      expect(entry.scope.length).toBeGreaterThan(0);
    });
  });

  it('after the matrix: the world tokens still work and the manager still sees only their block', async () => {
    for (const role of ROLES) expect((await get(role, '/api/auth/me')).statusCode).toBe(200);
    const list = await json('manager', '/api/problems?limit=1000');
    for (const f of list.features) expect(f.properties.region_code.startsWith(MANAGER_BLOCK)).toBe(true);
    expect(list.features.map((f: { id: number }) => f.id)).not.toContain(ids.neigh);
  });
});
