/**
 * Mock assessments (模拟测评): the seeded stratified draw written as a sample with its tasks, the
 * tasks of an inspector, and the expected score once the tasks are inspected. The draw itself and
 * the estimators are pure (domain/assessment.ts); this file reads the register and writes the result.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { regionScopeSql, type Scope } from './scope.js';
import { pointScopeSql } from './points.js';
import { drawSample, estimateMean, estimateStratified, type Estimate } from '../../domain/assessment.js';

export interface DrawInput {
  name: string;
  seed: number;
  /** Region code prefix the sample is drawn from (the county for a county-wide test). */
  region: string;
  sizes: Record<string, number>;
  due_at: Date;
  /** Inspectors the tasks are handed out to, in turn (empty: unassigned). */
  assignees: number[];
}

/** Active points per type in the region and the scope: the strata a draw chooses from. */
export async function sampleStrata(db: Kysely<DB>, scope: Scope, region: string): Promise<Map<string, number[]>> {
  const { rows } = await sql<{ type_code: string; ids: number[] }>`
    SELECT type_code, array_agg(id ORDER BY id) AS ids FROM points
    WHERE retired_at IS NULL AND region_code LIKE ${region + '%'} AND ${pointScopeSql(scope, 'region_code')}
    GROUP BY type_code ORDER BY type_code`.execute(db);
  return new Map(rows.map((r) => [r.type_code, r.ids.map(Number)]));
}

/**
 * Draws and writes a sample: the points per type from {@link drawSample} with the recorded seed,
 * one task per point (ordered by block, then type, then id, so a walk follows the map), handed out
 * to the assignees in turn. Returns the sample id.
 */
export async function createSample(
  trx: Transaction<DB>,
  input: DrawInput,
  strata: Map<string, number[]>,
  actor: { id: number; username: string },
): Promise<{ id: number; drawn: number }> {
  const drawn = drawSample(input.seed, strata, input.sizes);
  const ids = [...drawn.values()].flat();
  const s = await trx
    .insertInto('samples')
    .values({
      name: input.name,
      seed: input.seed,
      region_code: input.region,
      sizes: JSON.stringify(Object.fromEntries([...drawn].map(([t, v]) => [t, v.length]))),
      strata: JSON.stringify(Object.fromEntries([...strata].map(([t, v]) => [t, v.length]))),
      due_at: input.due_at,
      created_by: actor.id,
      created_by_name: actor.username,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (ids.length > 0) {
    const ordered = await sql<{ id: number; type_code: string }>`
      SELECT id, type_code FROM points WHERE id = ANY (${ids}::int[]) ORDER BY region_code, type_code, id`.execute(trx);
    await trx
      .insertInto('sample_tasks')
      .values(
        ordered.rows.map((p, i) => ({
          sample_id: s.id,
          point_id: p.id,
          type_code: p.type_code,
          position: i + 1,
          assignee_id: input.assignees.length ? input.assignees[i % input.assignees.length] : null,
        })),
      )
      .execute();
  }
  return { id: s.id, drawn: ids.length };
}

export interface TaskView {
  id: number;
  sample_id: number;
  sample_name: string;
  position: number;
  point_id: number;
  point_name: string;
  point_ref: string | null;
  type_code: string;
  type_name: string;
  address: string | null;
  region_code: string;
  lon: number;
  lat: number;
  assignee_id: number | null;
  assignee: string | null;
  due_at: string;
  inspection_id: number | null;
  done_at: string | null;
  /** 达标率 of the task's inspection, percent. */
  score: number | null;
  /** The same, unrounded, as a fraction (for the estimates; not part of the API answer). */
  ratio: number | null;
  overdue: boolean;
}

const TASK_SELECT = sql`t.id, t.sample_id, sa.name AS sample_name, t.position, t.point_id, pt.name AS point_name, pt.ref AS point_ref, t.type_code,
  ty.name AS type_name, pt.address, pt.region_code, ST_X(ST_PointOnSurface(pt.geom)) AS lon, ST_Y(ST_PointOnSurface(pt.geom)) AS lat,
  t.assignee_id, u.display_name AS assignee, sa.due_at, i.id AS inspection_id, i.submitted_at AS done_at,
  CASE WHEN i.checked_weight > 0 THEN round(i.passed_weight / i.checked_weight * 1000) / 10 END AS score,
  CASE WHEN i.checked_weight > 0 THEN i.passed_weight::float8 / i.checked_weight::float8 END AS ratio,
  (i.id IS NULL AND sa.due_at < now()) AS overdue`;

const TASK_FROM = sql`sample_tasks t JOIN samples sa ON sa.id = t.sample_id JOIN points pt ON pt.id = t.point_id
  JOIN point_types ty ON ty.code = t.type_code LEFT JOIN users u ON u.id = t.assignee_id LEFT JOIN inspections i ON i.task_id = t.id`;

type TaskRow = Omit<TaskView, 'due_at' | 'done_at'> & { due_at: Date; done_at: Date | null };
const toTask = (r: TaskRow): TaskView => ({
  ...r,
  inspection_id: r.inspection_id === null ? null : Number(r.inspection_id),
  score: r.score === null ? null : Number(r.score),
  ratio: r.ratio === null ? null : Number(r.ratio),
  due_at: new Date(r.due_at).toISOString(),
  done_at: r.done_at ? new Date(r.done_at).toISOString() : null,
});

/**
 * Tasks inside the scope: of one sample, or those handed to one inspector (`assignee`), open ones
 * first. A manager sees the tasks at points of their area only.
 */
export async function listTasks(
  db: Kysely<DB>,
  scope: Scope,
  opts: { sampleId?: number; assignee?: number; openOnly?: boolean },
): Promise<TaskView[]> {
  const { rows } = await sql<TaskRow>`SELECT ${TASK_SELECT} FROM ${TASK_FROM}
    WHERE ${pointScopeSql(scope, 'pt.region_code')}
      AND (${opts.sampleId ?? null}::int IS NULL OR t.sample_id = ${opts.sampleId ?? null})
      AND (${opts.assignee ?? null}::int IS NULL OR t.assignee_id = ${opts.assignee ?? null})
      AND (${opts.openOnly ?? false} = false OR i.id IS NULL)
    ORDER BY (i.id IS NOT NULL), sa.due_at, t.sample_id, t.position`.execute(db);
  return rows.map(toTask);
}

/** One task inside the scope, or null. */
export async function getTask(db: Kysely<DB>, id: number, scope: Scope): Promise<TaskView | null> {
  const { rows } = await sql<TaskRow>`SELECT ${TASK_SELECT} FROM ${TASK_FROM}
    WHERE t.id = ${id} AND ${pointScopeSql(scope, 'pt.region_code')}`.execute(db);
  return rows[0] ? toTask(rows[0]) : null;
}

export interface SampleView {
  id: number;
  name: string;
  seed: number;
  region_code: string;
  sizes: Record<string, number>;
  strata: Record<string, number>;
  due_at: string;
  created_at: string;
  created_by: string;
  /** Tasks the caller can see, and how many of them are done. */
  tasks_total: number;
  tasks_done: number;
}

type SampleRow = Omit<SampleView, 'due_at' | 'created_at'> & { due_at: Date; created_at: Date };
const toSample = (r: SampleRow): SampleView => ({
  ...r,
  seed: Number(r.seed),
  due_at: new Date(r.due_at).toISOString(),
  created_at: new Date(r.created_at).toISOString(),
});

const SAMPLE_SELECT = (
  scope: Scope,
) => sql`sa.id, sa.name, sa.seed, sa.region_code, sa.sizes, sa.strata, sa.due_at, sa.created_at,
  sa.created_by_name AS created_by,
  (SELECT count(*)::int FROM sample_tasks t JOIN points pt ON pt.id = t.point_id WHERE t.sample_id = sa.id AND ${pointScopeSql(scope, 'pt.region_code')}) AS tasks_total,
  (SELECT count(*)::int FROM sample_tasks t JOIN points pt ON pt.id = t.point_id JOIN inspections i ON i.task_id = t.id
    WHERE t.sample_id = sa.id AND ${pointScopeSql(scope, 'pt.region_code')}) AS tasks_done`;

/** A manager sees a sample only when one of its tasks is in their area. */
const sampleVisibleSql = (scope: Scope) =>
  scope.regions === null
    ? sql<boolean>`TRUE`
    : sql<boolean>`EXISTS (SELECT 1 FROM sample_tasks t JOIN points pt ON pt.id = t.point_id WHERE t.sample_id = sa.id AND ${pointScopeSql(scope, 'pt.region_code')})`;

export async function listSamples(db: Kysely<DB>, scope: Scope, limit = 100): Promise<SampleView[]> {
  const { rows } = await sql<SampleRow>`SELECT ${SAMPLE_SELECT(scope)} FROM samples sa
    WHERE ${sampleVisibleSql(scope)} ORDER BY sa.created_at DESC, sa.id DESC LIMIT ${limit}`.execute(db);
  return rows.map(toSample);
}

export async function getSample(db: Kysely<DB>, id: number, scope: Scope): Promise<SampleView | null> {
  const { rows } = await sql<SampleRow>`SELECT ${SAMPLE_SELECT(scope)} FROM samples sa
    WHERE sa.id = ${id} AND ${sampleVisibleSql(scope)}`.execute(db);
  return rows[0] ? toSample(rows[0]) : null;
}

export interface SampleEstimate {
  overall: Estimate & { complete: boolean };
  by_type: (Estimate & { type_code: string; type_name: string })[];
  by_street: (Estimate & { code: string; name: string })[];
}

/**
 * Expected score of a sample from its inspected tasks (see domain/assessment.ts for the
 * formulas): per standard (type) the mean of the sampled points' 达标率 with a t-interval and the
 * finite-population correction from the type's register count at the draw; overall the stratified
 * estimate; per street the mean of its sampled points with the street's current active points as
 * the population (a street is a domain of the sample, not a stratum: its interval is wider).
 */
export async function estimateSample(db: Kysely<DB>, sample: SampleView, scope: Scope): Promise<SampleEstimate> {
  const tasks = await listTasks(db, scope, { sampleId: sample.id });
  const done = tasks.filter((t) => t.ratio !== null);
  const types = await sql<{ code: string; name: string }>`SELECT code, name FROM point_types`.execute(db);
  const typeName = new Map(types.rows.map((t) => [t.code, t.name]));
  const byType = Object.keys(sample.sizes)
    .sort()
    .map((type) => {
      const scores = done.filter((t) => t.type_code === type).map((t) => t.ratio!);
      return {
        type_code: type,
        type_name: typeName.get(type) ?? type,
        ...estimateMean(scores, sample.strata[type] ?? scores.length),
      };
    });
  const overall = estimateStratified(
    Object.keys(sample.sizes).map((type) => ({
      population: sample.strata[type] ?? 0,
      scores: done.filter((t) => t.type_code === type).map((t) => t.ratio!),
    })),
  );
  const streets = [...new Set(tasks.map((t) => t.region_code.slice(0, 9)))].sort();
  const info = await sql<{ code: string; name: string; points: number }>`
    SELECT r.code, r.name, (SELECT count(*)::int FROM points p WHERE p.retired_at IS NULL AND p.region_code LIKE r.code || '%') AS points
    FROM regions r WHERE r.code = ANY (${streets}::text[])`.execute(db);
  const byCode = new Map(info.rows.map((r) => [r.code, r]));
  const byStreet = streets.map((code) => {
    const scores = done.filter((t) => t.region_code.startsWith(code)).map((t) => t.ratio!);
    return {
      code,
      name: byCode.get(code)?.name ?? code,
      ...estimateMean(scores, byCode.get(code)?.points ?? scores.length),
    };
  });
  return { overall, by_type: byType, by_street: byStreet };
}

/** A task as the printable sheet lists it: with the point's responsible unit and its street. */
export interface SheetTask extends TaskView {
  unit: string | null;
  street_code: string | null;
  street_name: string | null;
}

/** An outline drawn on the sheet's map (GeoJSON geometry, simplified). */
export interface SheetOutline {
  code: string;
  name: string;
  level: string;
  geometry: { type: string; coordinates: unknown };
}

/**
 * What the printable task sheet shows (GET /api/samples/:id/sheet.html): the caller's tasks of the
 * sample with the point's unit and street, and the outlines of the county and its streets that the
 * caller may see (regions the caller's area lies in or that lie in it, as GET /api/regions), simplified
 * for a small map.
 */
export async function sampleSheet(
  db: Kysely<DB>,
  sample: SampleView,
  scope: Scope,
): Promise<{ tasks: SheetTask[]; outlines: SheetOutline[] }> {
  const tasks = await listTasks(db, scope, { sampleId: sample.id });
  const ids = tasks.map((t) => t.point_id);
  const { rows: extra } = await sql<{
    id: number;
    unit: string | null;
    street_code: string | null;
    street_name: string | null;
  }>`
    SELECT pt.id, pt.unit, st.code AS street_code, st.name AS street_name FROM points pt
    LEFT JOIN LATERAL (
      SELECT r.code, r.name FROM regions r WHERE r.level = 'street' AND pt.region_code LIKE r.code || '%'
      ORDER BY r.code LIMIT 1
    ) st ON TRUE
    WHERE pt.id = ANY (${ids}::int[])`.execute(db);
  const byId = new Map(extra.map((r) => [Number(r.id), r]));
  const county = sample.region_code.slice(0, 6);
  const { rows: outlines } = await sql<SheetOutline>`
    SELECT r.code, r.name, r.level,
           ST_AsGeoJSON(ST_SimplifyPreserveTopology(r.geom, 0.0001::float8), 5)::json AS geometry
      FROM regions r
     WHERE r.level IN ('county', 'street') AND r.code LIKE ${county + '%'}
       AND ${regionScopeSql(scope, 'r.code', true)}
     ORDER BY r.level = 'street', r.code`.execute(db);
  return {
    tasks: tasks.map((t) => {
      const e = byId.get(t.point_id);
      return { ...t, unit: e?.unit ?? null, street_code: e?.street_code ?? null, street_name: e?.street_name ?? null };
    }),
    outlines: outlines.map((o) => ({
      ...o,
      geometry: typeof o.geometry === 'string' ? JSON.parse(o.geometry) : o.geometry,
    })),
  };
}
