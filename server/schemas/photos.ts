/** Photo evidence: upload answer, metadata, and the photo list of a problem. */
import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';
import { EVIDENCE_FLAGS, PHOTO_KINDS } from '../../db/queries/photos.js';

export const PhotoKindSchema = Type.Unsafe<(typeof PHOTO_KINDS)[number]>({
  type: 'string',
  enum: [...PHOTO_KINDS],
  description: 'what the photo will belong to: report (before), resolution (after), reinspection, inspection_item',
});

export const Photo = Type.Object({
  id: Type.Integer(),
  url: Type.String({ description: 'the display image (≤ 2048 px JPEG); ?access_token= works for <img>' }),
  thumb_url: Type.String({ description: '320 px JPEG' }),
  sha256: Type.String({ description: 'SHA-256 of the original bytes, as uploaded' }),
  size_bytes: Type.Integer(),
  mime: Type.String({ description: 'type of the original, sniffed from its content' }),
  width: Type.Integer(),
  height: Type.Integer(),
  taken_at: Nullable(Type.String({ format: 'date-time', description: 'EXIF capture time' })),
  exif_lon: Nullable(Type.Number()),
  exif_lat: Nullable(Type.Number()),
  device_lon: Nullable(Type.Number({ description: 'device position when uploading (browsers strip EXIF GPS)' })),
  device_lat: Nullable(Type.Number()),
  device_accuracy_m: Nullable(Type.Number({ description: 'metres' })),
  uploaded_at: Type.String({ format: 'date-time', description: 'server time at upload' }),
  uploader_name: Nullable(Type.String()),
  kind: PhotoKindSchema,
  problem_id: Nullable(Type.Integer()),
  event_id: Nullable(Type.Integer()),
  flags: Type.Array(Type.Unsafe<(typeof EVIDENCE_FLAGS)[number]>({ type: 'string', enum: [...EVIDENCE_FLAGS] }), {
    description: 'evidence check of an after-photo: taken_before_dispatch, far_from_problem, no_position',
  }),
});
export type Photo = Static<typeof Photo>;

export const PhotoList = Type.Object({ photos: Type.Array(Photo) });

export const PhotoFileQuery = Type.Object({
  access_token: Type.Optional(Type.String({ description: 'the bearer token, for <img src>' })),
});

export const PhotoUploadBody = Type.Unknown({
  description:
    'multipart/form-data: `file` (JPEG, PNG or WebP; the type is read from the content), `kind` (report | resolution | ' +
    'reinspection | inspection_item, default report), and optionally `lon`, `lat`, `accuracy` (the device position, metres)',
});

/** Ids of uploaded photos a create or a transition attaches (POST /api/photos first). */
export const PhotoIds = Type.Array(Type.Integer({ minimum: 1 }), {
  maxItems: 20,
  description: 'ids of photos uploaded with POST /api/photos by the same user',
});

/** A photo file answer (JPEG bytes). */
export const PhotoFile = Type.Unknown({ description: 'JPEG image (image/jpeg)' });
