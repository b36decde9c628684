/**
 * Parsing and row-level validation of a problem import (CSV or GeoJSON), before anything touches
 * the database. Pure: bytes or a parsed JSON body in, valid rows and rejected rows (with the line
 * a person can find in their spreadsheet) out. Region assignment and writing are SQL's job
 * (db/queries/problem-import-stage.ts).
 */
import { parse } from 'csv-parse/sync';
import { Parser } from 'csv-parse';
import iconv from 'iconv-lite';
import type { Readable } from 'node:stream';
import { coordinateProblem, toWgs84, type InputCrs } from './coords.js';
import { fromShanghai } from './time.js';

export const SOURCES = ['inspection', 'citizen', 'hotline', 'other'] as const;
export type Source = (typeof SOURCES)[number];

/** A problem to create, as the API and imports hand it to SQL. */
export interface NewProblem {
  /** WGS84 degrees (converted at the edge). */
  lon: number;
  lat: number;
  category_code: string;
  description: string;
  address: string | null;
  source: Source;
  severity: number;
  reporter: string | null;
  photos: string[];
  reported_at: Date;
}

/** One row ready to load: a new problem (coordinates already WGS84) and where it came from. */
export interface ImportRow extends NewProblem {
  /** CSV physical line (header = 1) or GeoJSON feature index (0-based). */
  line: number;
}

export interface Rejection {
  line: number;
  /** English, for scripts and logs. */
  reason: string;
  /** Stable code the page renders in zh-CN or English, with `params` (web/src/i18n/errors.ts). */
  code: RowReason;
  params: Record<string, string | number>;
}

/** Why an import row is refused: one code per kind of mistake. */
export const ROW_REASONS = [
  'coordinates_required',
  'lon_not_number',
  'lat_not_number',
  'coordinates_swapped',
  'lon_out_of_range',
  'lat_out_of_range',
  'category_required',
  'category_unknown',
  'category_not_text',
  'text_invalid',
  'reported_at_invalid',
  'reported_at_future',
  'severity_invalid',
  'source_invalid',
  'photo_not_url',
  'not_a_feature',
  'geometry_not_point',
  'point_empty',
  'outside_coverage',
  'file_unreadable',
  // assessment-point imports (domain/point-import.ts)
  'point_type_required',
  'point_type_unknown',
  'name_required',
  'name_too_long',
  'ref_repeated',
  'polygon_invalid',
  'polygon_too_large',
  'ref_taken',
] as const;
export type RowReason = (typeof ROW_REASONS)[number];

/** The code of a coordinate mistake named by coordinateProblem. */
export function coordinateReason(message: string): RowReason {
  if (message.startsWith('longitude is not')) return 'lon_not_number';
  if (message.startsWith('latitude is not')) return 'lat_not_number';
  if (message.includes('swapped')) return 'coordinates_swapped';
  return message.startsWith('longitude') ? 'lon_out_of_range' : 'lat_out_of_range';
}

export interface ParsedImport {
  rows: ImportRow[];
  rejected: Rejection[];
  /** Data rows seen (valid + rejected), header excluded. */
  total: number;
}

/** Category code, name or legacy code → category code (active categories only). */
export type CategoryLookup = ReadonlyMap<string, string>;

export interface ImportContext {
  crs: InputCrs;
  categories: CategoryLookup;
  /** "Now" for defaults and the future-date check. */
  now: Date;
}

/** A whole-file problem (no rows at all, missing columns, not CSV): the caller answers 4xx. */
export class ImportFormatError extends Error {
  constructor(
    message: string,
    readonly line = 1,
    /** Nothing to import at all (an empty body), rather than a malformed one. */
    readonly empty = false,
  ) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

/** Reports dated more than this far ahead of the server clock are refused (phone clocks drift a little). */
const FUTURE_TOLERANCE_MS = 10 * 60_000;

/**
 * Bytes of a CSV as text. Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK), newer
 * Excel and most tools in UTF-8, often with a BOM. Strict UTF-8 decoding fails on GBK bytes (their
 * lead bytes 0x81–0xFE are followed by bytes UTF-8 forbids there), so: UTF-8 if it decodes, else
 * GB18030 — the superset of GBK, so every GBK file decodes identically and the rare GB18030-only
 * character does too.
 */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

type Field =
  | 'lon'
  | 'lat'
  | 'category'
  | 'description'
  | 'address'
  | 'source'
  | 'severity'
  | 'reporter'
  | 'reported_at'
  | 'photos';

/**
 * Accepted header names per field, in order of preference (a sheet with both 事项 and 类别 uses
 * 事项, the item; 类别 is often the group). Compared lower-cased and trimmed.
 */
const HEADER_ALIASES: Readonly<Record<Field, readonly string[]>> = {
  lon: ['lon', 'lng', 'long', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
  category: [
    'category',
    'category_code',
    'category_name',
    '事项代码',
    '事项编码',
    '事项',
    '事项名称',
    '事项类别',
    '类别代码',
    '类别',
  ],
  description: ['description', 'desc', '描述', '问题描述'],
  address: ['address', '地址', '位置'],
  source: ['source', '来源'],
  severity: ['severity', '等级', '严重程度'],
  reporter: ['reporter', '上报人'],
  reported_at: ['reported_at', 'reported', 'time', '上报时间', '时间'],
  photos: ['photos', 'photo', '照片'],
};

/** Chinese labels for sources, as field apps and hotline exports write them. */
const SOURCE_ALIASES: Readonly<Record<string, Source>> = {
  inspection: 'inspection',
  citizen: 'citizen',
  hotline: 'hotline',
  other: 'other',
  巡查: 'inspection',
  督查: 'inspection',
  检查: 'inspection',
  市民: 'citizen',
  群众: 'citizen',
  公众: 'citizen',
  热线: 'hotline',
  '12345': 'hotline',
  其他: 'other',
};

/** 'YYYY-MM-DD', 'YYYY/MM/DD', optionally followed by ' HH:mm' or ' HH:mm:ss', no zone: Asia/Shanghai wall clock. */
const LOCAL_TIME = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
/** ISO 8601 with an explicit zone. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Reads a report time. A zoned ISO timestamp is taken as is; a bare local time (the way people type
 * it in Excel: '2026-03-05 14:30') is Asia/Shanghai. Returns null when it is not a valid instant.
 */
export function parseReportedAt(value: string): Date | null {
  const v = value.trim();
  if (ZONED_TIME.test(v)) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = LOCAL_TIME.exec(v);
  if (!m) return null;
  const date = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
  const [h, min, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return null;
  try {
    return new Date(
      fromShanghai(date, `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`).getTime() + s * 1000,
    );
  } catch {
    return null; // 2026-02-30 and friends
  }
}

/** A record's fields by name, as text (CSV) or any JSON value (GeoJSON properties). */
type RawRecord = Partial<Record<Field, unknown>>;

/**
 * A structural field (coordinate, code, date, enum, name) as trimmed text. Only strings and numbers
 * are text: an object or array reads as missing (so the field's "required" rule names it) and is
 * never turned into "[object Object]".
 */
export const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');

/**
 * A free-text field (description, address, reporter) exactly as sent: never trimmed, never
 * converted. Returns null for a missing value, or a reason when it is not a string or holds a NUL
 * byte (which PostgreSQL text cannot store).
 */
function freeText(v: unknown, name: string): { value: string | null } | { reason: string } {
  if (v === null || v === undefined) return { value: null };
  if (typeof v !== 'string') return { reason: `${name} must be text, got ${Array.isArray(v) ? 'an array' : typeof v}` };
  if (v.includes('\u0000')) return { reason: `${name} contains a NUL character` };
  return { value: v };
}

/** A number from a cell; '' and non-numbers give NaN (Number('') would give 0). */
function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = text(v);
  return s === '' ? NaN : Number(s);
}

/**
 * A longitude / latitude pair from two cells (text or JSON numbers), checked for China (see
 * `coordinateProblem`), still in the input's coordinate system; or the reason it is not one.
 */
export function readLonLat(lonCell: unknown, latCell: unknown): [number, number] | Omit<Rejection, 'line'> {
  const lonText = text(lonCell);
  const latText = text(latCell);
  if (lonText === '' || latText === '')
    return { reason: 'longitude and latitude are required', code: 'coordinates_required', params: {} };
  const lon = numberOf(lonCell);
  const lat = numberOf(latCell);
  if (!Number.isFinite(lon))
    return {
      reason: `longitude ${JSON.stringify(lonText)} is not a number`,
      code: 'lon_not_number',
      params: { value: lonText },
    };
  if (!Number.isFinite(lat))
    return {
      reason: `latitude ${JSON.stringify(latText)} is not a number`,
      code: 'lat_not_number',
      params: { value: latText },
    };
  const problem = coordinateProblem(lon, lat);
  return problem ? { reason: problem, code: coordinateReason(problem), params: { lon, lat } } : [lon, lat];
}

/**
 * Validates one record and converts its coordinates to WGS84. Returns the row, or the first reason
 * it cannot be loaded (one reason per row keeps the report readable; fixing it reveals the next).
 */
export function validateRecord(
  raw: RawRecord,
  line: number,
  ctx: ImportContext,
  categoryValues: readonly unknown[] = [raw.category],
): ImportRow | Rejection {
  const reject = (reason: string, code: RowReason, params: Rejection['params'] = {}): Rejection => ({
    line,
    reason,
    code,
    params,
  });
  const position = readLonLat(raw.lon, raw.lat);
  if (!Array.isArray(position)) return { line, ...position };
  const [lon, lat] = position;

  if (categoryValues.some((c) => c !== null && c !== undefined && typeof c !== 'string' && typeof c !== 'number'))
    return reject('category must be text (a code such as 06010 or a name such as 暴露垃圾)', 'category_not_text');
  const categoryTexts = categoryValues.map(text).filter((s) => s !== '');
  if (categoryTexts.length === 0) return reject('category is required', 'category_required');
  const category = categoryTexts.map((c) => ctx.categories.get(c)).find((c) => c !== undefined);
  if (!category)
    return reject(
      `unknown category ${JSON.stringify(categoryTexts[0])} (give a code such as 06010 or a name such as 暴露垃圾)`,
      'category_unknown',
      { value: categoryTexts[0] },
    );

  let reportedAt = ctx.now;
  const whenText = text(raw.reported_at);
  if (whenText !== '') {
    const when = parseReportedAt(whenText);
    if (!when)
      return reject(
        `reported_at ${JSON.stringify(whenText)} is not a date (use 2026-03-05 14:30 or ISO 8601)`,
        'reported_at_invalid',
        { value: whenText },
      );
    if (when.getTime() > ctx.now.getTime() + FUTURE_TOLERANCE_MS)
      return reject(`reported_at ${JSON.stringify(whenText)} is in the future`, 'reported_at_future', {
        value: whenText,
      });
    reportedAt = when;
  }

  let severity = 1;
  const severityText = text(raw.severity);
  if (severityText !== '') {
    severity = Number(severityText);
    if (!Number.isInteger(severity) || severity < 1 || severity > 3)
      return reject(`severity ${JSON.stringify(severityText)} must be 1, 2 or 3`, 'severity_invalid', {
        value: severityText,
      });
  }

  let source: Source = 'inspection';
  const sourceText = text(raw.source);
  if (sourceText !== '') {
    const s = SOURCE_ALIASES[sourceText.toLowerCase()];
    if (!s)
      return reject(`source ${JSON.stringify(sourceText)} must be one of ${SOURCES.join(', ')}`, 'source_invalid', {
        value: sourceText,
      });
    source = s;
  }

  const photos = Array.isArray(raw.photos)
    ? raw.photos.map(text).filter(Boolean)
    : text(raw.photos)
        .split(/[;；\s]+/)
        .filter(Boolean);
  const badPhoto = photos.find((p) => !/^https?:\/\/\S+$/.test(p));
  if (badPhoto)
    return reject(`photo ${JSON.stringify(badPhoto)} is not an http(s) URL`, 'photo_not_url', { value: badPhoto });

  // Free text is stored exactly as sent (no trimming); a wrong type or a NUL byte rejects the row.
  const description = freeText(raw.description, 'description');
  if ('reason' in description) return reject(description.reason, 'text_invalid', { field: 'description' });
  const address = freeText(raw.address, 'address');
  if ('reason' in address) return reject(address.reason, 'text_invalid', { field: 'address' });
  const reporter = freeText(raw.reporter, 'reporter');
  if ('reason' in reporter) return reject(reporter.reason, 'text_invalid', { field: 'reporter' });

  const [wlon, wlat] = toWgs84(lon, lat, ctx.crs);
  return {
    line,
    lon: wlon,
    lat: wlat,
    category_code: category,
    description: description.value ?? '',
    address: address.value === '' ? null : address.value,
    source,
    severity,
    reporter: reporter.value === '' ? null : reporter.value,
    photos,
    reported_at: reportedAt,
  };
}

const isRejection = (r: ImportRow | Rejection): r is Rejection => 'reason' in r;

/** One CSV data row by field (first matching column) and every matching column's value. */
export interface CsvRecord<F extends string> {
  /** Physical line of the file where the row starts (header = 1). */
  line: number;
  raw: Partial<Record<F, string>>;
  all: Record<F, string[]>;
}

/**
 * Reads a CSV (UTF-8 or GBK, see {@link decodeCsv}) into records keyed by field, matching the
 * header against `aliases` (lower-cased, trimmed; several columns may match one field, in alias
 * order). Line numbers are physical lines of the file (header = line 1), so they match what a
 * spreadsheet or text editor shows; a quoted field spanning lines is reported at its first. Throws
 * {@link ImportFormatError} for an empty file, an unreadable one, missing `required` columns
 * (named by their label) or a header without rows. Shared by every CSV import (problems, points).
 */
export function readCsvRecords<F extends string>(
  bytes: Uint8Array,
  aliases: Readonly<Record<F, readonly string[]>>,
  required: Readonly<Partial<Record<F, string>>>,
): CsvRecord<F>[] {
  const content = decodeCsv(bytes);
  if (content.trim() === '') throw new ImportFormatError('the CSV is empty', 1, true);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(content, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // No trim: free text (description, address) is stored exactly as typed; structural fields
      // (coordinates, codes, dates) are trimmed one by one where they are read.
    }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new ImportFormatError(`the CSV cannot be read: ${e.message ?? String(err)}`, e.lines ?? 1);
  }
  const [header, ...data] = records;
  const fields = Object.keys(aliases) as F[];
  const columns = headerColumns(header.record, aliases, required);
  if (data.length === 0) throw new ImportFormatError('the CSV has a header but no rows', 1, true);
  const lines = new RecordLines();
  lines.startOf(header.record, header.info.lines);
  return data.map(({ record, info }) => {
    const raw: Partial<Record<F, string>> = {};
    const all = {} as Record<F, string[]>;
    for (const f of fields) {
      const idx = columns[f][0];
      if (idx !== undefined) raw[f] = record[idx];
      all[f] = columns[f].map((i) => record[i]);
    }
    return { line: lines.startOf(record, info.lines), raw, all };
  });
}

/**
 * The physical line each record starts on (header = 1), as an editor counts lines: CRLF, LF and a
 * lone CR are one break each. csv-parse counts the lines read up to a record's end, but a CRLF
 * inside a quoted field as two, so its count runs one ahead after every such field: the surplus is
 * carried from record to record, in file order, and the record's own breaks are subtracted.
 */
class RecordLines {
  private surplus = 0;

  startOf(record: readonly string[], parsedEndLine: number): number {
    let breaks = 0;
    for (const field of record) {
      if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
      for (const m of field.matchAll(/\r\n|\r|\n/g)) {
        breaks++;
        if (m[0].length === 2) this.surplus++;
      }
    }
    return parsedEndLine - this.surplus - breaks;
  }
}

/** The header's columns per field, or the {@link ImportFormatError} naming the missing ones. */
function headerColumns<F extends string>(
  header: string[],
  aliases: Readonly<Record<F, readonly string[]>>,
  required: Readonly<Partial<Record<F, string>>>,
): Record<F, number[]> {
  const names = header.map((h) => h.trim().toLowerCase());
  const fields = Object.keys(aliases) as F[];
  const columns = Object.fromEntries(
    fields.map((f) => [f, aliases[f].map((alias) => names.indexOf(alias)).filter((i) => i >= 0)]),
  ) as Record<F, number[]>;
  const missing = (Object.keys(required) as F[]).filter((f) => columns[f].length === 0);
  if (missing.length > 0) {
    throw new ImportFormatError(
      `missing column ${missing.map((f) => required[f]).join(', ')}; the header has: ${header.join(', ')}`,
    );
  }
  return columns;
}

/** Records of a CSV stream in batches, each record with the physical line it ends on. */
interface RecordBatch {
  records: string[][];
  /** `endLines[k]`: csv-parse's line count when `records[k]` was complete (its last line). */
  endLines: number[];
}

/**
 * csv-parse's stream parser, handing on batches of records instead of one object per record.
 * Each record's line is read from the parser's own running count (`parser.info.lines`, the value
 * its `info: true` option copies into a fresh object per record) at the moment the record is
 * pushed — so the lines are csv-parse's, identical to before, without two object spreads of its
 * whole state per row (≈ 22 µs of a row's parse at load 15: more than the parse itself).
 */
class BatchingCsvParser extends Parser {
  private batch: RecordBatch = { records: [], endLines: [] };

  constructor(private readonly size: number) {
    // Two batches queued at most: memory holds a few batches, never the file.
    // bom: a UTF-8 file arrives as bytes with its BOM (see csvTextStream).
    super({ bom: true, relax_column_count: true, skip_empty_lines: true, readableHighWaterMark: 2 } as never);
  }

  override push(record: unknown): boolean {
    if (record === null) {
      if (this.batch.records.length > 0) super.push(this.batch);
      return super.push(null);
    }
    this.batch.records.push(record as string[]);
    this.batch.endLines.push(this.info.lines);
    if (this.batch.records.length < this.size) return true;
    const full = this.batch;
    this.batch = { records: [], endLines: [] };
    return super.push(full);
  }
}

/**
 * Records per batch of a streamed CSV (see {@link streamCsvRecords}): small enough that a batch
 * and the one behind it are collected in V8's young generation (a 1,000,000-row import's peak RSS:
 * +270 MB at 5,000, +20–80 MB at 500 with 64 KB reads).
 */
export const CSV_STREAM_BATCH = 500;

/** One CSV data row of a stream: its fields by name (first matching column) and the category cells. */
export interface StreamedCsvRecord<F extends string> {
  /** Physical line of the file where the row starts (header = 1). */
  line: number;
  raw: Partial<Record<F, string>>;
}

/**
 * {@link readCsvRecords} over a stream of already decoded text (see {@link csvTextStream}), in
 * batches of up to `batch` records, with the same lines, header matching and
 * {@link ImportFormatError}s (empty file, unreadable, missing columns, header without rows).
 * Memory holds a few batches, never the file. `multi` names the one field whose every matching
 * column is wanted (the category: 事项 and 类别 may both be there); those values are in `values`.

 *
 * Batches are small ({@link CSV_STREAM_BATCH}) on purpose: what is in flight between the parser
 * and its consumer must die young. Each record lives from its parse until its row is written on;
 * with 5,000-row batches (and 1 MB reads) that outlived two young-generation collections, so every
 * row was promoted to V8's old space, which grew to ~350 MB of garbage between full collections —
 * the import's whole +270 MB peak RSS, the same at 400,000 rows as at 1,000,000 (nothing was
 * retained: with `--max-old-space-size=150` the same import ran at +32 MB). */
export async function* streamCsvRecords<F extends string>(
  text: Readable,
  aliases: Readonly<Record<F, readonly string[]>>,
  required: Readonly<Partial<Record<F, string>>>,
  multi: F,
  batch = CSV_STREAM_BATCH,
): AsyncGenerator<{ records: StreamedCsvRecord<F>[]; values: string[][] }> {
  // String.prototype.trim() and \s agree on what whitespace is: "empty" means what it did.
  // Bytes (UTF-8) are decoded for this test only until something is not blank.
  let blank = true;
  const decoder = new TextDecoder('utf-8');
  text.on('data', (chunk: string | Buffer) => {
    if (blank && /\S/.test(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))) blank = false;
  });
  const parser = text.pipe(new BatchingCsvParser(batch));
  text.on('error', (err) => parser.destroy(err));
  const fields = Object.keys(aliases) as F[];
  let columns: [F, number][] | null = null;
  let multiColumns: number[] = [];
  let rows = 0;
  const lines = new RecordLines();
  try {
    for await (const { records, endLines } of parser as AsyncIterable<RecordBatch>) {
      let first = 0;
      if (columns === null) {
        const byField = headerColumns(records[0], aliases, required);
        columns = fields.filter((f) => byField[f].length > 0).map((f) => [f, byField[f][0]]);
        multiColumns = byField[multi];
        lines.startOf(records[0], endLines[0]);
        first = 1;
      }
      const out: StreamedCsvRecord<F>[] = [];
      const values: string[][] = [];
      for (let k = first; k < records.length; k++) {
        const record = records[k];
        const raw: Partial<Record<F, string>> = {};
        for (const [f, idx] of columns) raw[f] = record[idx];
        out.push({ line: lines.startOf(record, endLines[k]), raw });
        values.push(multiColumns.map((i) => record[i]));
      }
      rows += out.length;
      if (out.length > 0) yield { records: out, values };
    }
  } catch (err) {
    if (err instanceof ImportFormatError) throw err;
    const e = err as { message?: string; lines?: number };
    throw new ImportFormatError(`the CSV cannot be read: ${e.message ?? String(err)}`, e.lines ?? 1);
  }
  if (blank) throw new ImportFormatError('the CSV is empty', 1, true);
  if (rows === 0) throw new ImportFormatError('the CSV has a header but no rows', 1, true);
}

/**
 * A CSV file's bytes as the stream {@link streamCsvRecords} parses, decoded as {@link decodeCsv}
 * decides (UTF-8 when the whole file is valid UTF-8 — the caller knows, having checked it while
 * receiving — else GB18030). UTF-8 stays bytes: csv-parse decodes UTF-8 itself and drops the BOM
 * (its `bom` option); fed the decoded text instead, it re-encodes every chunk, and a million rows
 * took 56 s instead of 17. GB18030 is decoded to text here, without the BOM.
 */
export function csvTextStream(bytes: Readable, utf8: boolean): Readable {
  if (utf8) return bytes;
  const decoded = bytes.pipe(iconv.decodeStream('gb18030', { stripBOM: true })) as unknown as Readable;
  bytes.on('error', (err) => decoded.destroy(err));
  return decoded;
}

/**
 * Validates a stream of CSV record batches as {@link parseProblemCsv} does, yielding the valid
 * rows batch by batch and collecting every rejection into `rejected` (with `total` counting data
 * rows): the caller stages the rows while the file is still being read.
 */
export async function* validateProblemCsvStream(
  text: Readable,
  ctx: ImportContext,
  report: { rejected: Rejection[]; total: number },
  batch = CSV_STREAM_BATCH,
): AsyncGenerator<ImportRow[]> {
  for await (const { records, values } of streamCsvRecords(text, HEADER_ALIASES, PROBLEM_REQUIRED, 'category', batch)) {
    const rows: ImportRow[] = [];
    for (let k = 0; k < records.length; k++) {
      const result = validateRecord(records[k].raw, records[k].line, ctx, values[k]);
      if (isRejection(result)) report.rejected.push(result);
      else rows.push(result);
    }
    report.total += records.length;
    if (rows.length > 0) yield rows;
  }
}

const PROBLEM_REQUIRED = {
  lon: 'lon or 经度',
  lat: 'lat or 纬度',
  category: 'category, 类别 or 事项',
} as const;

/** Parses a CSV import of problems (see {@link readCsvRecords} for lines and encodings). */
export function parseProblemCsv(bytes: Uint8Array, ctx: ImportContext): ParsedImport {
  const records = readCsvRecords(bytes, HEADER_ALIASES, PROBLEM_REQUIRED);
  const rows: ImportRow[] = [];
  const rejected: Rejection[] = [];
  for (const { line, raw, all } of records) {
    const result = validateRecord(raw, line, ctx, all.category);
    if (isRejection(result)) rejected.push(result);
    else rows.push(result);
  }
  return { rows, rejected, total: records.length };
}

/** GeoJSON property names, mapped to fields the same way as CSV headers. */
function recordFromProperties(props: Record<string, unknown>): { raw: RawRecord; categories: unknown[] } {
  const lower = new Map(Object.entries(props).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const raw: RawRecord = {};
  for (const f of Object.keys(HEADER_ALIASES) as Field[]) {
    if (f === 'lon' || f === 'lat') continue;
    const alias = HEADER_ALIASES[f].find((a) => lower.has(a));
    if (alias) raw[f] = lower.get(alias);
  }
  const categories = HEADER_ALIASES.category.filter((a) => lower.has(a)).map((a) => lower.get(a));
  return { raw, categories };
}

/** One GeoJSON feature that passed the structural check. */
export interface GeoJsonRecord {
  /** The feature's index in `features` (0-based, as `features[i]` in any GeoJSON tool). */
  index: number;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

/**
 * Reads a GeoJSON FeatureCollection: features whose geometry is one of `geometryTypes`, and a
 * rejection (by feature index) for every other one. Throws {@link ImportFormatError} when the body
 * is not a FeatureCollection or has no features. Shared by every GeoJSON import (problems, points).
 */
export function readGeoJsonFeatures(
  body: unknown,
  geometryTypes: readonly string[],
): { features: GeoJsonRecord[]; rejected: Rejection[]; total: number } {
  const fc = body as { type?: unknown; features?: unknown };
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new ImportFormatError('the body is not a GeoJSON FeatureCollection', 0);
  }
  if (fc.features.length === 0) throw new ImportFormatError('the FeatureCollection has no features', 0, true);
  const features: GeoJsonRecord[] = [];
  const rejected: Rejection[] = [];
  const wanted = geometryTypes.length === 1 ? `a ${geometryTypes[0]}` : `one of ${geometryTypes.join(', ')}`;
  fc.features.forEach((feature: unknown, index: number) => {
    const f = feature as {
      type?: unknown;
      geometry?: { type?: unknown; coordinates?: unknown } | null;
      properties?: unknown;
    };
    if (!f || typeof f !== 'object' || f.type !== 'Feature') {
      rejected.push({ line: index, reason: 'not a GeoJSON Feature', code: 'not_a_feature', params: {} });
      return;
    }
    const g = f.geometry;
    if (!g || !geometryTypes.includes(g.type as string) || !Array.isArray(g.coordinates)) {
      rejected.push({
        line: index,
        reason: `geometry must be ${wanted}, got ${g ? JSON.stringify(g.type) : 'null (empty geometry)'}`,
        code: 'geometry_not_point',
        params: { type: g ? String(g.type) : 'null' },
      });
      return;
    }
    const properties =
      f.properties && typeof f.properties === 'object' ? (f.properties as Record<string, unknown>) : {};
    features.push({ index, geometry: g as GeoJsonRecord['geometry'], properties });
  });
  return { features, rejected, total: fc.features.length };
}

/**
 * Parses a GeoJSON FeatureCollection of Points. `line` is the feature's index in `features`
 * (0-based, as `features[i]` in any GeoJSON tool).
 */
export function parseProblemGeoJson(body: unknown, ctx: ImportContext): ParsedImport {
  const { features, rejected, total } = readGeoJsonFeatures(body, ['Point']);
  const rows: ImportRow[] = [];
  for (const { index, geometry, properties } of features) {
    const coords = geometry.coordinates as unknown[];
    if (coords.length < 2) {
      rejected.push({
        line: index,
        reason: 'empty Point: coordinates need [longitude, latitude]',
        code: 'point_empty',
        params: {},
      });
      continue;
    }
    const { raw, categories } = recordFromProperties(properties);
    // JSON has no NaN: a string coordinate is accepted only if it is a number in text.
    const [lon, lat] = coords;
    const result = validateRecord({ ...raw, lon: lon ?? '', lat: lat ?? '' }, index, ctx, categories);
    if (isRejection(result)) rejected.push(result);
    else rows.push(result);
  }
  rejected.sort((a, b) => a.line - b.line);
  return { rows, rejected, total };
}
