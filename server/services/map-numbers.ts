/**
 * The map's numbers (`GET /api/stats/map`) kept street by street. Below the county level every
 * region lies in one street, and a street's numbers change only when its rollup version does
 * (db/queries/rollups.ts `mapNumbersStreetVersions`): so the answer is assembled from one part per
 * street, each kept in an LRU under its street's version, and after a write only the street written
 * to is read again — at 20,000 blocks a county-wide block answer then reads ~1/18 of the open
 * rollups instead of all of them. The county level (one number, including problems assigned to the
 * county itself) and filters the rollups cannot answer are computed whole, as before.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DB } from '../../db/types.js';
import {
  mapNumbers,
  mapNumbersStreetVersions,
  mapNumbersVersion,
  rollupsAnswer,
  type MapNumbers,
  type MapNumbersQuery,
} from '../../db/queries/rollups.js';

/** Street parts kept in memory (bytes, about 20 per code: codes and values). */
const PART_CACHE_BYTES = 16 * 1024 * 1024;

/** When more streets than this are stale, one statement reads them all and the parts are split from it. */
const ONE_STATEMENT_FROM = 4;

export interface VersionedNumbers {
  /** The version the answer's ETag is built on; null when the filters need the problem rows (no ETag). */
  version: string | null;
  /** Computes the answer (only called when no cached or 304 answer will do). */
  compute: () => Promise<MapNumbers>;
}

export class MapNumbersService {
  private parts = new LRUCache<string, MapNumbers>({
    maxSize: PART_CACHE_BYTES,
    sizeCalculation: (v) => 20 * v.codes.length + 64,
  });

  /**
   * The version of the answer to `q` (what its ETag is built on) and a function that computes the
   * answer, reusing every street part whose version has not moved.
   */
  async prepare(db: Kysely<DB>, q: MapNumbersQuery): Promise<VersionedNumbers> {
    if (!rollupsAnswer(q.filters)) return { version: null, compute: () => mapNumbers(db, q) };
    const prefix = q.parent ?? q.filters.region ?? null;
    if (q.level === 'county') {
      // One number for the county, which also counts the problems no street holds: computed whole.
      const version = await mapNumbersVersion(db, prefix, q.now);
      return { version, compute: () => mapNumbers(db, q) };
    }
    const streets = await mapNumbersStreetVersions(db, prefix, q.now);
    const key = JSON.stringify([q.level, q.parent, q.measure, q.filters, q.scope]);
    const partKey = (s: { street: string; version: string }) => `${key}|${s.street}|${s.version}`;
    const version = createHash('sha1')
      .update(streets.map((s) => `${s.street}:${s.version}`).join(','))
      .digest('base64url')
      .slice(0, 20);
    // A parent below the street (a community) narrows its one street's part.
    const readPart = (street: string) =>
      mapNumbers(db, { ...q, parent: q.parent && q.parent.length > street.length ? q.parent : street });
    const compute = async (): Promise<MapNumbers> => {
      // The parts in hand for this answer: what the cache holds, then what is read for the rest
      // (held here too, so an eviction between the two never reads a street twice).
      const parts = new Map(streets.map((s) => [s.street, this.parts.get(partKey(s))]));
      const stale = streets.filter((s) => parts.get(s.street) === undefined);
      const whole = stale.length >= ONE_STATEMENT_FROM ? await mapNumbers(db, q) : null;
      for (const s of stale) {
        const part = whole ? slice(whole, s.street) : await readPart(s.street);
        parts.set(s.street, part);
        this.parts.set(partKey(s), part);
      }
      const out: MapNumbers = { codes: [], values: [], source: 'rollups' };
      for (const s of streets) {
        const part = parts.get(s.street)!;
        out.codes.push(...part.codes);
        out.values.push(...part.values);
      }
      return out;
    };
    return { version, compute };
  }
}

/** The regions of `numbers` under `street` (codes are in order, so they are one run). */
function slice(numbers: MapNumbers, street: string): MapNumbers {
  const codes: string[] = [];
  const values: number[] = [];
  numbers.codes.forEach((c, i) => {
    if (c.startsWith(street)) {
      codes.push(c);
      values.push(numbers.values[i]);
    }
  });
  return { codes, values, source: numbers.source };
}
