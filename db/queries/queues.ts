/**
 * Work queues: a block manager's (or department's) 我的待办 — dispatched and in progress, inside
 * their scope, soonest deadline first — and an inspector's 待核查 — resolved and awaiting
 * re-inspection, nearest to a given point or oldest first. Both answer a page of items and the
 * total count; an item leaves the queue as soon as its status moves on.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../types.js';
import { problemScopeSql, type Scope } from './scope.js';
import { pointSql } from '../spatial.js';
import type { Status } from '../../domain/workflow.js';

/** Statuses in each queue (one home: the routes and the page read these). */
export const TODO_STATUSES: readonly Status[] = ['dispatched', 'in_progress'];
export const RECHECK_STATUSES: readonly Status[] = ['resolved'];

export interface QueueItem {
  id: number;
  status: string;
  version: number;
  category_code: string;
  category_name: string;
  description: string;
  address: string | null;
  region_code: string;
  region_name: string | null;
  lon: number;
  lat: number;
  reported_at: Date;
  dispatched_at: Date | null;
  due_at: Date | null;
  resolved_at: Date | null;
  overdue: boolean;
  escalated: boolean;
  rework_count: number;
  photos: string[];
  /** Metres from the given point (nearest-first 待核查 only). */
  distance_m: number | null;
}

export interface QueueOptions {
  limit: number;
  offset: number;
  /** 待核查: sort by distance from this point (WGS84 degrees) instead of oldest resolution first. */
  near?: { lon: number; lat: number } | null;
}

async function queue(
  db: Kysely<DB>,
  statuses: readonly Status[],
  scope: Scope,
  order: RawBuilder<unknown>,
  distance: RawBuilder<unknown>,
  { limit, offset }: QueueOptions,
): Promise<{ count: number; items: QueueItem[] }> {
  const where = sql`p.status = ANY(${[...statuses]}::text[]) AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}`;
  const [items, count] = await Promise.all([
    sql<QueueItem>`SELECT p.id, p.status, p.version, p.category_code, c.name AS category_name, p.description, p.address,
        p.region_code, r.name AS region_name, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.reported_at, p.dispatched_at,
        p.due_at, p.resolved_at, (p.due_at IS NOT NULL AND p.due_at < now()) AS overdue, p.escalated, p.rework_count,
        p.photos, ${distance} AS distance_m
      FROM problems p JOIN categories c ON c.code = p.category_code LEFT JOIN regions r ON r.code = p.region_code
      WHERE ${where}
      ORDER BY ${order}, p.id
      LIMIT ${limit} OFFSET ${offset}`.execute(db),
    sql<{ n: string }>`SELECT count(*) AS n FROM problems p WHERE ${where}`.execute(db),
  ]);
  return { count: Number(count.rows[0].n), items: items.rows };
}

/** 我的待办: dispatched and in progress in the scope, soonest deadline first (none last). */
export function listTodo(db: Kysely<DB>, scope: Scope, opts: QueueOptions) {
  return queue(db, TODO_STATUSES, scope, sql`p.due_at ASC NULLS LAST`, sql`NULL::float8`, opts);
}

/** 待核查: resolved in the scope, nearest to `opts.near` (geography: metres) or oldest resolution first. */
export function listRecheck(db: Kysely<DB>, scope: Scope, opts: QueueOptions) {
  if (opts.near) {
    // KNN on the geometry index orders; the geography distance gives honest metres for the answer.
    const here = pointSql(opts.near.lon, opts.near.lat);
    return queue(
      db,
      RECHECK_STATUSES,
      scope,
      sql`p.geom <-> ${here}`,
      sql`round(ST_Distance(p.geom::geography, ${here}::geography)::numeric, 1)::float8`,
      opts,
    );
  }
  return queue(db, RECHECK_STATUSES, scope, sql`p.resolved_at ASC NULLS LAST`, sql`NULL::float8`, opts);
}
