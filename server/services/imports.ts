/**
 * The body of an import (problems, assessment points): CSV bytes or a GeoJSON FeatureCollection,
 * parsed by the noun's own parsers. A whole-file problem becomes the one 4xx every import answers:
 * 400 for an empty file, 415 for another body, 422 IMPORT_REJECTED naming the unreadable line.
 */
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
    if (!(err instanceof ImportFormatError)) throw err;
    if (err.empty) throw new AppError('BAD_REQUEST', err.message);
    throw new AppError('IMPORT_REJECTED', err.message, {
      rejected: [{ line: err.line, reason: err.message, code: 'file_unreadable', params: { message: err.message } }],
      total: 0,
    });
  }
}
