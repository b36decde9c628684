/**
 * Photo files on disk, content-addressed: `<photoDir>/<sha[0:2]>/<sha>` (the original bytes, the
 * evidence), `<sha>.jpg` (resized to at most 2048 px, EXIF orientation applied) and
 * `<sha>.thumb.jpg` (320 px). An upload is streamed to a temp file under `<photoDir>/tmp` while
 * its SHA-256 is computed; only a complete, decodable image is renamed into place, so an upload
 * cut off midway (or refused as too large or not an image) leaves no file behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import exifr from 'exifr';
import { fromShanghaiWall } from '../../domain/time.js';

/** What an accepted upload is: its hash, size, type and what its EXIF says. */
export interface StoredPhoto {
  sha256: string;
  sizeBytes: number;
  mime: string;
  width: number;
  height: number;
  takenAt: Date | null;
  exifLon: number | null;
  exifLat: number | null;
}

/** Why an upload was refused; the route maps these to 413 / 415. */
export class PhotoRejected extends Error {
  constructor(
    readonly reason: 'too_large' | 'not_an_image',
    message: string,
  ) {
    super(message);
  }
}

/** Image types accepted, by their leading bytes (never by file name or the client's Content-Type). */
const SIGNATURES: { mime: string; test: (b: Buffer) => boolean }[] = [
  { mime: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    mime: 'image/png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { mime: 'image/webp', test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
];

/** The MIME type of an image from its first bytes, or null for anything else. */
export function sniffImageType(head: Buffer): string | null {
  return SIGNATURES.find((s) => s.test(head))?.mime ?? null;
}

export const photoPath = (dir: string, sha: string, variant: 'original' | 'display' | 'thumb'): string =>
  join(dir, sha.slice(0, 2), variant === 'original' ? sha : `${sha}.${variant === 'display' ? 'jpg' : 'thumb.jpg'}`);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** EXIF capture time: with its offset when the camera wrote one, else read as Shanghai wall time. */
function exifTime(raw: unknown, offset: unknown): Date | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw);
  if (!m) return null;
  const local = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  const d =
    typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset)
      ? new Date(`${local}${offset}`)
      : fromShanghaiWall(local);
  return Number.isNaN(d.getTime()) ? null : d;
}

async function readExif(path: string): Promise<Pick<StoredPhoto, 'takenAt' | 'exifLon' | 'exifLat'>> {
  try {
    const e = (await exifr.parse(path, { gps: true, reviveValues: false })) as Record<string, unknown> | undefined;
    if (!e) return { takenAt: null, exifLon: null, exifLat: null };
    const lon = typeof e.longitude === 'number' && Number.isFinite(e.longitude) ? e.longitude : null;
    const lat = typeof e.latitude === 'number' && Number.isFinite(e.latitude) ? e.latitude : null;
    return {
      takenAt: exifTime(e.DateTimeOriginal ?? e.CreateDate, e.OffsetTimeOriginal ?? e.OffsetTime),
      exifLon: lon,
      exifLat: lat,
    };
  } catch {
    // A picture without readable EXIF is still a picture: the server time and device position stand in.
    return { takenAt: null, exifLon: null, exifLat: null };
  }
}

/**
 * Streams one upload into the store. Resolves with what was stored; rejects with PhotoRejected
 * (too large, not an image) or the stream's own error (client went away), in every case after
 * removing the temp files.
 *
 * @param isTruncated reports whether the multipart parser cut the file at its size limit
 */
export async function storePhoto(
  dir: string,
  source: Readable,
  maxBytes: number,
  isTruncated: () => boolean = () => false,
): Promise<StoredPhoto> {
  const tmpDir = join(dir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const base = join(tmpDir, randomUUID());
  const tmpOriginal = `${base}.upload`;
  const tmpDisplay = `${base}.jpg`;
  const tmpThumb = `${base}.thumb.jpg`;
  const cleanup = () => Promise.all([tmpOriginal, tmpDisplay, tmpThumb].map((p) => rm(p, { force: true })));
  try {
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new PhotoRejected('too_large', `the photo is larger than ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(source, counter, createWriteStream(tmpOriginal));
    if (isTruncated()) throw new PhotoRejected('too_large', `the photo is larger than ${maxBytes} bytes`);
    if (size === 0) throw new PhotoRejected('not_an_image', 'the file is empty');

    const fh = await open(tmpOriginal, 'r');
    const head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
    await fh.close();
    const mime = sniffImageType(head);
    if (!mime) throw new PhotoRejected('not_an_image', 'the file is not a JPEG, PNG or WebP image');

    let width: number;
    let height: number;
    try {
      // rotate(): apply the EXIF orientation so phones' portrait shots display upright.
      const display = await sharp(tmpOriginal)
        .rotate()
        .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 82, mozjpeg: true })
        .toFile(tmpDisplay);
      width = display.width;
      height = display.height;
      await sharp(tmpOriginal)
        .rotate()
        .resize({ width: 320, height: 320, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 72 })
        .toFile(tmpThumb);
    } catch {
      throw new PhotoRejected('not_an_image', 'the image cannot be decoded');
    }
    const exif = await readExif(tmpOriginal);
    const sha256 = hash.digest('hex');
    await mkdir(join(dir, sha256.slice(0, 2)), { recursive: true });
    // Same content already stored: keep the existing files (identical by construction).
    for (const [tmp, variant] of [
      [tmpOriginal, 'original'],
      [tmpDisplay, 'display'],
      [tmpThumb, 'thumb'],
    ] as const) {
      const target = photoPath(dir, sha256, variant);
      if (!(await exists(target))) await rename(tmp, target);
    }
    return { sha256, sizeBytes: size, mime, width, height, ...exif };
  } finally {
    await cleanup();
  }
}

/** Removes a stored photo's files (when the row that would have named them was not written). */
export async function removePhotoFiles(dir: string, sha256: string): Promise<void> {
  await Promise.all(
    (['original', 'display', 'thumb'] as const).map((v) => rm(photoPath(dir, sha256, v), { force: true })),
  );
}
