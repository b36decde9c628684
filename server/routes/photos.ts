/**
 * Photo evidence: `POST /api/photos` (multipart upload), the image and its thumbnail by id, and a
 * problem's photos with their evidence flags. The image URLs are scoped exactly as the problem
 * they belong to: outside the caller's area they answer 404, as a missing id does.
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { Photo, PhotoFile, PhotoFileQuery, PhotoList, PhotoUploadBody } from '../schemas/photos.js';
import { PhotoRejected, photoPath, removePhotoFiles, storePhoto, type StoredPhoto } from '../services/photo-store.js';
import { toPhoto } from '../services/photos.js';
import {
  countPhotosBySha,
  getVisiblePhoto,
  insertPhoto,
  listProblemPhotos,
  PHOTO_KINDS,
  type PhotoKind,
} from '../../db/queries/photos.js';
import { REPORT_ROLES } from '../../domain/workflow.js';

const finite = (v: string | undefined, min: number, max: number): number | null => {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? n : Number.NaN;
};

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { photoDir, photoMaxBytes } = app.config;
  const limitMb = Math.round((photoMaxBytes / 1048576) * 10) / 10;
  await app.register(multipart, {
    limits: { fileSize: photoMaxBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
  });

  app.post(
    '/photos',
    {
      preHandler: requireRole(...REPORT_ROLES),
      schema: {
        tags: ['photos'],
        summary: 'Upload one photo (camera capture); attach it by id when reporting, resolving or re-inspecting',
        consumes: ['multipart/form-data'],
        body: PhotoUploadBody,
        response: { 201: Photo, ...errors(400, 401, 403, 413, 415) },
      },
      // The multipart parser reads the body as a stream; the schema above is documentation.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const user = userOf(request);
      if (!request.isMultipart())
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the photo as multipart/form-data', undefined, {
          reason: 'not_multipart',
        });
      const fields: Record<string, string> = {};
      let stored: StoredPhoto | null = null;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (stored) {
            part.file.resume();
            continue;
          }
          stored = await storePhoto(photoDir, part.file, photoMaxBytes, () => part.file.truncated);
        }
      } catch (err) {
        if (stored) await removeIfUnused(stored.sha256);
        if (err instanceof PhotoRejected) {
          if (err.reason === 'too_large')
            throw new AppError('PAYLOAD_TOO_LARGE', `${err.message} (PHOTO_MAX_MB=${limitMb})`, undefined, {
              reason: 'photo_too_large',
              limit_mb: limitMb,
            });
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', err.message, undefined, { reason: 'not_an_image' });
        }
        if ((err as { statusCode?: number }).statusCode === 413)
          throw new AppError('PAYLOAD_TOO_LARGE', `the photo is larger than PHOTO_MAX_MB=${limitMb}`, undefined, {
            reason: 'photo_too_large',
            limit_mb: limitMb,
          });
        throw err;
      }
      if (!stored)
        throw new AppError('VALIDATION_FAILED', 'no file part in the upload', undefined, { reason: 'no_file' });

      const kind = (fields.kind ?? 'report') as PhotoKind;
      const lon = finite(fields.lon, -180, 180);
      const lat = finite(fields.lat, -90, 90);
      const accuracy = finite(fields.accuracy, 0, 100_000);
      const bad = !PHOTO_KINDS.includes(kind)
        ? 'kind'
        : Number.isNaN(lon) || Number.isNaN(lat) || (lon === null) !== (lat === null)
          ? 'position'
          : Number.isNaN(accuracy)
            ? 'accuracy'
            : null;
      if (bad) {
        await removeIfUnused(stored.sha256);
        throw new AppError('VALIDATION_FAILED', `bad upload field: ${bad}`, undefined, { reason: `bad_${bad}` });
      }
      try {
        const row = await insertPhoto(app.db, {
          sha256: stored.sha256,
          size_bytes: stored.sizeBytes,
          mime: stored.mime,
          width: stored.width,
          height: stored.height,
          taken_at: stored.takenAt,
          exif_lon: stored.exifLon,
          exif_lat: stored.exifLat,
          device_lon: lon,
          device_lat: lat,
          device_accuracy_m: accuracy,
          uploaded_by: user.id,
          kind,
        });
        return reply.status(201).send(toPhoto(row));
      } catch (err) {
        await removeIfUnused(stored.sha256);
        throw err;
      }
    },
  );

  async function removeIfUnused(sha256: string): Promise<void> {
    if ((await countPhotosBySha(app.db, sha256)) === 0) await removePhotoFiles(photoDir, sha256);
  }

  for (const variant of ['display', 'thumb'] as const) {
    app.get(
      variant === 'display' ? '/photos/:id' : '/photos/:id/thumb',
      {
        // An <img src> cannot send a header: the photo files take ?access_token= like downloads.
        config: { queryToken: true },
        schema: {
          tags: ['photos'],
          summary: variant === 'display' ? 'The photo (JPEG, ≤ 2048 px)' : 'The photo’s thumbnail (JPEG, 320 px)',
          params: IdParam,
          querystring: PhotoFileQuery,
          response: { 200: PhotoFile, ...errors(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const user = userOf(request);
        const photo = await getVisiblePhoto(app.db, request.params.id, request.scope, user.id);
        if (!photo) throw notFound('photo');
        // Private: the answer depends on who asks. Content-addressed, so it never changes.
        reply.header('cache-control', 'private, max-age=31536000, immutable');
        reply.header('etag', `"${photo.sha256}${variant === 'thumb' ? '-t' : ''}"`);
        reply.type('image/jpeg');
        return reply.send(createReadStream(photoPath(photoDir, photo.sha256, variant)));
      },
    );
  }

  app.get(
    '/problems/:id/photos',
    {
      schema: {
        tags: ['photos'],
        summary: 'A problem’s photos (report, resolution, re-inspection) with their evidence flags',
        params: IdParam,
        response: { 200: PhotoList, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const photos = await listProblemPhotos(app.db, request.params.id, request.scope);
      if (!photos) throw notFound('problem');
      return { photos: photos.map(toPhoto) };
    },
  );
};
export default routes;
