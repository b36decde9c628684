/**
 * Problems: create (with block assignment, duplicate and recurrence checks), bulk import, list
 * with keyset pagination, and the Feature shape every problem endpoint answers with.
 *
 * Region assignment everywhere is "the finest region whose polygon covers the point", computed by
 * PostGIS. ST_Covers rather than ST_Contains: a point lying exactly on a block edge (inspectors
 * often stand on the street that *is* the boundary) is covered by the block but not "contained",
 * and would otherwise fall into no block at all. Two blocks sharing that edge both cover it; the
 * lower code wins, so the answer is deterministic.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { isCalendarInstant } from '../../domain/time.js';
import { asGeoJsonSql, envelopeSql, pointSql } from '../spatial.js';
import { problemScopeSql, type Scope } from './scope.js';
import { regionChain, type RegionRef } from './regions.js';
import { CODE_LENGTH, REGION_LEVELS } from '../../domain/regions.js';
import { problemFilterSql, OPEN_STATUS_SQL, overdueSql, type ProblemFilters } from './filters.js';
import { allowedActions, type Action, type Role, type Status } from '../../domain/workflow.js';
import type { NewProblem, Rejection } from '../../domain/problem-import.js';

/** Same category, open, within this distance (metres) and {@link DUPLICATE_WINDOW_HOURS}: a possible duplicate. */
export const DUPLICATE_RADIUS_M = 50;
export const DUPLICATE_WINDOW_HOURS = 24;
/** Same category within this distance (metres) of a problem closed in the last {@link RECURRENCE_WINDOW_DAYS}: a recurrence. */
export const RECURRENCE_RADIUS_M = 30;
export const RECURRENCE_WINDOW_DAYS = 30;

/** Properties of a problem Feature (the API contract). Datetimes are ISO 8601 strings (UTC). */
export interface ProblemProperties {
  id: number;
  category_code: string;
  category_name: string;
  status: Status;
  severity: number;
  source: string;
  description: string;
  address: string | null;
  reporter: string | null;
  photos: string[];
  region_code: string;
  reported_at: string;
  due_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  overdue: boolean;
  escalated: boolean;
  rework_count: number;
  extension_count: number;
  duplicate_of: number | null;
  recurrence_of: number | null;
  version: number;
  /** Detail only: county → block. */
  chain?: RegionRef[];
  /** Detail only, when the caller's role is known. */
  allowed_actions?: Action[];
}

export interface ProblemFeature {
  type: 'Feature';
  id: number;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: ProblemProperties;
}

/**
 * True when a point geometry column is within `metres` of `point`. The degree box (ST_Expand by the
 * metres' worth of longitude at that latitude, and of latitude, plus 1 %) lets the GiST index on the
 * column do the work — a geography cast of the column would bypass it; the exact test is then on the
 * spheroid (geography), because degrees are not metres.
 */
function nearSql(column: RawBuilder<unknown>, point: RawBuilder<unknown>, metres: number): RawBuilder<boolean> {
  return sql<boolean>`(${column} && ST_Expand(${point}, ${metres}::float8 / (111320 * cos(radians(ST_Y(${point})))) * 1.01, ${metres}::float8 / 110574 * 1.01)
    AND ST_DWithin(${column}::geography, ${point}::geography, ${metres}::float8))`;
}

/** Every column the Feature needs, from `problems as p` joined to `categories as c`. */
function featureQuery(db: Kysely<DB>) {
  return db
    .selectFrom('problems as p')
    .innerJoin('categories as c', 'c.code', 'p.category_code')
    .select([
      'p.id',
      'p.category_code',
      'c.name as category_name',
      'p.status',
      'p.severity',
      'p.source',
      'p.description',
      'p.address',
      'p.reporter',
      'p.photos',
      'p.region_code',
      'p.reported_at',
      'p.due_at',
      'p.resolved_at',
      'p.closed_at',
      'p.escalated',
      'p.rework_count',
      'p.extension_count',
      'p.duplicate_of',
      'p.recurrence_of',
      'p.version',
      overdueSql('p').as('overdue'),
      asGeoJsonSql('p.geom').as('geometry'),
      // The cursor keeps the full microsecond precision of reported_at (a JS Date has milliseconds
      // only, and a truncated key would repeat rows across pages).
      sql<string>`p.reported_at::text`.as('cursor_at'),
    ]);
}

type FeatureRow = Awaited<ReturnType<ReturnType<typeof featureQuery>['executeTakeFirstOrThrow']>>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toFeature(row: FeatureRow): ProblemFeature {
  return {
    type: 'Feature',
    id: row.id,
    geometry: row.geometry as ProblemFeature['geometry'],
    properties: {
      id: row.id,
      category_code: row.category_code,
      category_name: row.category_name,
      status: row.status as Status,
      severity: row.severity,
      source: row.source,
      description: row.description,
      address: row.address,
      reporter: row.reporter,
      photos: row.photos,
      region_code: row.region_code,
      reported_at: row.reported_at.toISOString(),
      due_at: iso(row.due_at),
      resolved_at: iso(row.resolved_at),
      closed_at: iso(row.closed_at),
      overdue: row.overdue,
      escalated: row.escalated,
      rework_count: row.rework_count,
      extension_count: row.extension_count,
      duplicate_of: row.duplicate_of,
      recurrence_of: row.recurrence_of,
      version: row.version,
    },
  };
}

/**
 * One problem as a Feature with its region chain, or null when it does not exist *or* lies outside
 * `scope` (the route answers 404 for both, so existence is not leaked). With `role`, the Feature
 * also lists the workflow actions that role may take now.
 */
export async function getProblemFeature(
  db: Kysely<DB>,
  id: number,
  scope: Scope,
  role?: Role,
): Promise<ProblemFeature | null> {
  const row = await featureQuery(db)
    .where('p.id', '=', id)
    .where(problemScopeSql(scope, 'p.region_code', 'p.category_code'))
    .executeTakeFirst();
  if (!row) return null;
  const feature = toFeature(row);
  feature.properties.chain = await regionChain(db, row.region_code);
  if (role)
    feature.properties.allowed_actions = allowedActions(feature.properties.status, role, { escalated: row.escalated });
  return feature;
}

export interface ListProblemsOptions {
  filters: ProblemFilters;
  /** [minLon, minLat, maxLon, maxLat], WGS84 degrees. */
  bbox?: [number, number, number, number];
  limit: number;
  /** Decoded cursor: the last row of the previous page. */
  after?: ProblemCursor;
}

export interface ProblemCursor {
  /** reported_at as PostgreSQL text (microseconds, with offset). */
  at: string;
  id: number;
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** Opaque cursor: base64url of `[reported_at text, id]`. */
export function encodeCursor(c: ProblemCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

/** The cursor, or null when it was not made by {@link encodeCursor}. */
export function decodeCursor(value: string): ProblemCursor | null {
  try {
    const v = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [at, id] = v as [unknown, unknown];
    if (typeof at !== 'string' || !CURSOR_AT.test(at) || !Number.isSafeInteger(id) || (id as number) < 1) return null;
    // Well-formed is not enough: 2026-02-30 or 25:00 inside a cursor would reach the database.
    const iso = at.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
    if (!isCalendarInstant(iso) || (id as number) > 2_147_483_647) return null;
    return { at, id: id as number };
  } catch {
    return null;
  }
}

/**
 * A page of problems, newest first, inside the scope and the filters. Keyset pagination on
 * (reported_at DESC, id DESC), served by the index of the same shape: a page costs the same at row
 * 1,000,000 as at row 1, and rows inserted meanwhile never shift a page.
 */
export async function listProblems(
  db: Kysely<DB>,
  scope: Scope,
  opts: ListProblemsOptions,
): Promise<{ features: ProblemFeature[]; next: ProblemCursor | null }> {
  let q = featureQuery(db)
    .where(problemScopeSql(scope, 'p.region_code', 'p.category_code'))
    .where(problemFilterSql(opts.filters, 'p'));
  // Points: the bounding-box operator is exact (a point's box is the point), edges included.
  if (opts.bbox) q = q.where(sql<boolean>`p.geom && ${envelopeSql(opts.bbox)}`);
  if (opts.after)
    q = q.where(sql<boolean>`(p.reported_at, p.id) < (${opts.after.at}::timestamptz, ${opts.after.id}::int8)`);
  const rows = await q
    .orderBy('p.reported_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    features: page.map(toFeature),
    next: rows.length > opts.limit && last ? { at: last.cursor_at, id: last.id } : null,
  };
}

export type { NewProblem };

export interface Actor {
  /** null for a report without an account (Open311 public intake). */
  id: number | null;
  username: string;
}

/** Like {@link EditOutcome} and TransitionOutcome: `kind` names the outcome. */
export type CreateResult =
  | {
      kind: 'ok';
      id: number;
      region_code: string;
      recurrence_of: number | null;
      /** The new problem as its detail Feature (with its chain; without allowed_actions). */
      feature: ProblemFeature;
      /** {@link findPossibleDuplicates} of the new problem, computed in the same statement. */
      possible: PossibleDuplicate[];
    }
  | { kind: 'outside_coverage' }
  | { kind: 'outside_scope' };

/** Finest region covering a WGS84 point (see the file comment for Covers), or null. */
export async function findCoveringRegion(db: Kysely<DB>, lon: number, lat: number): Promise<string | null> {
  const r = await sql<{ code: string }>`SELECT r.code FROM regions r
    WHERE ST_Covers(r.geom, ${pointSql(lon, lat)})
    ORDER BY length(r.code) DESC, r.code LIMIT 1`.execute(db);
  return r.rows[0]?.code ?? null;
}

/**
 * Problems with a point within `metres` of `point`, found through the GiST index alone: the
 * `OFFSET 0` keeps the planner from intersecting the spatial hits with the category or status
 * index (at 2 M problems a category holds ~100,000 rows; the box holds a handful). Callers filter
 * the few candidates by category, time and status, then {@link nearSql} exactly.
 */
function spatialCandidatesSql(point: RawBuilder<unknown>, metres: number): RawBuilder<unknown> {
  return sql`(SELECT q.id, q.geom, q.category_code, q.status, q.reported_at, q.closed_at, q.region_code
     FROM problems q
     WHERE q.geom && ST_Expand(${point}, ${metres}::float8 / (111320 * cos(radians(ST_Y(${point})))) * 1.01, ${metres}::float8 / 110574 * 1.01)
     OFFSET 0)`;
}

/**
 * Possible duplicates of a problem at `point` of category `category` reported at `reportedAt`
 * (see {@link findPossibleDuplicates}), spatial candidates first; `except` is the problem's own id.
 */
function duplicatesSql(
  point: RawBuilder<unknown>,
  category: RawBuilder<unknown>,
  reportedAt: RawBuilder<unknown>,
  scope: Scope,
  except: RawBuilder<unknown> | null,
): RawBuilder<{ id: number; distance_m: number; status: string; reported_at: Date }> {
  return sql`SELECT q.id, round(ST_Distance(q.geom::geography, ${point}::geography)::numeric, 1) AS distance_m, q.status, q.reported_at
    FROM ${spatialCandidatesSql(point, DUPLICATE_RADIUS_M)} q
    WHERE q.category_code = ${category}
      AND q.status IN ${OPEN_STATUS_SQL}
      AND q.reported_at BETWEEN ${reportedAt} - make_interval(hours => ${DUPLICATE_WINDOW_HOURS}) AND ${reportedAt} + make_interval(hours => ${DUPLICATE_WINDOW_HOURS})
      AND ${except === null ? sql`true` : sql`q.id <> ${except}`}
      AND ${nearSql(sql`q.geom`, point, DUPLICATE_RADIUS_M)}
      AND ${problemScopeSql(scope, 'q.region_code', 'q.category_code')}`;
}

/** The region codes of `column`'s chain (county → itself), as an SQL list for `IN`. */
const chainCodesSql = (column: RawBuilder<unknown>) =>
  sql.join(REGION_LEVELS.map((l) => sql`left(${column}, ${sql.lit(CODE_LENGTH[l])})`));

/**
 * Inserts one problem and its 'create' event, in one statement. The region is assigned inside the
 * INSERT itself and the recurrence link (same category, {@link RECURRENCE_RADIUS_M} m, closed
 * within {@link RECURRENCE_WINDOW_DAYS} days before the report) too, so the row is right the moment
 * it exists. The caller's scope applies to both: a manager cannot create outside their area, and a
 * recurrence is only linked to a problem the caller may see.
 *
 * The same statement answers what the route shows: the Feature, its region chain and the possible
 * duplicates (read from the statement's snapshot, which does not hold the new row — so it is not
 * its own duplicate). One round trip instead of six; on its own (not in a transaction) it is
 * atomic all the same. No global row lock: `data_version.problems` (the problem tiles' ETag) moves
 * through the street version the rollup trigger bumps (migration
 * 2026_12_02_0320_data_version_without_create_lock), so concurrent creates in different streets
 * never wait for each other.
 */
export async function createProblem(
  db: Kysely<DB>,
  input: NewProblem,
  scope: Scope,
  actor: Actor,
  /** Where the report came from, written into the 'create' event's data (e.g. the inspection and item). */
  origin: Record<string, unknown> | null = null,
): Promise<CreateResult> {
  const point = sql`pt.geom`;
  const inserted = await sql<
    FeatureRow & {
      chain: RegionRef[];
      possible: { id: number; distance_m: number; status: string; reported_at: string }[];
    }
  >`
    WITH pt AS (
      SELECT ${pointSql(input.lon, input.lat)} AS geom,
             ${input.category_code}::text AS category_code,
             ${input.reported_at}::timestamptz AS reported_at
    ), region AS (
      SELECT r.code FROM regions r, pt WHERE ST_Covers(r.geom, pt.geom) ORDER BY length(r.code) DESC, r.code LIMIT 1
    ), ins AS (
      INSERT INTO problems (category_code, description, severity, source, reporter, address, photos, geom, region_code, reported_at, created_by, recurrence_of)
      SELECT pt.category_code, ${input.description}, ${input.severity}, ${input.source}, ${input.reporter}, ${input.address}, ${input.photos}::text[],
             pt.geom, region.code, pt.reported_at, ${actor.id},
             (SELECT q.id FROM ${spatialCandidatesSql(point, RECURRENCE_RADIUS_M)} q
               WHERE q.category_code = pt.category_code AND q.status = 'closed'
                 AND q.closed_at >= pt.reported_at - make_interval(days => ${RECURRENCE_WINDOW_DAYS})
                 AND ${nearSql(sql`q.geom`, point, RECURRENCE_RADIUS_M)}
                 AND ${problemScopeSql(scope, 'q.region_code', 'q.category_code')}
               ORDER BY ST_Distance(q.geom::geography, pt.geom::geography), q.id LIMIT 1)
      FROM pt, region
      WHERE ${problemScopeSql(scope, 'region.code', 'pt.category_code')}
      RETURNING *
    ), ev AS (
      INSERT INTO problem_events (problem_id, actor, actor_id, action, from_status, to_status, photos, data)
      SELECT ins.id, ${actor.username}, ${actor.id}, 'create', NULL, 'reported', ${input.photos}::text[], ${origin ? JSON.stringify(origin) : null}::jsonb
      FROM ins
    )
    SELECT p.id, p.category_code, c.name AS category_name, p.status, p.severity, p.source, p.description, p.address,
           p.reporter, p.photos, p.region_code, p.reported_at, p.due_at, p.resolved_at, p.closed_at, p.escalated,
           p.rework_count, p.extension_count, p.duplicate_of, p.recurrence_of, p.version,
           ${overdueSql('p')} AS overdue, ${asGeoJsonSql('p.geom')} AS geometry, p.reported_at::text AS cursor_at,
           (SELECT coalesce(json_agg(json_build_object('code', r.code, 'name', r.name, 'level', r.level) ORDER BY length(r.code)), '[]'::json)
              FROM regions r WHERE r.code IN (${chainCodesSql(sql`p.region_code`)})) AS chain,
           (SELECT coalesce(json_agg(json_build_object('id', d.id, 'distance_m', d.distance_m, 'status', d.status, 'reported_at', d.reported_at)
                     ORDER BY d.distance_m, d.id), '[]'::json)
              FROM (${duplicatesSql(point, sql`pt.category_code`, sql`pt.reported_at`, scope, null)}) d) AS possible
    FROM ins p JOIN categories c ON c.code = p.category_code, pt`.execute(db);
  const row = inserted.rows[0];
  if (!row) {
    // Only on refusal: tell "no block here" from "not your block".
    const code = await findCoveringRegion(db, input.lon, input.lat);
    return { kind: code === null ? 'outside_coverage' : 'outside_scope' };
  }
  const feature = toFeature(row);
  feature.properties.chain = row.chain;
  return {
    kind: 'ok',
    id: row.id,
    region_code: row.region_code,
    recurrence_of: row.recurrence_of,
    feature,
    possible: row.possible.map((d) => ({
      id: Number(d.id),
      distance_m: Number(d.distance_m),
      status: d.status,
      reported_at: new Date(d.reported_at).toISOString(),
    })),
  };
}

export interface PossibleDuplicate {
  id: number;
  /** Metres, on the spheroid, one decimal. */
  distance_m: number;
  status: string;
  reported_at: string;
}

/**
 * Open problems of the same category within {@link DUPLICATE_RADIUS_M} m and
 * {@link DUPLICATE_WINDOW_HOURS} h of problem `id`, nearest first, inside `scope` (a manager is
 * never told about a neighbour's problem). Listed, not refused: the inspector decides.
 */
export async function findPossibleDuplicates(db: Kysely<DB>, id: number, scope: Scope): Promise<PossibleDuplicate[]> {
  const r = await sql<{ id: number; distance_m: number; status: string; reported_at: Date }>`
    SELECT d.* FROM problems n, LATERAL (${duplicatesSql(sql`n.geom`, sql`n.category_code`, sql`n.reported_at`, scope, sql`n.id`)}) d
    WHERE n.id = ${id}
    ORDER BY d.distance_m, d.id`.execute(db);
  return r.rows.map((d) => ({
    id: d.id,
    distance_m: d.distance_m,
    status: d.status,
    reported_at: d.reported_at.toISOString(),
  }));
}

/** Tiles and region ETags key on this counter: bump it in the same transaction as the write, last. */
export async function bumpProblemsVersion(trx: Kysely<DB>): Promise<void> {
  await sql`UPDATE data_version SET problems = problems + 1`.execute(trx);
}

/**
 * Category code, name and legacy code → code, for the active categories (imports name categories
 * either way; Excel sheets usually carry names).
 */
export async function getCategoryLookup(db: Kysely<DB>): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('categories')
    .select(['code', 'name', 'legacy_code'])
    .where('active', '=', true)
    .execute();
  const map = new Map<string, string>();
  // Codes last, so a code always wins over a (pathological) name equal to another code.
  for (const r of rows) if (r.legacy_code) map.set(r.legacy_code, r.code);
  for (const r of rows) map.set(r.name, r.code);
  for (const r of rows) map.set(r.code, r.code);
  return map;
}

export interface ImportResult {
  created: number;
  /** Rows outside every region (from SQL), by line. */
  outside: Rejection[];
  /**
   * Imported rows that look like an open problem already on file (same category, within
   * {@link DUPLICATE_RADIUS_M} m and {@link DUPLICATE_WINDOW_HOURS} h): a warning, not a refusal —
   * the same file uploaded twice shows up here.
   */
  possibleDuplicates: { line: number; id: number; distance_m: number }[];
}

/** Lets other requests (a health check, a login) run between the batches of a long import. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Assigns every row of a staging table (`line int`, a WGS84 point column `geomColumn` with a GiST
 * index) its finest covering region, into a new temporary table `target (line, code)` dropped on
 * commit; returns the lines no region covers, ascending. Shared by every spatial import (problems,
 * assessment points), so all of them assign blocks alike.
 *
 * Blocks first: they are small, and every covered point has exactly one (two on a shared edge, the
 * lower code wins). Joining all levels at once would also test each point against the large county
 * and street polygons: measured 8× slower for 100,000 points in the demo county. The rare point in
 * a gap between blocks then goes to the finest region that does cover it.
 */
export async function assignStagedRegions(
  trx: Transaction<DB>,
  staging: string,
  target: string,
  geomColumn = 'geom',
  ranges: readonly [number, number][] = [[-2_147_483_648, 2_147_483_647]],
): Promise<number[]> {
  const src = sql.table(staging);
  const dst = sql.table(target);
  const g = sql.ref(`i.${geomColumn}`);
  await sql`CREATE TEMP TABLE ${dst} (line int PRIMARY KEY, code text NOT NULL) ON COMMIT DROP`.execute(trx);
  // Range by range (`ranges`, disjoint), yielding to the event loop in between: on PGlite (one
  // connection, one thread) one statement over 100,000 rows kept /readyz and every other request
  // waiting ~30 s.
  for (const [lo, hi] of ranges) {
    await yieldToEventLoop();
    await sql`INSERT INTO ${dst}
      SELECT DISTINCT ON (i.line) i.line, r.code
      FROM regions r JOIN ${src} i ON ST_Covers(r.geom, ${g})
      WHERE r.level = 'block' AND i.line BETWEEN ${lo} AND ${hi}
      ORDER BY i.line, r.code`.execute(trx);
  }
  // MATERIALIZED: find the (few) unassigned rows first, so only they meet the large polygons.
  await sql`INSERT INTO ${dst}
    WITH gap AS MATERIALIZED (
      SELECT i.line, ${g} AS geom FROM ${src} i WHERE NOT EXISTS (SELECT 1 FROM ${dst} a WHERE a.line = i.line)
    )
    SELECT DISTINCT ON (g.line) g.line, r.code
    FROM gap g JOIN regions r ON ST_Covers(r.geom, g.geom)
    ORDER BY g.line, length(r.code) DESC, r.code`.execute(trx);
  const outside = await sql<{ line: number }>`SELECT i.line FROM ${src} i
    WHERE NOT EXISTS (SELECT 1 FROM ${dst} a WHERE a.line = i.line) ORDER BY i.line`.execute(trx);
  return outside.rows.map((r) => r.line);
}

/** Fields a PATCH may change; coordinates already WGS84 (degrees). */
export interface ProblemEdit {
  description?: string;
  address?: string | null;
  category_code?: string;
  severity?: number;
  photos?: string[];
  lon?: number;
  lat?: number;
}

export type EditOutcome =
  | { kind: 'ok'; version: number; changed: string[] }
  | { kind: 'not_found' }
  | { kind: 'version_conflict'; version: number }
  | { kind: 'terminal'; status: string }
  | { kind: 'outside_coverage' }
  | { kind: 'outside_scope' }
  | { kind: 'category_not_allowed' };

const EDITABLE = ['description', 'address', 'category_code', 'severity', 'photos'] as const;

/**
 * Edits a problem in one transaction: locks it within the caller's scope, checks the version,
 * re-assigns its region when it moves (finest covering region, as on create), refuses a move or a
 * category outside the caller's scope, and writes one 'edit' event listing every changed field
 * (old → new) in `data`. A closed or voided problem is part of the record and cannot be edited.
 */
export async function editProblem(
  db: Kysely<DB>,
  id: number,
  version: number,
  edit: ProblemEdit,
  note: string | null,
  scope: Scope,
  actor: Actor,
): Promise<EditOutcome> {
  return db.transaction().execute(async (trx): Promise<EditOutcome> => {
    const p = await lockEditable(trx, id, scope);
    if (!p) return { kind: 'not_found' };
    if (p.version !== version) return { kind: 'version_conflict', version: p.version };
    if (p.status === 'closed' || p.status === 'voided') return { kind: 'terminal', status: p.status };

    const changes = changedFields(p, edit);
    if (changes.category_code && !(await categoryAllowed(trx, edit.category_code!, scope))) {
      return { kind: 'category_not_allowed' };
    }
    const move = await relocate(trx, p, edit, scope, changes);
    if (move.kind !== 'ok') return move;
    if (Object.keys(changes).length === 0) return { kind: 'ok', version: p.version, changed: [] };

    const next = await writeEditedRow(trx, id, version, edit, changes, move.moved ? move.region : null);
    if (next === null) return { kind: 'version_conflict', version: p.version };
    await writeEditEvent(trx, id, p.status, note, actor, changes);
    await bumpProblemsVersion(trx);
    return { kind: 'ok', version: next, changed: Object.keys(changes) };
  });
}

/** The locked problem as {@link editProblem} compares it: the editable fields and the point. */
interface EditableProblem {
  status: string;
  version: number;
  description: string;
  address: string | null;
  category_code: string;
  severity: number;
  photos: string[];
  region_code: string;
  lon: number;
  lat: number;
}

/** Field name → [old, new], in the order the `edit` event records them. */
type EditChanges = Record<string, [unknown, unknown]>;

/**
 * Reads and locks one problem inside the caller's scope, `null` when missing or outside it (the
 * two answer alike, so existence is not leaked). The lock keeps a concurrent transition or edit
 * waiting until this edit commits.
 */
async function lockEditable(trx: Transaction<DB>, id: number, scope: Scope): Promise<EditableProblem | null> {
  const r =
    await sql<EditableProblem>`SELECT p.status, p.version, p.description, p.address, p.category_code, p.severity, p.photos, p.region_code,
              ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
       FROM problems p WHERE p.id = ${id} AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}
       FOR UPDATE OF p`.execute(trx);
  return r.rows[0] ?? null;
}

/**
 * The editable fields whose new value really differs from the stored one (compared as JSON, so
 * photo lists compare by content), as [old, new]. A field sent unchanged is not a change and
 * does not appear in the record.
 */
function changedFields(p: EditableProblem, edit: ProblemEdit): EditChanges {
  const changes: EditChanges = {};
  for (const key of EDITABLE) {
    const next = edit[key];
    if (next !== undefined && JSON.stringify(next) !== JSON.stringify(p[key])) changes[key] = [p[key], next];
  }
  return changes;
}

/**
 * Whether the caller may give a problem this category: anyone without a department scope may; a
 * department-scoped user only a category of their own department (otherwise the problem would
 * leave their sight).
 */
async function categoryAllowed(trx: Transaction<DB>, categoryCode: string, scope: Scope): Promise<boolean> {
  if (scope.department === null) return true;
  const c = await trx.selectFrom('categories').select('department').where('code', '=', categoryCode).executeTakeFirst();
  return c?.department === scope.department;
}

/**
 * When the edit moves the point: finds its finest covering region (as on create), refuses a point
 * no region covers or one outside the caller's regions, and adds `location` (and `region_code`
 * when the block changes) to `changes`. Without a move the problem keeps its region.
 */
async function relocate(
  trx: Transaction<DB>,
  p: EditableProblem,
  edit: ProblemEdit,
  scope: Scope,
  changes: EditChanges,
): Promise<{ kind: 'ok'; moved: boolean; region: string } | { kind: 'outside_coverage' } | { kind: 'outside_scope' }> {
  const region = p.region_code;
  const moved = edit.lon !== undefined && edit.lat !== undefined && (edit.lon !== p.lon || edit.lat !== p.lat);
  if (!moved) return { kind: 'ok', moved: false, region };
  const code = await findCoveringRegion(trx, edit.lon!, edit.lat!);
  if (code === null) return { kind: 'outside_coverage' };
  if (scope.regions !== null && !scope.regions.some((s) => code.startsWith(s))) return { kind: 'outside_scope' };
  changes.location = [
    [p.lon, p.lat],
    [edit.lon, edit.lat],
  ];
  if (code !== region) changes.region_code = [region, code];
  return { kind: 'ok', moved: true, region: code };
}

/**
 * Writes exactly the changed fields (and the new point and region when `movedTo` is given),
 * bumping the version; guarded by `WHERE version = expected`. Returns the new version, `null`
 * when the guard matched no row.
 */
async function writeEditedRow(
  trx: Transaction<DB>,
  id: number,
  expectedVersion: number,
  edit: ProblemEdit,
  changes: EditChanges,
  movedTo: string | null,
): Promise<number | null> {
  const updated = await trx
    .updateTable('problems')
    .set({
      ...(changes.description ? { description: edit.description } : {}),
      ...(changes.address ? { address: edit.address ?? null } : {}),
      ...(changes.category_code ? { category_code: edit.category_code } : {}),
      ...(changes.severity ? { severity: edit.severity } : {}),
      ...(changes.photos ? { photos: edit.photos } : {}),
      ...(movedTo !== null
        ? {
            geom: pointSql(edit.lon!, edit.lat!) as unknown as string,
            region_code: movedTo,
          }
        : {}),
      version: sql<number>`version + 1` as unknown as number,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returning('version')
    .executeTakeFirst();
  return updated ? updated.version : null;
}

/**
 * Appends the one 'edit' record row: the status stays as it was, and `data.changes` lists every
 * changed field as [old, new] so the record shows what was edited, not only that it was.
 */
async function writeEditEvent(
  trx: Transaction<DB>,
  id: number,
  status: string,
  note: string | null,
  actor: Actor,
  changes: EditChanges,
): Promise<void> {
  await trx
    .insertInto('problem_events')
    .values({
      problem_id: id,
      actor: actor.username,
      actor_id: actor.id,
      action: 'edit',
      from_status: status,
      to_status: status,
      note,
      data: JSON.stringify({ changes }),
    })
    .execute();
}

/**
 * How many problems {@link listProblems} would page through with these filters and bbox (OGC API
 * `numberMatched`), inside the scope.
 */
export async function countProblems(
  db: Kysely<DB>,
  scope: Scope,
  opts: Pick<ListProblemsOptions, 'filters' | 'bbox'>,
): Promise<number> {
  let q = db
    .selectFrom('problems as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(problemScopeSql(scope, 'p.region_code', 'p.category_code'))
    .where(problemFilterSql(opts.filters, 'p'));
  if (opts.bbox) q = q.where(sql<boolean>`p.geom && ${envelopeSql(opts.bbox)}`);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}
