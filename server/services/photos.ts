/**
 * Photo work shared by the upload route, problem creation and transitions: the answer shape, and
 * attaching uploaded photos (with the evidence check on after-photos) inside a write's transaction.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/types.js';
import { AppError } from '../errors.js';
import {
  attachPhotos,
  checkEvidence,
  photoThumbUrl,
  photoUrl,
  type PhotoKind,
  type PhotoRow,
} from '../../db/queries/photos.js';
import type { Photo } from '../schemas/photos.js';

export function toPhoto(row: PhotoRow): Photo {
  return {
    id: row.id,
    url: photoUrl(row.id),
    thumb_url: photoThumbUrl(row.id),
    sha256: row.sha256,
    size_bytes: row.size_bytes,
    mime: row.mime,
    width: row.width,
    height: row.height,
    taken_at: row.taken_at ? row.taken_at.toISOString() : null,
    exif_lon: row.exif_lon,
    exif_lat: row.exif_lat,
    device_lon: row.device_lon,
    device_lat: row.device_lat,
    device_accuracy_m: row.device_accuracy_m,
    uploaded_at: row.uploaded_at.toISOString(),
    uploader_name: row.uploader_name,
    kind: row.kind,
    problem_id: row.problem_id,
    event_id: row.event_id,
    flags: row.flags as Photo['flags'],
  };
}

/**
 * Attaches photos to a problem inside `trx`, or throws PHOTO_UNUSABLE (422) naming the first
 * photo that is not the caller's, not of this kind, or already used. After-photos (resolution,
 * re-inspection) get the evidence check; their flags are returned by photo id.
 */
export async function attachProblemPhotos(
  trx: Transaction<DB>,
  photoIds: readonly number[],
  kind: PhotoKind,
  problemId: number,
  uploaderId: number,
  maxDistanceM: number,
  eventId: number | null = null,
): Promise<{ urls: string[]; evidence: Record<number, { flags: string[]; distance_m: number | null }> }> {
  const res = await attachPhotos(trx, photoIds, { kind, ownerId: problemId, problemId, eventId }, uploaderId);
  if (!res.ok)
    throw new AppError('PHOTO_UNUSABLE', `photo ${res.photoId} cannot be attached: ${res.reason}`, undefined, {
      reason: res.reason,
      photo_id: res.photoId,
    });
  const evidence = kind === 'report' ? {} : await checkEvidence(trx, photoIds, problemId, maxDistanceM);
  return { urls: res.urls, evidence };
}
