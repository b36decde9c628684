/**
 * Inspections (督查 / 暗访 / 模拟测评): submit once (append-only record), read, and the standing
 * they feed — per point (its items' pass rates), per standard (point type) and per region (points
 * covered, 达标率, most-failed items).
 *
 * A failed item creates a problem through the one problem-create path (`createProblem`: block
 * assignment, recurrence, 'create' event) and files it through the one workflow path
 * (`applyTransitionIn` 'file': the category's deadline on the working calendar, 'file' event), all
 * in the inspection's transaction: either the inspection and all its problems exist, or nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import type { Scope } from './scope.js';
import { pointScopeSql, bumpPointsVersion } from './points.js';
import { createProblem } from './problems.js';
import { applyTransitionIn } from './workflow.js';
import type { Role } from '../../domain/workflow.js';
import { CODE_LENGTH, type RegionLevel } from '../../domain/regions.js';
import { pointSql } from '../spatial.js';
import { OPEN_STATUS_SQL } from './filters.js';
import { attachPhotos, photoUrl, type AttachRefusal } from './photos.js';
import {
  chronicItems,
  pointStanding,
  weightedPassRate,
  type InspectionKind,
  type ItemResult,
} from '../../domain/assessment.js';

/** Inspections read back to decide a chronic streak (a streak longer than this still counts as chronic). */
const CHRONIC_HISTORY = 12;

export interface InspectionItemInput {
  item_id: number;
  result: ItemResult;
  note?: string | null;
  /** Photo references kept as given (URLs or outside ids). */
  photos?: string[];
  /**
   * Ids of photos the inspector uploaded (POST /api/photos, kind `inspection_item`): attached to
   * this inspection (and to the item's problem when it failed) and recorded as their URLs.
   */
  photo_ids?: number[];
}

export interface InspectionInput {
  point_id: number;
  /** The standard the inspector filled in: must be the point type's current one. */
  standard_id: number;
  kind: InspectionKind;
  task_id?: number | null;
  started_at?: Date | null;
  device?: { lon: number; lat: number; accuracy_m?: number | null } | null;
  note?: string | null;
  items: InspectionItemInput[];
}

export interface InspectionActor {
  id: number;
  username: string;
  role: Role;
}

export type SubmitOutcome =
  | { kind: 'ok'; id: number; problems: { item_code: string; problem_id: number; category_code: string }[] }
  | { kind: 'not_found' }
  | { kind: 'retired' }
  | { kind: 'standard_changed'; current: number }
  | { kind: 'task_mismatch' }
  | { kind: 'task_done'; inspection_id: number }
  | { kind: 'task_not_yours' }
  | { kind: 'items_invalid'; missing: string[]; unknown: number[]; duplicate: number[]; photo_missing: string[] }
  | { kind: 'outside_coverage' }
  | { kind: 'photo_unusable'; reason: AttachRefusal; photo_id: number };

interface PointLock {
  id: number;
  type_code: string;
  name: string;
  address: string | null;
  region_code: string;
  retired_at: Date | null;
  lon: number;
  lat: number;
}

interface ItemDef {
  id: number;
  code: string;
  text: string;
  category_code: string;
  weight: number;
  photo_required: boolean;
}

/**
 * Submits one inspection in the caller's transaction. Refusals write nothing (the caller's
 * transaction is rolled back only on a throw; a refusal returns before any write).
 */
export async function submitInspection(
  trx: Transaction<DB>,
  input: InspectionInput,
  scope: Scope,
  actor: InspectionActor,
  now: Date = new Date(),
): Promise<SubmitOutcome> {
  const pr = await sql<PointLock>`
    SELECT id, type_code, name, address, region_code, retired_at,
           ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
    FROM points WHERE id = ${input.point_id} AND ${pointScopeSql(scope, 'region_code')} FOR UPDATE`.execute(trx);
  const point = pr.rows[0];
  if (!point) return { kind: 'not_found' };
  if (point.retired_at) return { kind: 'retired' };

  const current = await sql<{ id: number }>`SELECT id FROM standards WHERE type_code = ${point.type_code}
    ORDER BY version DESC LIMIT 1`.execute(trx);
  const standardId = current.rows[0]?.id;
  if (standardId === undefined || standardId !== input.standard_id)
    return { kind: 'standard_changed', current: standardId ?? 0 };

  if (input.task_id != null) {
    const t = await sql<{ point_id: number; assignee_id: number | null; done: number | null }>`
      SELECT t.point_id, t.assignee_id, (SELECT i.id FROM inspections i WHERE i.task_id = t.id) AS done
      FROM sample_tasks t WHERE t.id = ${input.task_id} FOR UPDATE OF t`.execute(trx);
    const task = t.rows[0];
    if (!task || task.point_id !== point.id) return { kind: 'task_mismatch' };
    if (task.done !== null) return { kind: 'task_done', inspection_id: Number(task.done) };
    if (task.assignee_id !== null && task.assignee_id !== actor.id && actor.role !== 'admin')
      return { kind: 'task_not_yours' };
  }

  const defs = (
    await trx
      .selectFrom('standard_items')
      .select(['id', 'code', 'text', 'category_code', 'weight', 'photo_required'])
      .where('standard_id', '=', standardId)
      .orderBy('sort')
      .execute()
  ).map((d) => ({ ...d, weight: Number(d.weight) })) as ItemDef[];
  const byId = new Map(defs.map((d) => [d.id, d]));
  const seen = new Set<number>();
  const duplicate: number[] = [];
  const unknown: number[] = [];
  const photoMissing: string[] = [];
  for (const it of input.items) {
    if (!byId.has(it.item_id)) unknown.push(it.item_id);
    else if (seen.has(it.item_id)) duplicate.push(it.item_id);
    else {
      seen.add(it.item_id);
      const d = byId.get(it.item_id)!;
      const photoCount = (it.photos ?? []).length + (it.photo_ids ?? []).length;
      if (it.result === 'fail' && d.photo_required && photoCount === 0) photoMissing.push(d.code);
    }
  }
  const missing = defs.filter((d) => !seen.has(d.id)).map((d) => d.code);
  if (missing.length || unknown.length || duplicate.length || photoMissing.length)
    return { kind: 'items_invalid', missing, unknown, duplicate, photo_missing: photoMissing };

  // An item's photos as recorded: the references given, then the uploads' URLs.
  const results = input.items.map((it) => {
    const ids = [...new Set(it.photo_ids ?? [])];
    return { ...it, ids, refs: [...(it.photos ?? []), ...ids.map(photoUrl)], def: byId.get(it.item_id)! };
  });
  const rate = weightedPassRate(results.map((r) => ({ result: r.result, weight: r.def.weight })));
  const failed = results.filter((r) => r.result === 'fail');

  const device = input.device ? pointSql(input.device.lon, input.device.lat) : sql`NULL::geometry`;
  const ins = await sql<{ id: number }>`
    INSERT INTO inspections (point_id, standard_id, kind, task_id, region_code, inspector_id, inspector, started_at, submitted_at,
                             device_geom, device_accuracy_m, note, checked_weight, passed_weight, failed_count)
    VALUES (${point.id}, ${standardId}, ${input.kind}, ${input.task_id ?? null}, ${point.region_code}, ${actor.id}, ${actor.username},
            ${input.started_at ?? null}, ${now}, ${device}, ${input.device?.accuracy_m ?? null}, ${input.note ?? null},
            ${rate.checked}, ${rate.passed}, ${failed.length})
    RETURNING id`.execute(trx);
  const inspectionId = Number(ins.rows[0].id);

  const problems: { item_code: string; problem_id: number; category_code: string }[] = [];
  const problemOf = new Map<number, number>();
  for (const f of failed) {
    const created = await createProblem(
      trx,
      {
        lon: point.lon,
        lat: point.lat,
        category_code: f.def.category_code,
        description: `【${input.kind === 'mock' ? '模拟测评' : input.kind === 'unannounced' ? '暗访' : '督查'}】${point.name}：${f.def.text}${f.note ? `（${f.note}）` : ''}`,
        address: point.address,
        source: 'inspection',
        severity: 1,
        reporter: actor.username,
        photos: f.refs,
        reported_at: now,
      },
      scope,
      { id: actor.id, username: actor.username },
      { inspection_id: inspectionId, point_id: point.id, item_code: f.def.code },
    );
    if (created.kind !== 'ok') {
      // The point was assigned to a block, so this only happens when the block was removed meanwhile.
      if (created.kind === 'outside_coverage') throw new InspectionAbort({ kind: 'outside_coverage' });
      throw new InspectionAbort({ kind: 'not_found' });
    }
    // 立案 at once: a failed standard item is a finding, with the category's deadline (限时整改).
    const filed = await applyTransitionIn(
      trx,
      created.id,
      { action: 'file', version: 1, note: `测评点位检查未达标（检查记录 ${inspectionId}）` },
      { id: actor.id, username: actor.username, role: actor.role },
      scope,
      now,
    );
    if (filed.kind !== 'ok')
      throw new Error(`inspection ${inspectionId}: filing problem ${created.id} gave ${filed.kind}`);
    problems.push({ item_code: f.def.code, problem_id: created.id, category_code: f.def.category_code });
    problemOf.set(f.item_id, created.id);
  }

  await trx
    .insertInto('inspection_items')
    .values(
      results.map((r) => ({
        inspection_id: inspectionId,
        standard_item_id: r.item_id,
        result: r.result,
        note: r.note ?? null,
        photos: r.refs,
        problem_id: problemOf.get(r.item_id) ?? null,
      })),
    )
    .execute();

  // The uploads become the inspection's (the failed item's problem's too, so its card shows them);
  // one that is not the inspector's own unused inspection photo rolls everything back.
  for (const r of results) {
    const attached = await attachPhotos(
      trx,
      r.ids,
      {
        kind: 'inspection_item',
        ownerId: inspectionId,
        problemId: problemOf.get(r.item_id) ?? null,
        regionCode: point.region_code,
      },
      actor.id,
      now,
    );
    if (!attached.ok)
      throw new InspectionAbort({ kind: 'photo_unusable', reason: attached.reason, photo_id: attached.photoId });
  }

  await refreshPointStanding(trx, point.id);
  return { kind: 'ok', id: inspectionId, problems };
}

/** Thrown inside the transaction to roll back an inspection whose problems cannot be created. */
export class InspectionAbort extends Error {
  constructor(readonly outcome: SubmitOutcome) {
    super(outcome.kind);
  }
}

/**
 * Recomputes a point's standing from its latest inspections (the chronic rule in
 * domain/assessment.ts) and stores it on the point, for the map and the lists.
 */
export async function refreshPointStanding(trx: Kysely<DB>, pointId: number): Promise<void> {
  const { rows } = await sql<{
    id: number;
    submitted_at: Date;
    checked: number;
    passed: number;
    failed: number;
    items: [string, ItemResult][];
  }>`
    SELECT i.id, i.submitted_at, i.checked_weight AS checked, i.passed_weight AS passed, i.failed_count AS failed,
           (SELECT json_agg(json_build_array(s.code, ii.result)) FROM inspection_items ii JOIN standard_items s ON s.id = ii.standard_item_id
             WHERE ii.inspection_id = i.id) AS items
    FROM inspections i WHERE i.point_id = ${pointId}
    ORDER BY i.submitted_at DESC, i.id DESC LIMIT ${CHRONIC_HISTORY}`.execute(trx);
  const latest = rows[0];
  const chronic = chronicItems(rows.map((r) => new Map(r.items ?? [])));
  const standing = pointStanding(latest ? Number(latest.failed) : null, chronic.size > 0);
  const score = latest && Number(latest.checked) > 0 ? (Number(latest.passed) / Number(latest.checked)) * 100 : null;
  await trx
    .updateTable('points')
    .set({
      standing,
      last_inspection_id: latest ? Number(latest.id) : null,
      last_inspected_at: latest ? latest.submitted_at : null,
      last_score: score === null ? null : Math.round(score * 10) / 10,
      chronic_items: [...chronic.keys()].sort(),
    })
    .where('id', '=', pointId)
    .execute();
  await bumpPointsVersion(trx);
}

export interface InspectionItemView {
  item_id: number;
  code: string;
  text: string;
  category_code: string;
  category_name: string;
  weight: number;
  photo_required: boolean;
  result: ItemResult;
  note: string | null;
  photos: string[];
  problem_id: number | null;
  problem_status: string | null;
  problem_due_at: string | null;
}

export interface InspectionView {
  id: number;
  point_id: number;
  point_name: string;
  type_code: string;
  standard_id: number;
  standard_version: number;
  kind: InspectionKind;
  task_id: number | null;
  region_code: string;
  inspector: string;
  /** The inspector's display name (null when the account is gone). */
  inspector_name: string | null;
  started_at: string | null;
  submitted_at: string;
  device: { lon: number; lat: number; accuracy_m: number | null } | null;
  note: string | null;
  /** 达标率 of this inspection, percent (null when every item was not applicable). */
  score: number | null;
  failed_count: number;
  items?: InspectionItemView[];
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

interface InspectionRow extends Omit<InspectionView, 'started_at' | 'submitted_at' | 'device' | 'score'> {
  started_at: Date | null;
  submitted_at: Date;
  device_lon: number | null;
  device_lat: number | null;
  device_accuracy_m: number | null;
  checked: number;
  passed: number;
}

function toView(r: InspectionRow): InspectionView {
  const checked = Number(r.checked);
  return {
    id: Number(r.id),
    point_id: r.point_id,
    point_name: r.point_name,
    type_code: r.type_code,
    standard_id: r.standard_id,
    standard_version: r.standard_version,
    kind: r.kind,
    task_id: r.task_id,
    region_code: r.region_code,
    inspector: r.inspector,
    inspector_name: r.inspector_name,
    started_at: iso(r.started_at),
    submitted_at: new Date(r.submitted_at).toISOString(),
    device:
      r.device_lon === null || r.device_lat === null
        ? null
        : {
            lon: r.device_lon,
            lat: r.device_lat,
            accuracy_m: r.device_accuracy_m === null ? null : Number(r.device_accuracy_m),
          },
    note: r.note,
    score: checked > 0 ? Math.round((Number(r.passed) / checked) * 1000) / 10 : null,
    failed_count: r.failed_count,
  };
}

const INSPECTION_COLUMNS = sql`i.id, i.point_id, pt.name AS point_name, pt.type_code, i.standard_id, s.version AS standard_version, i.kind,
  i.task_id, i.region_code, i.inspector, u.display_name AS inspector_name, i.started_at, i.submitted_at, ST_X(i.device_geom) AS device_lon, ST_Y(i.device_geom) AS device_lat,
  i.device_accuracy_m, i.note, i.checked_weight AS checked, i.passed_weight AS passed, i.failed_count`;

/**
 * One inspection with its items (a department sees the items of its categories only), or null when
 * missing or its point lies outside the scope.
 */
export async function getInspection(db: Kysely<DB>, id: number, scope: Scope): Promise<InspectionView | null> {
  const { rows } = await sql<InspectionRow>`SELECT ${INSPECTION_COLUMNS}
    FROM inspections i JOIN points pt ON pt.id = i.point_id JOIN standards s ON s.id = i.standard_id
    LEFT JOIN users u ON u.id = i.inspector_id
    WHERE i.id = ${id} AND ${pointScopeSql(scope, 'pt.region_code')}`.execute(db);
  if (!rows[0]) return null;
  const view = toView(rows[0]);
  const items = await sql<InspectionItemView & { problem_due_at: Date | null }>`
    SELECT ii.standard_item_id AS item_id, s.code, s.text, s.category_code, c.name AS category_name, s.weight, s.photo_required,
           ii.result, ii.note, ii.photos, ii.problem_id, p.status AS problem_status, p.due_at AS problem_due_at
    FROM inspection_items ii JOIN standard_items s ON s.id = ii.standard_item_id JOIN categories c ON c.code = s.category_code
    LEFT JOIN problems p ON p.id = ii.problem_id
    WHERE ii.inspection_id = ${id} AND (${scope.department}::text IS NULL OR c.department = ${scope.department})
    ORDER BY s.sort, s.id`.execute(db);
  view.items = items.rows.map((i) => ({
    ...i,
    weight: Number(i.weight),
    problem_id: i.problem_id === null ? null : Number(i.problem_id),
    problem_due_at: iso(i.problem_due_at),
  }));
  return view;
}

export interface ListInspectionsOptions {
  pointId?: number;
  region?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** Inspections newest first, inside the scope (by their point's block). */
export async function listInspections(
  db: Kysely<DB>,
  scope: Scope,
  opts: ListInspectionsOptions,
): Promise<InspectionView[]> {
  const { rows } = await sql<InspectionRow>`SELECT ${INSPECTION_COLUMNS}
    FROM inspections i JOIN points pt ON pt.id = i.point_id JOIN standards s ON s.id = i.standard_id
    LEFT JOIN users u ON u.id = i.inspector_id
    WHERE ${pointScopeSql(scope, 'pt.region_code')}
      AND (${opts.pointId ?? null}::int IS NULL OR i.point_id = ${opts.pointId ?? null})
      AND (${opts.region ?? null}::text IS NULL OR pt.region_code LIKE ${(opts.region ?? '') + '%'})
      AND (${opts.from ?? null}::timestamptz IS NULL OR i.submitted_at >= ${opts.from ?? null})
      AND (${opts.to ?? null}::timestamptz IS NULL OR i.submitted_at < ${opts.to ?? null})
    ORDER BY i.submitted_at DESC, i.id DESC LIMIT ${opts.limit}`.execute(db);
  return rows.map(toView);
}

export interface ItemStat {
  code: string;
  text: string;
  category_code: string;
  checked: number;
  failed: number;
  /** Passed / checked, percent. */
  pass_rate: number | null;
}

const itemStat = (r: {
  code: string;
  text: string;
  category_code: string;
  checked: number;
  failed: number;
}): ItemStat => ({
  code: r.code,
  text: r.text,
  category_code: r.category_code,
  checked: Number(r.checked),
  failed: Number(r.failed),
  pass_rate: Number(r.checked) > 0 ? Math.round((1 - Number(r.failed) / Number(r.checked)) * 1000) / 10 : null,
});

/** Pass rate by item of one point over all its inspections (items matched by code across versions). */
export async function pointItemStats(db: Kysely<DB>, pointId: number): Promise<ItemStat[]> {
  const { rows } = await sql<{ code: string; text: string; category_code: string; checked: number; failed: number }>`
    SELECT s.code, (array_agg(s.text ORDER BY i.submitted_at DESC))[1] AS text, (array_agg(s.category_code ORDER BY i.submitted_at DESC))[1] AS category_code,
           count(*) FILTER (WHERE ii.result <> 'na')::int AS checked, count(*) FILTER (WHERE ii.result = 'fail')::int AS failed
    FROM inspections i JOIN inspection_items ii ON ii.inspection_id = i.id JOIN standard_items s ON s.id = ii.standard_item_id
    WHERE i.point_id = ${pointId}
    GROUP BY s.code ORDER BY failed DESC, s.code`.execute(db);
  return rows.map(itemStat);
}

export interface Period {
  from?: Date;
  to?: Date;
}

const periodSql = (p: Period, col: string) =>
  sql`(${p.from ?? null}::timestamptz IS NULL OR ${sql.ref(col)} >= ${p.from ?? null}) AND (${p.to ?? null}::timestamptz IS NULL OR ${sql.ref(col)} < ${p.to ?? null})`;

export interface RegionStanding {
  code: string;
  name: string;
  level: string;
  /** Active points in the region. */
  points: number;
  /** Points inspected at least once in the period. */
  covered: number;
  inspections: number;
  /** Σ passed weight / Σ checked weight of the period's inspections, percent. */
  rate: number | null;
  failed_items: number;
  /** Open problems created by the region's inspections (any time). */
  open_problems: number;
  chronic_points: number;
  /** The three items failed most often in the period. */
  top_failed: ItemStat[];
}

/**
 * Standing of every region of `level` (under `parent`) inside the scope, for a period: points
 * covered, 达标率 (weighted: Σ passed weight / Σ checked weight, the sums each inspection stored
 * from domain/assessment.ts `weightedPassRate`), failed items, open problems, chronic points and the
 * most-failed items. Rollups are prefix matches on the point's block code.
 */
export async function regionStanding(
  db: Kysely<DB>,
  scope: Scope,
  opts: { level: RegionLevel; parent?: string; period: Period },
): Promise<RegionStanding[]> {
  const len = CODE_LENGTH[opts.level];
  const { rows } = await sql<
    Omit<RegionStanding, 'top_failed'> & { top_failed: ItemStat[] | null; checked: number; passed: number }
  >`
    WITH pts AS (
      SELECT pt.id, left(pt.region_code, ${len}) AS code, pt.standing FROM points pt
      WHERE pt.retired_at IS NULL AND length(pt.region_code) >= ${len} AND ${pointScopeSql(scope, 'pt.region_code')}
        AND (${opts.parent ?? null}::text IS NULL OR pt.region_code LIKE ${(opts.parent ?? '') + '%'})
    ), insp AS (
      SELECT i.id, i.point_id, pts.code, i.checked_weight, i.passed_weight, i.failed_count
      FROM inspections i JOIN pts ON pts.id = i.point_id WHERE ${periodSql(opts.period, 'i.submitted_at')}
    ), per AS (
      SELECT pts.code, count(DISTINCT pts.id)::int AS points, count(DISTINCT pts.id) FILTER (WHERE pts.standing = 'chronic')::int AS chronic_points
      FROM pts GROUP BY pts.code
    ), ins AS (
      SELECT code, count(DISTINCT point_id)::int AS covered, count(*)::int AS inspections, sum(checked_weight) AS checked,
             sum(passed_weight) AS passed, sum(failed_count)::int AS failed_items
      FROM insp GROUP BY code
    ), openp AS (
      SELECT pts.code, count(*)::int AS n FROM pts JOIN inspections i ON i.point_id = pts.id
        JOIN inspection_items ii ON ii.inspection_id = i.id JOIN problems p ON p.id = ii.problem_id
       WHERE p.status IN ${OPEN_STATUS_SQL} GROUP BY pts.code
    ), items AS (
      SELECT insp.code, s.code AS item_code, (array_agg(s.text))[1] AS text, (array_agg(s.category_code))[1] AS category_code,
             count(*) FILTER (WHERE ii.result <> 'na')::int AS checked, count(*) FILTER (WHERE ii.result = 'fail')::int AS failed
      FROM insp JOIN inspection_items ii ON ii.inspection_id = insp.id JOIN standard_items s ON s.id = ii.standard_item_id
      GROUP BY insp.code, s.code
    ), ranked AS (
      SELECT *, row_number() OVER (PARTITION BY code ORDER BY failed DESC, item_code) AS rk FROM items WHERE failed > 0
    )
    SELECT r.code, r.name, r.level, per.points, coalesce(ins.covered, 0) AS covered, coalesce(ins.inspections, 0) AS inspections,
           ins.checked, ins.passed, coalesce(ins.failed_items, 0) AS failed_items, coalesce(openp.n, 0) AS open_problems, per.chronic_points,
           (SELECT json_agg(json_build_object('code', k.item_code, 'text', k.text, 'category_code', k.category_code, 'checked', k.checked, 'failed', k.failed) ORDER BY k.rk)
              FROM ranked k WHERE k.code = r.code AND k.rk <= 3) AS top_failed
    FROM per JOIN regions r ON r.code = per.code
    LEFT JOIN ins ON ins.code = per.code LEFT JOIN openp ON openp.code = per.code
    ORDER BY r.code`.execute(db);
  return rows.map(({ checked, passed, top_failed, ...r }) => ({
    ...r,
    rate: Number(checked) > 0 ? Math.round((Number(passed) / Number(checked)) * 1000) / 10 : null,
    top_failed: (top_failed ?? []).map(itemStat),
  }));
}

export interface TypeStanding {
  type_code: string;
  type_name: string;
  standard_id: number | null;
  standard_version: number | null;
  points: number;
  covered: number;
  inspections: number;
  rate: number | null;
  /** Pass rate by item over the period's inspections of this type. */
  items: ItemStat[];
}

/** Standing per standard (point type) in the scope and period, with the pass rate of every item. */
export async function typeStanding(
  db: Kysely<DB>,
  scope: Scope,
  opts: { region?: string; period: Period },
): Promise<TypeStanding[]> {
  const { rows } = await sql<
    Omit<TypeStanding, 'items' | 'rate'> & { items: ItemStat[] | null; checked: number; passed: number }
  >`
    WITH pts AS (
      SELECT pt.id, pt.type_code FROM points pt
      WHERE pt.retired_at IS NULL AND ${pointScopeSql(scope, 'pt.region_code')}
        AND (${opts.region ?? null}::text IS NULL OR pt.region_code LIKE ${(opts.region ?? '') + '%'})
    ), insp AS (
      SELECT i.id, i.point_id, pts.type_code, i.checked_weight, i.passed_weight FROM inspections i JOIN pts ON pts.id = i.point_id
      WHERE ${periodSql(opts.period, 'i.submitted_at')}
    ), items AS (
      SELECT insp.type_code, s.code, (array_agg(s.text))[1] AS text, (array_agg(s.category_code))[1] AS category_code,
             count(*) FILTER (WHERE ii.result <> 'na')::int AS checked, count(*) FILTER (WHERE ii.result = 'fail')::int AS failed
      FROM insp JOIN inspection_items ii ON ii.inspection_id = insp.id JOIN standard_items s ON s.id = ii.standard_item_id
      GROUP BY insp.type_code, s.code
    )
    SELECT t.code AS type_code, t.name AS type_name, st.id AS standard_id, st.version AS standard_version,
           (SELECT count(*)::int FROM pts WHERE pts.type_code = t.code) AS points,
           (SELECT count(DISTINCT point_id)::int FROM insp WHERE insp.type_code = t.code) AS covered,
           (SELECT count(*)::int FROM insp WHERE insp.type_code = t.code) AS inspections,
           (SELECT sum(checked_weight) FROM insp WHERE insp.type_code = t.code) AS checked,
           (SELECT sum(passed_weight) FROM insp WHERE insp.type_code = t.code) AS passed,
           (SELECT json_agg(json_build_object('code', k.code, 'text', k.text, 'category_code', k.category_code, 'checked', k.checked, 'failed', k.failed)
                    ORDER BY k.failed DESC, k.code) FROM items k WHERE k.type_code = t.code) AS items
    FROM point_types t
    LEFT JOIN LATERAL (SELECT s.id, s.version FROM standards s WHERE s.type_code = t.code ORDER BY s.version DESC LIMIT 1) st ON true
    WHERE t.active
    ORDER BY t.sort, t.code`.execute(db);
  return rows.map(({ checked, passed, items, ...r }) => ({
    ...r,
    rate: Number(checked) > 0 ? Math.round((Number(passed) / Number(checked)) * 1000) / 10 : null,
    items: (items ?? []).map(itemStat),
  }));
}

/** Per unit: active points, points inspected in the period, and the period's weighted sums. */
export interface UnitPointCounts {
  code: string;
  points: number;
  covered: number;
  /** Σ checked weight / Σ passed weight of the period's inspections of those points. */
  checked: number;
  passed: number;
}

/**
 * The point figures of a campaign's targets, per region of `level`: active points of `types`
 * (empty = every type) under one of `regions` (empty = the county) and inside the scope; how many
 * of them were inspected in the period; and the weighted sums behind 点位达标率 — the same sums
 * and the same formula (Σ passed weight / Σ checked weight, stored per inspection from
 * domain/assessment.ts `weightedPassRate`) as `regionStanding`. Units without points are absent.
 */
export async function unitPointCounts(
  db: Kysely<DB>,
  scope: Scope,
  opts: { level: RegionLevel; period: Period; regions: readonly string[]; types: readonly string[] },
): Promise<UnitPointCounts[]> {
  const len = CODE_LENGTH[opts.level];
  const regionPart =
    opts.regions.length === 0 ? sql`TRUE` : sql`pt.region_code LIKE ANY (${opts.regions.map((r) => r + '%')}::text[])`;
  const typePart = opts.types.length === 0 ? sql`TRUE` : sql`pt.type_code = ANY (${[...opts.types]}::text[])`;
  const { rows } = await sql<UnitPointCounts>`
    WITH pts AS (
      SELECT pt.id, left(pt.region_code, ${len}) AS code FROM points pt
      WHERE pt.retired_at IS NULL AND length(pt.region_code) >= ${len} AND ${pointScopeSql(scope, 'pt.region_code')}
        AND ${regionPart} AND ${typePart}
    ), insp AS (
      SELECT pts.code, i.point_id, i.checked_weight, i.passed_weight
      FROM inspections i JOIN pts ON pts.id = i.point_id WHERE ${periodSql(opts.period, 'i.submitted_at')}
    )
    SELECT per.code, per.points, coalesce(ins.covered, 0) AS covered, coalesce(ins.checked, 0) AS checked,
           coalesce(ins.passed, 0) AS passed
    FROM (SELECT code, count(*)::int AS points FROM pts GROUP BY code) per
    LEFT JOIN (SELECT code, count(DISTINCT point_id)::int AS covered, sum(checked_weight) AS checked,
                      sum(passed_weight) AS passed FROM insp GROUP BY code) ins ON ins.code = per.code
    ORDER BY per.code`.execute(db);
  return rows.map((r) => ({
    code: r.code,
    points: Number(r.points),
    covered: Number(r.covered),
    checked: Number(r.checked),
    passed: Number(r.passed),
  }));
}
