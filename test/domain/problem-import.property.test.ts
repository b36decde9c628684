/**
 * Property tests (fast-check, recorded seed) for the import parsers, the cursor and the calendar
 * check: whatever arrives, they never throw, and free text comes out exactly as it went in.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { parseProblemCsv, parseProblemGeoJson, type ImportContext } from '../../domain/problem-import.js';
import { isCalendarInstant } from '../../domain/time.js';
import { decodeCursor, encodeCursor } from '../../db/queries/problems.js';

const SEED = 20_261_202;
const RUNS = { seed: SEED, numRuns: 300 };

const ctx: ImportContext = {
  crs: 'wgs84',
  categories: new Map([
    ['06010', '06010'],
    ['暴露垃圾', '06010'],
  ]),
  now: new Date('2026-12-01T00:00:00Z'),
};

/** Any text a person might paste, including spaces at the ends, quotes, commas, line breaks, CJK. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', '"', ',', '\n', '\r\n', '\t', '=', '＝', '描', '述', '\u0000'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
});
const noNul = (s: string) => !s.includes('\u0000');

describe('CSV import parser', () => {
  it('stores description and address exactly as sent (quoted by a real CSV writer), or names the row', () => {
    fc.assert(
      fc.property(anyText, anyText, (description, address) => {
        const csv = stringify([
          ['lon', 'lat', 'category', 'description', 'address'],
          ['113.01', '28.21', '06010', description, address],
        ]);
        const r = parseProblemCsv(Buffer.from(csv, 'utf8'), ctx);
        expect(r.total).toBe(1);
        if (noNul(description) && noNul(address)) {
          expect(r.rejected).toEqual([]);
          // A lone leading BOM-like or CR-only edge is still exact: compared byte for byte.
          expect(r.rows[0].description).toBe(description);
          expect(r.rows[0].address).toBe(address === '' ? null : address);
        } else {
          expect(r.rows).toEqual([]);
          expect(r.rejected[0].reason).toMatch(/NUL/);
        }
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary bytes: a format error or a per-row report', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          const r = parseProblemCsv(bytes, ctx);
          expect(r.rows.length + r.rejected.length).toBe(r.total);
        } catch (err) {
          expect((err as Error).name).toBe('ImportFormatError');
        }
      }),
      RUNS,
    );
  });
});

describe('GeoJSON import parser', () => {
  it('any JSON value as category or description: a row with the exact string, or a rejection — never [object Object]', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (category, description) => {
        const r = parseProblemGeoJson(
          {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [113.01, 28.21] },
                properties: { category, description },
              },
            ],
          },
          ctx,
        );
        expect(r.rows.length + r.rejected.length).toBe(1);
        for (const row of r.rows) {
          expect(typeof description === 'string' || description === null).toBe(true);
          expect(row.description).toBe(description ?? '');
          expect(row.description).not.toContain('[object Object]');
          expect(row.category_code).toBe('06010');
        }
        if (typeof category === 'object' && category !== null) expect(r.rows).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('list cursor', () => {
  it('decodes any string to null or a cursor with a real time and a 32-bit id, without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
        ),
        (s) => {
          const c = decodeCursor(s);
          if (c) {
            expect(c.id).toBeGreaterThanOrEqual(1);
            expect(c.id).toBeLessThanOrEqual(2_147_483_647);
          }
        },
      ),
      RUNS,
    );
  });

  it('round-trips every real cursor and refuses impossible days', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2150-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 2_147_483_647 }),
        (d, id) => {
          const at = d.toISOString().replace('T', ' ').replace('Z', '+00');
          expect(decodeCursor(encodeCursor({ at, id }))).toEqual({ at, id });
          const impossible = `${at.slice(0, 5)}02-30${at.slice(10)}`;
          expect(decodeCursor(encodeCursor({ at: impossible, id }))).toBeNull();
        },
      ),
      RUNS,
    );
  });
});

describe('isCalendarInstant', () => {
  it('agrees with a Date.UTC round trip on every y-m-d h:m:s in range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2199 }),
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 0, max: 33 }),
        fc.integer({ min: 0, max: 26 }),
        fc.integer({ min: 0, max: 62 }),
        (y, m, d, h, mi) => {
          const p = (n: number) => String(n).padStart(2, '0');
          const s = `${y}-${p(m)}-${p(d)}T${p(h)}:${p(mi)}`;
          const t = new Date(Date.UTC(y, m - 1, d, h, mi));
          const real =
            m >= 1 && m <= 12 && d >= 1 && h <= 23 && mi <= 59 && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
          expect(isCalendarInstant(s)).toBe(real);
        },
      ),
      RUNS,
    );
  });

  it('written-out cases', () => {
    for (const ok of [
      '2024-02-29',
      '2026-12-01T23:59:59Z',
      '2026-12-01T10:00+08:00',
      '2026-12-01 10:00',
      '2026-06-30T00:00-14:00',
    ])
      expect(isCalendarInstant(ok), ok).toBe(true);
    for (const bad of [
      '2026-02-30',
      '2026-13-45',
      '2026-12-01T25:61',
      '2026-12-01T10:00+99:99',
      '0000-01-01',
      '9999-12-31',
      '2025-02-29',
      '2026-12-01T10:00+14:30',
    ])
      expect(isCalendarInstant(bad), bad).toBe(false);
  });
});
