/**
 * Region statistics: every region at a level with its indicators and change from the previous
 * period (one SQL statement), and the region panel (totals, open by category, daily trend, oldest
 * overdue, children). Counts obey the problem filters and the caller's scope; a manager sees only
 * regions inside their area.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../schemas/common.js';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { LRUCache } from 'lru-cache';
import {
  MapNumbersQuery,
  MapNumbersResponse,
  RegionCodeParams,
  RegionPanelQuery,
  RegionPanelResponse,
  RegionStatsQuery,
  RegionStatsResponse,
} from '../schemas/stats.js';
import { AppError, notFound } from '../errors.js';
import { filterInstant } from '../../db/queries/filters.js';
import { codeInScope } from '../../db/queries/scope.js';
import { regionChain } from '../../db/queries/regions.js';
import {
  dailyTrend,
  oldestOverdue,
  openByCategory,
  regionCounts,
  type RegionCountsRow,
  type Window,
} from '../../db/queries/stats.js';
import { indicatorValues } from '../../domain/indicators.js';
import { MapNumbersService } from '../services/map-numbers.js';
import { ifNoneMatch } from '../services/http.js';
import { CHILD_LEVEL } from '../../domain/regions.js';
import { filtersOf } from '../services/filters.js';
import { checkParentAboveLevel } from '../services/regions.js';
import { addDays, DAY_MS, toShanghaiDate } from '../../domain/time.js';
/** Default period length in days. */
export const DEFAULT_PERIOD_DAYS = 30;
/** Longest period accepted (about ten years): keeps the daily trend a sane size. */
const MAX_PERIOD_DAYS = 3660;

export interface Periods {
  current: Window;
  previous: Window;
}

/**
 * The requested period and the previous one of the same length. A bare date as `period_to` is
 * inclusive (up to the next 00:00 Asia/Shanghai). Throws VALIDATION_FAILED when the period is empty.
 */
export function periodsOf(q: { period_from?: string; period_to?: string }, now: Date): Periods {
  const to = q.period_to ? filterInstant(q.period_to, true) : now;
  const from = q.period_from ? filterInstant(q.period_from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new AppError('VALIDATION_FAILED', 'period_from / period_to is not a valid date');
  if (from >= to)
    throw new AppError('VALIDATION_FAILED', 'period_from must be before period_to', {
      period_from: from.toISOString(),
      period_to: to.toISOString(),
    });
  const length = to.getTime() - from.getTime();
  if (length > MAX_PERIOD_DAYS * DAY_MS)
    throw new AppError('VALIDATION_FAILED', `the period may span at most ${MAX_PERIOD_DAYS} days`);
  return { current: { from, to }, previous: { from: new Date(from.getTime() - length), to: from } };
}

const iso = (w: Window) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** A stats row as the API returns it. */
export const statsRowOf = (r: RegionCountsRow) => ({
  code: r.code,
  name: r.name,
  level: r.level,
  ...indicatorValues(r.current, r.previous),
});

/** Serialized map-number answers kept in memory, by ETag (bytes of JSON text). */
const MAP_CACHE_BYTES = 32 * 1024 * 1024;

/** A serialized answer and its gzip, compressed once (20,000 regions are ~0.5 MB of JSON). */
interface CachedAnswer {
  json: string;
  gzip: Buffer;
}

/** Sends a cached answer pre-compressed when the client takes gzip (the compress plugin then leaves it). */
function sendCached(acceptEncoding: string | undefined, reply: FastifyReply, entry: CachedAnswer) {
  reply.type('application/json; charset=utf-8');
  if (acceptEncoding && /\bgzip\b/.test(acceptEncoding))
    return reply.header('content-encoding', 'gzip').send(entry.gzip as never);
  return reply.serializer((p: string) => p).send(entry.json as never);
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const mapCache = new LRUCache<string, CachedAnswer>({
    maxSize: MAP_CACHE_BYTES,
    sizeCalculation: (v) => v.json.length + v.gzip.length || 1,
  });
  const mapParts = new MapNumbersService();

  app.get(
    '/stats/map',
    {
      schema: {
        tags: ['stats'],
        summary: 'The one number the map draws per region (open or overdue now), as parallel arrays, with ETag',
        querystring: MapNumbersQuery,
        response: {
          200: MapNumbersResponse,
          304: Type.Null({ description: 'not modified (If-None-Match matched the ETag)' }),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const db = app.dbFor(request);
      const q = request.query;
      const level = q.level ?? 'street';
      const parent = q.parent ?? null;
      checkParentAboveLevel(parent, level);
      const now = new Date();
      const filters = filtersOf(q);
      const key = JSON.stringify([level, parent, q.measure, filters, request.scope]);
      // From the rollups the answer is valid while the versions of the streets it covers stand;
      // otherwise (filters on the rows) it is computed each time and carries no ETag.
      const { version, compute } = await mapParts.prepare(db, {
        level,
        parent,
        measure: q.measure,
        filters,
        now,
        scope: request.scope,
      });
      const etag = version
        ? `W/"map-${version}-${createHash('sha1').update(key).digest('base64url').slice(0, 16)}"`
        : null;
      reply.header('cache-control', 'private, no-cache').header('vary', 'Authorization');
      if (etag) {
        reply.header('etag', etag);
        if (ifNoneMatch(request, etag)) return reply.code(304).send(null);
        const hit = mapCache.get(etag);
        if (hit) return sendCached(request.headers['accept-encoding'], reply, hit);
      }
      const numbers = await compute();
      const body = JSON.stringify({
        level,
        parent,
        measure: q.measure,
        as_of: now.toISOString(),
        source: numbers.source,
        codes: numbers.codes,
        values: numbers.values,
      });
      if (etag) {
        const entry = { json: body, gzip: gzipSync(body) };
        mapCache.set(etag, entry);
        return sendCached(request.headers['accept-encoding'], reply, entry);
      }
      return reply
        .type('application/json; charset=utf-8')
        .serializer((p: string) => p)
        .send(body as never);
    },
  );
  app.get(
    '/stats/regions',
    {
      schema: {
        tags: ['stats'],
        summary: 'Indicators of every region at a level, with the change from the previous period',
        querystring: RegionStatsQuery,
        response: { 200: RegionStatsResponse, ...errors(400, 401) },
      },
    },
    async (request) => {
      const db = app.dbFor(request);
      const q = request.query;
      const level = q.level ?? 'street';
      const parent = q.parent ?? null;
      checkParentAboveLevel(parent, level);
      const now = new Date();
      const periods = periodsOf(q, now);
      const rows = await regionCounts(db, {
        level,
        parent,
        ...periods,
        now,
        filters: filtersOf(q),
        problemScope: request.scope,
        regionScope: request.scope,
      });
      return {
        level,
        parent,
        period: iso(periods.current),
        previous: iso(periods.previous),
        as_of: new Date(Math.min(periods.current.to.getTime(), now.getTime())).toISOString(),
        regions: rows.map(statsRowOf),
      };
    },
  );

  app.get(
    '/stats/regions/:code',
    {
      schema: {
        tags: ['stats'],
        summary: 'Region panel: totals, open by category, daily trend, oldest overdue items, children ranked by open',
        params: RegionCodeParams,
        querystring: RegionPanelQuery,
        response: { 200: RegionPanelResponse, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const db = app.dbFor(request);
      const { code } = request.params;
      const q = request.query;
      // Outside the caller's area is the same answer as no such region: nothing leaks its existence.
      if (!codeInScope(request.scope, code)) throw notFound(`region ${code}`);
      const now = new Date();
      const periods = periodsOf(q, now);
      const chain = await regionChain(db, code);
      if (chain.at(-1)?.code !== code) throw notFound(`region ${code}`);
      const region = chain[chain.length - 1];
      const filters = filtersOf(q);
      const base = { ...periods, now, filters, problemScope: request.scope, regionScope: request.scope };
      const panel = { code, window: periods.current, now, filters, scope: request.scope };

      // Five statements in sequence: PGlite has one connection, and each is an index range on the code.
      const [own] = await regionCounts(db, { ...base, level: region.level, codes: [code] });
      const childLevel = CHILD_LEVEL[region.level];
      const children = childLevel ? await regionCounts(db, { ...base, level: childLevel, parent: code }) : [];
      const categories = await openByCategory(db, panel);
      const byDay = await dailyTrend(db, panel);
      const overdue = await oldestOverdue(db, panel, 10);

      const trend: { date: string; reported: number; closed: number }[] = [];
      const last = toShanghaiDate(new Date(periods.current.to.getTime() - 1));
      for (let d = toShanghaiDate(periods.current.from); d <= last; d = addDays(d, 1)) {
        trend.push({ date: d, ...(byDay.get(d) ?? { reported: 0, closed: 0 }) });
      }
      const totals = indicatorValues(own.current, own.previous);
      const childRows = children
        .map(statsRowOf)
        .sort((a, b) => b.open - a.open || b.overdue - a.overdue || (a.code < b.code ? -1 : 1));

      return {
        region: { ...region, chain },
        period: iso(periods.current),
        previous: iso(periods.previous),
        as_of: new Date(Math.min(periods.current.to.getTime(), now.getTime())).toISOString(),
        totals: { ...totals, closed_in_period: totals.closed },
        categories,
        trend,
        oldest_overdue: overdue.map((o) => ({ ...o, due_at: o.due_at.toISOString() })),
        children: childRows,
      };
    },
  );
};

export default routes;
