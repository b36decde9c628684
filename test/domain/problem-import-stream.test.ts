/**
 * The streamed CSV parse (what the import route uses) against the whole-file one (one object per
 * record from csv-parse's `info: true`): for random sheets with quoted line breaks, CRLF, blank
 * lines, bad rows and a category in two columns, cut into random chunks and parsed in small
 * batches, both give the same rows, the same rejections (line, code, message) and the same total.
 * fast-check, recorded seed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import {
  csvTextStream,
  ImportFormatError,
  parseProblemCsv,
  validateProblemCsvStream,
  type ImportContext,
  type ImportRow,
  type Rejection,
} from '../../domain/problem-import.js';

const SEED = 20_261_202;

const ctx: ImportContext = {
  crs: 'wgs84',
  categories: new Map([
    ['06010', '06010'],
    ['暴露垃圾', '06010'],
    ['09009', '09009'],
  ]),
  now: new Date('2026-12-01T00:00:00Z'),
};

/** Free text with the characters that make CSV lines hard to count. */
const freeText = fc.string({
  unit: fc.oneof(fc.constantFrom(' ', '"', ',', '\n', '\r\n', '\r', '描'), fc.constantFrom('a', 'b')),
  maxLength: 8,
});

/** A row: mostly good, sometimes with a bad coordinate, category or date. */
const row = fc.record({
  lon: fc.constantFrom('113.01', '28.21', 'abc', '', ' 113.02 '),
  lat: fc.constantFrom('28.21', '28.22', '95', ''),
  item: fc.constantFrom('', '暴露垃圾', 'nonsense'),
  category: fc.constantFrom('06010', '09009', '', 'zzz'),
  description: freeText,
  reported_at: fc.constantFrom('', '2026-03-05 14:30', '2026-02-30', '2030-01-01'),
});

async function streamed(bytes: Buffer, cuts: number[], batch: number) {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(bytes.length, cut);
    if (to > at) chunks.push(bytes.subarray(at, to));
    at = Math.max(at, to);
  }
  chunks.push(bytes.subarray(at));
  const report = { rejected: [] as Rejection[], total: 0 };
  const rows: ImportRow[] = [];
  for await (const b of validateProblemCsvStream(csvTextStream(Readable.from(chunks), true), ctx, report, batch))
    rows.push(...b);
  return { rows, rejected: report.rejected, total: report.total };
}

describe('streamed CSV import parse', () => {
  it('gives the rows, lines, codes, messages and total of the whole-file parse', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 30 }),
        fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 1 }),
        fc.array(fc.nat({ max: 5 }), { maxLength: 30 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (rows, [eol], blanksAfter, cuts, batch) => {
          const lines = stringify(
            [
              ['lon', 'lat', '事项', 'category', 'description', 'reported_at'],
              ...rows.map((r) => [r.lon, r.lat, r.item, r.category, r.description, r.reported_at]),
            ],
            { record_delimiter: eol === '\n' ? 'unix' : 'windows' },
          )
            .split(eol)
            .slice(0, -1);
          // Blank lines between records (csv-parse skips them; they still count as lines).
          const withBlanks = lines.flatMap((l, i) => [
            l,
            ...Array<string>(i === 0 ? 0 : (blanksAfter[i] ?? 0)).fill(''),
          ]);
          const bytes = Buffer.from(withBlanks.join(eol) + eol, 'utf8');
          let whole: ReturnType<typeof parseProblemCsv> | ImportFormatError;
          try {
            whole = parseProblemCsv(bytes, ctx);
          } catch (err) {
            whole = err as ImportFormatError;
          }
          let stream: Awaited<ReturnType<typeof streamed>> | ImportFormatError;
          try {
            stream = await streamed(bytes, cuts, batch);
          } catch (err) {
            stream = err as ImportFormatError;
          }
          if (whole instanceof ImportFormatError) {
            expect(stream).toBeInstanceOf(ImportFormatError);
            expect((stream as ImportFormatError).message).toBe(whole.message);
          } else {
            expect(stream).toEqual(whole);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('reports a quoted multi-line field at the line it starts on, across batch boundaries', async () => {
    const csv =
      'lon,lat,category,description\n' +
      '113.01,28.21,06010,one\n' +
      '\n' +
      '113.01,28.21,06010,"two\nlines"\n' +
      'abc,28.21,06010,three\n' +
      '113.01,28.21,zzz,"four\n\nlines"\n' +
      '113.01,95,06010,five\n';
    const r = await streamed(Buffer.from(csv, 'utf8'), [7, 40, 41, 80], 1);
    expect(r.total).toBe(5);
    expect(r.rows.map((x) => [x.line, x.description])).toEqual([
      [2, 'one'],
      [4, 'two\nlines'],
    ]);
    expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
      [6, 'lon_not_number'],
      [7, 'category_unknown'],
      [10, 'lat_out_of_range'],
    ]);
  });

  it('counts a CRLF inside a quoted field as one line, as an editor shows it, and a lone CR as one', async () => {
    // A Windows file (CRLF everywhere, also inside the quoted descriptions):
    //   1 header · 2–3 "two lines" · 4 bad lon · 5–6 "cr" (a lone CR) · 7 bad lat
    const csv =
      'lon,lat,category,description\r\n' +
      '113.01,28.21,06010,"two\r\nlines"\r\n' +
      'abc,28.21,06010,three\r\n' +
      '113.01,28.21,06010,"lone\rcr"\r\n' +
      '113.01,95,06010,five\r\n';
    for (const batch of [1, 100]) {
      const r = await streamed(Buffer.from(csv, 'utf8'), [5, 33, 60], batch);
      expect(r.rows.map((x) => x.line)).toEqual([2, 5]);
      expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
        [4, 'lon_not_number'],
        [7, 'lat_out_of_range'],
      ]);
    }
    const whole = parseProblemCsv(Buffer.from(csv, 'utf8'), ctx);
    expect(whole.rejected.map((x) => x.line)).toEqual([4, 7]);
  });
});
