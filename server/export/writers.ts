/**
 * Streaming export writers. Rows come from an async iterable (keyset-batched queries), go out
 * through a stream, so a million-row export keeps memory flat.
 *
 * - CSV: UTF-8 with a BOM so Excel in China opens Chinese text correctly (csv-stringify).
 * - XLSX: exceljs' streaming WorkbookWriter, Chinese headers, frozen header row, column widths
 *   and number formats.
 */
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { formatShanghaiWall } from '../../domain/time.js';

export interface Column<R> {
  key: keyof R & string;
  /** Header text (Chinese first). */
  header: string;
  /** Excel column width in characters. */
  width?: number;
  /** Excel number format, e.g. '0.0%', 'yyyy-mm-dd hh:mm', '0'. */
  numFmt?: string;
  /** Converts the value for output (default: as is; Date → Asia/Shanghai 'YYYY-MM-DD HH:mm' in CSV). */
  format?: (value: R[keyof R], row: R) => unknown;
}

const BOM = '\uFEFF';

function cell<R>(col: Column<R>, row: R): unknown {
  const v = row[col.key];
  return col.format ? col.format(v, row) : v;
}

/** A CSV stream (BOM + header + rows). */
export function csvStream<R>(columns: readonly Column<R>[], rows: AsyncIterable<R>): Readable {
  const out = stringify({
    header: true,
    columns: columns.map((c) => ({ key: c.key, header: c.header })),
    cast: { date: (d) => formatShanghaiWall(d), boolean: (b) => (b ? '是' : '否') },
  });
  const source = Readable.from(
    (async function* () {
      for await (const row of rows) {
        const rec: Record<string, unknown> = {};
        for (const c of columns) rec[c.key] = cell(c, row);
        yield rec;
      }
    })(),
  );
  const result = new PassThrough();
  result.write(BOM);
  source.on('error', (e) => result.destroy(e));
  out.on('error', (e) => result.destroy(e));
  source.pipe(out).pipe(result);
  return result;
}

export interface SheetSpec<R> {
  name: string;
  columns: readonly Column<R>[];
  rows: AsyncIterable<R> | Iterable<R>;
  /** Lines above the table (a bulletin's title and period), each merged across the table's width; the header row follows them. */
  title?: string[];
  /** A totals row appended after the data (values by column key). */
  totals?: (count: number) => Partial<Record<keyof R & string, unknown>>;
}

/** Rows written between checks for a slow reader (backpressure). */
const DRAIN_EVERY = 1000;

/**
 * An XLSX stream with one sheet per spec, written row by row (exceljs' streaming writer). Every
 * DRAIN_EVERY rows it waits while the reader is behind, so a slow download cannot make the server
 * buffer the whole workbook.
 */
export function xlsxStream(sheets: readonly SheetSpec<any>[]): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  (async () => {
    for (const spec of sheets) {
      const title = spec.title ?? [];
      const sheet = workbook.addWorksheet(spec.name, {
        views: [{ state: 'frozen', ySplit: title.length + 1 }],
      });
      sheet.columns = spec.columns.map((c) => ({
        key: c.key,
        width: c.width ?? Math.max(10, c.header.length * 2 + 2),
        style: c.numFmt ? { numFmt: c.numFmt } : {},
      }));
      for (const [i, line] of title.entries()) {
        const r = sheet.addRow([line]);
        r.font = { bold: true, size: i === 0 ? 16 : 11 };
        r.alignment = { horizontal: i === 0 ? 'center' : 'left', vertical: 'middle' };
        if (i === 0) r.height = 28;
        if (spec.columns.length > 1) sheet.mergeCells(i + 1, 1, i + 1, spec.columns.length);
        r.commit();
      }
      const header = sheet.addRow(spec.columns.map((c) => c.header));
      header.font = { bold: true };
      header.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
      header.commit();
      let count = 0;
      for await (const row of spec.rows as AsyncIterable<any>) {
        const values = spec.columns.map((c) => cell(c, row));
        sheet.addRow(values).commit();
        if (++count % DRAIN_EVERY === 0 && out.writableNeedDrain) await once(out, 'drain');
      }
      if (spec.totals) {
        const t = spec.totals(count);
        const r = sheet.addRow(spec.columns.map((c) => t[c.key] ?? null));
        r.font = { bold: true };
        r.commit();
      }
      sheet.commit();
    }
    await workbook.commit();
  })().catch((err) => out.destroy(err));
  return out;
}

/**
 * Content-Disposition for a download: an ASCII fallback name plus the UTF-8 name as RFC 5987
 * `filename*` (every browser in use reads it), so Chinese file names survive.
 */
export function attachmentHeader(utf8Name: string, asciiFallback: string): string {
  const encoded = encodeURIComponent(utf8Name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  const fallback = asciiFallback.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** A GeoJSON FeatureCollection stream: features are written as they come. */
export function geojsonStream(features: AsyncIterable<unknown>, extra: Record<string, unknown> = {}): Readable {
  return Readable.from(
    (async function* () {
      const head = JSON.stringify({ type: 'FeatureCollection', ...extra }).slice(0, -1);
      yield `${head},"features":[`;
      let first = true;
      for await (const f of features) {
        yield (first ? '' : ',\n') + JSON.stringify(f);
        first = false;
      }
      yield ']}\n';
    })(),
  );
}
