/**
 * The body of an import (problems, assessment points): CSV bytes or a GeoJSON FeatureCollection,
 * parsed by the noun's own parsers. A whole-file problem becomes the one 4xx every import answers:
 * 400 for an empty file, 415 for another body, 422 IMPORT_REJECTED naming the unreadable line.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { ImportFormatError } from '../../domain/problem-import.js';

export function parseImportBody<T>(body: unknown, parseCsv: (bytes: Buffer) => T, parseGeoJson: (fc: object) => T): T {
  try {
    if (Buffer.isBuffer(body)) return parseCsv(body);
    if (body && typeof body === 'object') return parseGeoJson(body);
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send text/csv or a GeoJSON FeatureCollection (application/json or application/geo+json)',
    );
  } catch (err) {
    throw importFormatToAppError(err);
  }
}

/** An {@link ImportFormatError} as the 4xx every import answers; any other error unchanged. */
export function importFormatToAppError(err: unknown): unknown {
  if (!(err instanceof ImportFormatError)) return err;
  if (err.empty) return new AppError('BAD_REQUEST', err.message);
  return new AppError('IMPORT_REJECTED', err.message, {
    rejected: [{ line: err.line, reason: err.message, code: 'file_unreadable', params: { message: err.message } }],
    total: 0,
  });
}

/** A received CSV body, spooled to a private temporary file. */
export interface SpooledCsv {
  bytes: number;
  /** The whole file is valid UTF-8 (checked while receiving); else it is read as GB18030. */
  utf8: boolean;
  /** The file again, from the start. */
  open(): Readable;
  remove(): Promise<void>;
}

/**
 * Receives a CSV body (a stream, or a Buffer a test or another parser already read) into a
 * temporary file, at most `limit` bytes (413 beyond), checking on the way whether the whole of it
 * is UTF-8: the encoding rule of {@link decodeCsv} needs the whole file, and memory must not hold
 * it (a million rows is ~100 MB). The parse then reads the file back as a stream.
 */
export async function spoolCsv(body: Readable | Buffer, limit: number): Promise<SpooledCsv> {
  const dir = await mkdtemp(join(tmpdir(), 'pm-import-'));
  const path = join(dir, 'body.csv');
  const remove = () => rm(dir, { recursive: true, force: true });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let utf8 = true;
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) {
        done(new AppError('PAYLOAD_TOO_LARGE', `the file is larger than ${Math.floor(limit / 1024 / 1024)} MB`));
        return;
      }
      if (utf8) {
        try {
          decoder.decode(chunk, { stream: true });
        } catch {
          utf8 = false;
        }
      }
      done(null, chunk);
    },
    flush(done) {
      if (utf8) {
        try {
          decoder.decode();
        } catch {
          utf8 = false;
        }
      }
      done();
    },
  });
  try {
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    await pipeline(source, check, createWriteStream(path));
  } catch (err) {
    await remove();
    throw err;
  }
  // 64 KB reads (≈ 600 rows): csv-parse turns a whole read into records at once, so a read is the
  // least that is alive at a time; 1 MB reads made 10,000 records at a go, which outlived V8's
  // young generation (see CSV_STREAM_BATCH).
  return { bytes, utf8, open: () => createReadStream(path, { highWaterMark: 64 * 1024 }), remove };
}
