/**
 * Open311 GeoReport v2 reads and the private intake record (server/interop/open311/).
 *
 * The service-request view is built from the problem, its category and its record (台账). Two
 * audiences: a caller with a key or token sees their scope with the event notes; the anonymous
 * public sees only citizen (市民) reports, not voided ones, and never a free-text note, the
 * reporter, or anything of `problem_intake.contact` / `client_address` (which no function here
 * selects at all).
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { problemScopeSql, type Scope } from './scope.js';
import { problemFilterSql, type ProblemFilters } from './filters.js';
import type { Status } from '../../domain/workflow.js';

export interface ServiceCategoryRow {
  code: string;
  name: string;
  group_code: string;
  group_name: string;
  department: string;
  tags: string[];
  attributes: ServiceAttribute[];
}

/** An Open311 service attribute (an extra question a category asks), as stored in categories.attributes. */
export interface ServiceAttribute {
  code: string;
  variable: boolean;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

/** Active categories, by group then code (one Open311 service each). */
export async function listServiceCategories(db: Kysely<DB>): Promise<ServiceCategoryRow[]> {
  const rows = await db
    .selectFrom('categories')
    .select(['code', 'name', 'group_code', 'group_name', 'department', 'tags', 'attributes'])
    .where('active', '=', true)
    .orderBy('group_code')
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ ...r, attributes: (r.attributes ?? []) as ServiceAttribute[] }));
}

/** One active category as a service, or null. */
export async function getServiceCategory(db: Kysely<DB>, code: string): Promise<ServiceCategoryRow | null> {
  const r = await db
    .selectFrom('categories')
    .select(['code', 'name', 'group_code', 'group_name', 'department', 'tags', 'attributes'])
    .where('code', '=', code)
    .where('active', '=', true)
    .executeTakeFirst();
  return r ? { ...r, attributes: (r.attributes ?? []) as ServiceAttribute[] } : null;
}

/** Replaces a category's attributes; false when the code is unknown. */
export async function setCategoryAttributes(
  db: Kysely<DB>,
  code: string,
  attributes: readonly ServiceAttribute[],
): Promise<boolean> {
  const r = await db
    .updateTable('categories')
    .set({ attributes: JSON.stringify(attributes), updated_at: new Date() })
    .where('code', '=', code)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface NewIntake {
  problem_id: number;
  channel: 'open311_key' | 'open311_public';
  api_key_id: number | null;
  token: string;
  media_url: string | null;
  /** Private: email, phone, names, device and account ids as the client sent them. */
  contact: Record<string, string>;
  attributes: Record<string, string | string[]>;
  /** Private: the sender's IP address, for abuse review. */
  client_address: string | null;
}

/** Records how a problem arrived; same transaction as the problem. */
export async function insertIntake(trx: Transaction<DB>, input: NewIntake): Promise<void> {
  await trx
    .insertInto('problem_intake')
    .values({ ...input, contact: JSON.stringify(input.contact), attributes: JSON.stringify(input.attributes) })
    .execute();
}

/** Who may read: a scope (a caller with a key or token), or the anonymous public. */
export type Audience = { kind: 'scoped'; scope: Scope } | { kind: 'public' };

export interface ServiceRequestRow {
  id: number;
  status: Status;
  category_code: string;
  service_name: string;
  agency_responsible: string;
  description: string;
  address: string | null;
  reported_at: Date;
  updated_at: Date;
  due_at: Date | null;
  lon: number;
  lat: number;
  media_url: string | null;
  /** Scoped audience only: the last note in the record. */
  last_note: string | null;
}

export interface ServiceRequestEvent {
  problem_id: number;
  at: Date;
  action: string;
  to_status: string | null;
  /** Scoped audience only. */
  note: string | null;
}

export interface ServiceRequestQuery {
  /** When given, only these ids (other filters are ignored, as the spec says). */
  ids?: number[];
  filters: ProblemFilters;
  limit: number;
  offset: number;
}

function audienceSql(a: Audience): RawBuilder<boolean> {
  if (a.kind === 'scoped') return problemScopeSql(a.scope, 'p.region_code', 'p.category_code');
  return sql<boolean>`(p.source = 'citizen' AND p.status <> 'voided')`;
}

/** Service requests newest first, inside the audience; one query plus one for the notes. */
export async function listServiceRequests(
  db: Kysely<DB>,
  audience: Audience,
  q: ServiceRequestQuery,
): Promise<{ rows: ServiceRequestRow[]; events: ServiceRequestEvent[] }> {
  const where = q.ids ? sql<boolean>`p.id = ANY (${q.ids}::int8[])` : problemFilterSql(q.filters, 'p');
  const noteSql =
    audience.kind === 'scoped'
      ? sql<
          string | null
        >`(SELECT e.note FROM problem_events e WHERE e.problem_id = p.id AND e.note IS NOT NULL ORDER BY e.id DESC LIMIT 1)`
      : sql<null>`NULL::text`;
  const { rows } = await sql<ServiceRequestRow>`
    SELECT p.id, p.status, p.category_code, c.name AS service_name, c.department AS agency_responsible,
           p.description, p.address, p.reported_at, p.updated_at, p.due_at,
           ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, i.media_url, ${noteSql} AS last_note
      FROM problems p
      JOIN categories c ON c.code = p.category_code
      LEFT JOIN problem_intake i ON i.problem_id = p.id
     WHERE ${audienceSql(audience)} AND ${where}
     ORDER BY p.reported_at DESC, p.id DESC
     LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
  const out = rows.map((r) => ({ ...r, id: Number(r.id) }));
  if (out.length === 0) return { rows: out, events: [] };
  const ev = await sql<ServiceRequestEvent>`
    SELECT e.problem_id, e.at, e.action, e.to_status,
           ${audience.kind === 'scoped' ? sql`e.note` : sql`NULL::text`} AS note
      FROM problem_events e
     WHERE e.problem_id = ANY (${out.map((r) => r.id)}::int8[])
     ORDER BY e.problem_id, e.id`.execute(db);
  return { rows: out, events: ev.rows.map((e) => ({ ...e, problem_id: Number(e.problem_id) })) };
}

/** The problem id a request token stands for, or null. */
export async function findRequestByToken(db: Kysely<DB>, token: string): Promise<number | null> {
  const r = await db.selectFrom('problem_intake').select('problem_id').where('token', '=', token).executeTakeFirst();
  return r ? Number(r.problem_id) : null;
}
