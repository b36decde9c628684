/**
 * The feature collections /ogc serves. Each is a small adapter over query functions that already
 * apply the caller's scope, so a manager's key sees through /ogc exactly what it sees on /api.
 *
 * Another collection is one more entry in {@link COLLECTIONS} — an object implementing
 * {@link OgcCollection} — and nothing else in the routes changes.
 */
import type { Kysely } from 'kysely';
import type { DB, RegionLevel } from '../../../db/types.js';
import type { Scope } from '../../../db/queries/scope.js';
import type { ProblemFilters } from '../../../db/queries/filters.js';
import {
  countProblems,
  decodeCursor,
  encodeCursor,
  getProblemFeature,
  listProblems,
} from '../../../db/queries/problems.js';
import { getRegion } from '../../../db/queries/regions.js';
import { pageRegions, pointSummary, problemExtent, regionExtent, type BBox } from '../../../db/queries/ogc.js';
import { getPoint, listPoints } from '../../../db/queries/points.js';

export interface OgcFeature {
  type: 'Feature';
  id: string | number;
  geometry: unknown;
  properties: Record<string, unknown>;
}

export interface ItemsQuery {
  bbox?: BBox;
  limit: number;
  /** The opaque position of the page (a cursor or an offset, per collection); undefined = first page. */
  page?: string;
  /** Problem filters, `datetime` already folded into from / to. */
  filters: ProblemFilters;
}

export interface ItemsPage {
  features: OgcFeature[];
  numberMatched: number;
  /** Position of the next page, or null on the last one. */
  next: string | null;
}

export interface OgcCollection {
  id: string;
  title: string;
  description: string;
  /** True when `datetime` and the problem filters apply (the problems' reported_at). */
  temporal: boolean;
  extent(db: Kysely<DB>, scope: Scope): Promise<{ bbox: BBox | null; interval: [string | null, string | null] | null }>;
  /** A page of items; `null` when `page` is not a position this collection made. */
  items(db: Kysely<DB>, scope: Scope, q: ItemsQuery): Promise<ItemsPage | null>;
  /** One item by id, or null when missing or outside the scope (both answer 404). */
  item(db: Kysely<DB>, scope: Scope, id: string): Promise<OgcFeature | null>;
}

const problems: OgcCollection = {
  id: 'problems',
  title: '问题 Problems',
  description: 'Reported problems (points), with status, category, block and deadline; newest first.',
  temporal: true,
  async extent(db, scope) {
    const e = await problemExtent(db, scope);
    return { bbox: e.bbox, interval: [e.first?.toISOString() ?? null, e.last?.toISOString() ?? null] };
  },
  async items(db, scope, q) {
    let after;
    if (q.page) {
      after = decodeCursor(q.page);
      if (!after) return null;
    }
    const [page, numberMatched] = await Promise.all([
      listProblems(db, scope, { filters: q.filters, bbox: q.bbox, limit: q.limit, after }),
      countProblems(db, scope, { filters: q.filters, bbox: q.bbox }),
    ]);
    return {
      features: page.features as unknown as OgcFeature[],
      numberMatched,
      next: page.next ? encodeCursor(page.next) : null,
    };
  },
  async item(db, scope, id) {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) return null;
    const f = await getProblemFeature(db, Number(id), scope);
    return (f as unknown as OgcFeature) ?? null;
  },
};

/** A region as an OGC feature: its code is the id. */
function regionFeature(r: {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  synthetic: boolean;
  geometry: unknown;
}): OgcFeature {
  return {
    type: 'Feature',
    id: r.code,
    geometry: r.geometry,
    properties: { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code, synthetic: r.synthetic },
  };
}

function regionCollection(id: string, level: RegionLevel, title: string, description: string): OgcCollection {
  return {
    id,
    title,
    description,
    temporal: false,
    async extent(db, scope) {
      return { bbox: await regionExtent(db, level, scope), interval: null };
    },
    async items(db, scope, q) {
      const offset = q.page === undefined ? 0 : Number(q.page);
      if (!Number.isSafeInteger(offset) || offset < 0) return null;
      const { rows, matched } = await pageRegions(db, { level, bbox: q.bbox, limit: q.limit, offset }, scope);
      return {
        features: rows.map(regionFeature),
        numberMatched: matched,
        next: offset + rows.length < matched ? String(offset + rows.length) : null,
      };
    },
    async item(db, scope, code) {
      if (!/^[0-9]{6,15}$/.test(code)) return null;
      const r = await getRegion(db, code, scope);
      if (!r || r.level !== level) return null;
      return regionFeature(r);
    },
  };
}

/** Assessment points (测评点位), active ones only, with type, unit and standing; a page is an offset. */
const points: OgcCollection = {
  id: 'points',
  title: '测评点位 Assessment points',
  description:
    'Places the assessors visit (markets, toilets, bus stops, schools …) with their type, unit and standing.',
  temporal: false,
  async extent(db, scope) {
    return { bbox: (await pointSummary(db, scope)).bbox, interval: null };
  },
  async items(db, scope, q) {
    const offset = q.page === undefined ? 0 : Number(q.page);
    if (!Number.isSafeInteger(offset) || offset < 0) return null;
    const [rows, summary] = await Promise.all([
      listPoints(db, scope, { bbox: q.bbox, limit: q.limit, offset }),
      pointSummary(db, scope, q.bbox),
    ]);
    return {
      features: rows as unknown as OgcFeature[],
      numberMatched: summary.matched,
      next: offset + rows.length < summary.matched ? String(offset + rows.length) : null,
    };
  },
  async item(db, scope, id) {
    if (!/^[1-9][0-9]{0,8}$/.test(id)) return null;
    return ((await getPoint(db, Number(id), scope)) as unknown as OgcFeature) ?? null;
  },
};

/** Every collection, in the order the collections document lists them. */
export const COLLECTIONS: readonly OgcCollection[] = [
  problems,
  regionCollection(
    'blocks',
    'block',
    '网格 Responsibility blocks',
    'Responsibility blocks (网格), the finest regions.',
  ),
  regionCollection('communities', 'community', '社区 Communities', 'Communities (社区 / 村), each holding blocks.'),
  regionCollection('streets', 'street', '街道 Streets and towns', 'Streets and towns (街道 / 乡镇).'),
  points,
];
