/**
 * Photo rows: the record of each upload, what it belongs to, and who may fetch it. The files
 * themselves are in the photo store (server/services/photo-store.ts).
 *
 * Ownership is generic (`kind` + `owner_id`): a problem's report, resolution or re-inspection
 * (owner = the problem; `event_id` names the transition), or an inspection item (issue 11). A
 * photo is fetched under the scope of its problem, or of its `region_code` when it has no problem,
 * or — not attached yet — only by its uploader.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { DB, PhotosTable } from '../types.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';

export const PHOTO_KINDS = ['report', 'resolution', 'reinspection', 'inspection_item'] as const;
export type PhotoKind = (typeof PHOTO_KINDS)[number];

/** Evidence flags an after-photo can carry. */
export const EVIDENCE_FLAGS = ['taken_before_dispatch', 'far_from_problem', 'no_position'] as const;
export type EvidenceFlag = (typeof EVIDENCE_FLAGS)[number];

/** The page's address of a photo and of its thumbnail. */
export const photoUrl = (id: number): string => `/api/photos/${id}`;
export const photoThumbUrl = (id: number): string => `/api/photos/${id}/thumb`;

/** A photo as the page and the routes read it: the row without the scope bookkeeping, with the uploader's name. */
export type PhotoRow = Omit<Selectable<PhotosTable>, 'region_code' | 'attached_at'> & { uploader_name: string | null };

/** What an upload writes; the rest (id, time, owner, flags) the row gets later or by default. */
export type NewPhoto = Omit<
  PhotoRow,
  'id' | 'uploaded_at' | 'uploader_name' | 'owner_id' | 'problem_id' | 'event_id' | 'flags'
>;

const PHOTO_COLUMNS = sql`ph.id, ph.sha256, ph.size_bytes, ph.mime, ph.width, ph.height, ph.taken_at, ph.exif_lon,
  ph.exif_lat, ph.device_lon, ph.device_lat, ph.device_accuracy_m, ph.uploaded_at, ph.uploaded_by,
  u.display_name AS uploader_name, ph.kind, ph.owner_id, ph.problem_id, ph.event_id, ph.flags`;

export async function insertPhoto(db: Kysely<DB>, photo: NewPhoto): Promise<PhotoRow> {
  const { id } = await db.insertInto('photos').values(photo).returning('id').executeTakeFirstOrThrow();
  const r = await sql<PhotoRow>`SELECT ${PHOTO_COLUMNS} FROM photos ph JOIN users u ON u.id = ph.uploaded_by
    WHERE ph.id = ${id}`.execute(db);
  return r.rows[0];
}

/** How many rows name a file (0 = the file may be removed). */
export async function countPhotosBySha(db: Kysely<DB>, sha256: string): Promise<number> {
  const r = await db
    .selectFrom('photos')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('sha256', '=', sha256)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** SQL predicate: the caller may see photo `ph` (joined to its problem as `p`). */
function photoVisibleSql(scope: Scope, userId: number): ReturnType<typeof sql<boolean>> {
  return sql<boolean>`(
    (ph.problem_id IS NOT NULL AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')})
    OR (ph.problem_id IS NULL AND ph.region_code IS NOT NULL AND ${regionScopeSql(scope, 'ph.region_code')})
    OR (ph.problem_id IS NULL AND ph.region_code IS NULL AND ph.uploaded_by = ${userId})
  )`;
}

/** One photo the caller may see; `null` when missing or outside the scope (the route answers 404 for both). */
export async function getVisiblePhoto(
  db: Kysely<DB>,
  id: number,
  scope: Scope,
  userId: number,
): Promise<PhotoRow | null> {
  const r = await sql<PhotoRow>`SELECT ${PHOTO_COLUMNS}
    FROM photos ph JOIN users u ON u.id = ph.uploaded_by LEFT JOIN problems p ON p.id = ph.problem_id
    WHERE ph.id = ${id} AND ${photoVisibleSql(scope, userId)}`.execute(db);
  return r.rows[0] ?? null;
}

/** A problem's photos, oldest first; `null` when the problem is missing or outside the scope. */
export async function listProblemPhotos(db: Kysely<DB>, problemId: number, scope: Scope): Promise<PhotoRow[] | null> {
  const visible = await sql<{ id: number }>`SELECT p.id FROM problems p
    WHERE p.id = ${problemId} AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}`.execute(db);
  if (visible.rows.length === 0) return null;
  const r = await sql<PhotoRow>`SELECT ${PHOTO_COLUMNS} FROM photos ph JOIN users u ON u.id = ph.uploaded_by
    WHERE ph.problem_id = ${problemId} ORDER BY ph.id`.execute(db);
  return r.rows;
}

export type AttachRefusal = 'unknown_photo' | 'wrong_kind' | 'already_attached';

export interface PhotoOwner {
  kind: PhotoKind;
  /** The owning record's id (the problem for report/resolution/reinspection). */
  ownerId: number;
  problemId: number | null;
  eventId?: number | null;
  /** Region the photo is scoped by when it has no problem (an inspection's point). */
  regionCode?: string | null;
}

/**
 * Attaches the uploader's own, not yet attached photos of the right kind to their owner, inside
 * the caller's transaction. Returns the photos' URLs in the order given, or why not (nothing is
 * changed then: the caller rolls back).
 */
export async function attachPhotos(
  trx: Transaction<DB>,
  photoIds: readonly number[],
  owner: PhotoOwner,
  uploaderId: number,
  now: Date = new Date(),
): Promise<{ ok: true; urls: string[] } | { ok: false; reason: AttachRefusal; photoId: number }> {
  if (photoIds.length === 0) return { ok: true, urls: [] };
  const rows = await trx
    .selectFrom('photos')
    .select(['id', 'kind', 'owner_id', 'uploaded_by'])
    .where('id', 'in', [...photoIds])
    .forUpdate()
    .execute();
  for (const id of photoIds) {
    const row = rows.find((r) => r.id === id);
    // Someone else's photo answers like a missing one.
    if (!row || row.uploaded_by !== uploaderId) return { ok: false, reason: 'unknown_photo', photoId: id };
    if (row.kind !== owner.kind) return { ok: false, reason: 'wrong_kind', photoId: id };
    if (row.owner_id !== null) return { ok: false, reason: 'already_attached', photoId: id };
  }
  await trx
    .updateTable('photos')
    .set({
      owner_id: owner.ownerId,
      problem_id: owner.problemId,
      event_id: owner.eventId ?? null,
      region_code: owner.regionCode ?? null,
      attached_at: now,
    } satisfies Partial<Record<keyof PhotosTable, unknown>>)
    .where('id', 'in', [...photoIds])
    .execute();
  return { ok: true, urls: photoIds.map(photoUrl) };
}

/** Sets the event an already attached set of photos belongs to (the event is written after the check). */
export async function setPhotosEvent(
  trx: Transaction<DB>,
  photoIds: readonly number[],
  eventId: number,
): Promise<void> {
  if (photoIds.length === 0) return;
  await trx
    .updateTable('photos')
    .set({ event_id: eventId })
    .where('id', 'in', [...photoIds])
    .execute();
}

/**
 * The evidence check on after-photos: flags each photo taken (EXIF time) before the problem was
 * dispatched, or whose position (EXIF GPS, else the device position at upload) is more than
 * `maxDistanceM` metres from the problem, or that has no position at all. Writes the flags on the
 * rows and returns them by photo id.
 */
export async function checkEvidence(
  trx: Transaction<DB>,
  photoIds: readonly number[],
  problemId: number,
  maxDistanceM: number,
): Promise<Record<number, { flags: EvidenceFlag[]; distance_m: number | null }>> {
  if (photoIds.length === 0) return {};
  // Geography: the limit is in metres, and degrees are not metres.
  const r = await sql<{ id: number; flags: EvidenceFlag[]; distance_m: number | null }>`
    WITH pos AS (
      SELECT ph.id, p.dispatched_at, ph.taken_at,
        ST_Distance(
          ST_SetSRID(ST_MakePoint(COALESCE(ph.exif_lon, ph.device_lon), COALESCE(ph.exif_lat, ph.device_lat)), 4326)::geography,
          p.geom::geography) AS distance_m
      FROM photos ph JOIN problems p ON p.id = ${problemId}
      WHERE ph.id = ANY(${[...photoIds]}::int[])
    )
    UPDATE photos ph SET flags = array_remove(ARRAY[
        CASE WHEN pos.taken_at IS NOT NULL AND pos.dispatched_at IS NOT NULL AND pos.taken_at < pos.dispatched_at
          THEN 'taken_before_dispatch' END,
        CASE WHEN pos.distance_m IS NULL THEN 'no_position'
          WHEN pos.distance_m > ${maxDistanceM}::float8 THEN 'far_from_problem' END
      ]::text[], NULL)
    FROM pos WHERE pos.id = ph.id
    RETURNING ph.id, ph.flags, round(pos.distance_m::numeric, 1)::float8 AS distance_m`.execute(trx);
  return Object.fromEntries(r.rows.map((row) => [row.id, { flags: row.flags, distance_m: row.distance_m }]));
}

/** The first report photo (oldest) of each of the problems, by problem id (the bulletin's thumbnails). */
export async function firstReportPhotos(
  db: Kysely<DB>,
  problemIds: readonly number[],
): Promise<Map<number, { id: number; sha256: string }>> {
  if (problemIds.length === 0) return new Map();
  const r = await sql<{ problem_id: number; id: number; sha256: string }>`
    SELECT DISTINCT ON (ph.problem_id) ph.problem_id, ph.id, ph.sha256 FROM photos ph
    WHERE ph.kind = 'report' AND ph.problem_id = ANY (${[...problemIds]}::int[])
    ORDER BY ph.problem_id, ph.id`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.problem_id), { id: Number(x.id), sha256: x.sha256 }]));
}
