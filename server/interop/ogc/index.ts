/**
 * OGC API – Features, Part 1: Core under /ogc (what QGIS, ArcGIS and GDAL's OAPIF driver read):
 * landing page, conformance, collections (see ./collections.ts), items with bbox, limit
 * (OGC_LIMIT_DEFAULT, at most OGC_LIMIT_MAX), datetime, the shared problem filters, `next` links,
 * numberMatched / numberReturned, and one item by id. GeoJSON (`application/geo+json`, CRS84
 * lon/lat) by default; HTML for a browser (`Accept: text/html` or `?f=html`).
 *
 * Reading needs a login token or an API key (`Authorization: Bearer …` or `X-API-Key: …`; GDAL:
 * GDAL_HTTP_HEADERS), and the caller's scope applies exactly as on /api.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { errors, parseBBox } from '../../schemas/common.js';
import {
  CollectionDoc,
  CollectionParams,
  CollectionsDoc,
  Conformance,
  FormatQuery,
  ItemParams,
  ItemsQuery,
  LandingPage,
  OgcFeature,
  OgcFeatureCollection,
} from '../../schemas/ogc.js';
import { COLLECTIONS, type OgcCollection } from './collections.js';
import { renderHtml, type Link } from './html.js';
import type { ProblemFilters } from '../../../db/queries/filters.js';
import { filtersOf } from '../../services/filters.js';

export const GEOJSON = 'application/geo+json';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const TAGS = ['ogc'];
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
];

const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `datetime` → the problem filters' from (inclusive) / to. An instant or an interval end is
 * inclusive; `to` is exclusive for a date-time (one millisecond later is passed) and already
 * inclusive for a bare date (the whole Asia/Shanghai day). Null when the value is malformed.
 */
export function datetimeRange(value: string): { from?: string; to?: string } | null {
  const parts = value.split('/');
  if (parts.length > 2) return null;
  const ok = (p: string) => p === '' || p === '..' || (DATE_OR_TIME.test(p) && !Number.isNaN(Date.parse(p)));
  if (!parts.every(ok)) return null;
  const open = (p: string) => p === '' || p === '..';
  const endOf = (p: string) => (DATE_ONLY.test(p) ? p : new Date(Date.parse(p) + 1).toISOString());
  if (parts.length === 1) {
    if (open(parts[0])) return null;
    return { from: parts[0], to: endOf(parts[0]) };
  }
  const [a, b] = parts;
  if (open(a) && open(b)) return {};
  return { ...(open(a) ? {} : { from: a }), ...(open(b) ? {} : { to: endOf(b) }) };
}

function wantsHtml(request: FastifyRequest): boolean {
  const f = (request.query as { f?: string } | undefined)?.f;
  if (f) return f === 'html';
  const accept = request.headers.accept ?? '';
  return /text\/html/.test(accept) && !/application\/(geo\+)?json/.test(accept.split('text/html')[0]);
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { ogcLimitDefault, ogcLimitMax } = app.config;
  const byId = new Map<string, OgcCollection>(COLLECTIONS.map((c) => [c.id, c]));

  const root = (request: FastifyRequest) => `${request.protocol}://${request.host}/ogc`;
  /** `path` under /ogc with `params` (f is always explicit on links, as QGIS expects). */
  const href = (request: FastifyRequest, path: string, params: Record<string, string | undefined> = {}) => {
    const u = new URL(root(request) + path);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  };
  const selfLinks = (
    request: FastifyRequest,
    path: string,
    type: string,
    params: Record<string, string> = {},
  ): Link[] => [
    { href: href(request, path, { ...params, f: 'json' }), rel: 'self', type, title: 'this document' },
    {
      href: href(request, path, { ...params, f: 'html' }),
      rel: 'alternate',
      type: 'text/html',
      title: 'this document as HTML',
    },
  ];
  // Only a token that came in the query string is repeated on the HTML page's links.
  const tokenOf = (request: FastifyRequest) => {
    const t = (request.query as { access_token?: string } | undefined)?.access_token;
    return typeof t === 'string' && t ? t : null;
  };

  /** Sends a document as JSON (`type`) or, for a browser, as HTML. */
  function send(
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    doc: Record<string, unknown>,
    type: string,
  ) {
    if (wantsHtml(request))
      return reply.type('text/html; charset=utf-8').send(renderHtml(title, doc, tokenOf(request)));
    return reply.type(type).send(doc);
  }

  function collectionOf(id: string): OgcCollection {
    const c = byId.get(id);
    if (!c) throw new AppError('NOT_FOUND', `collection ${id} not found`, { collections: [...byId.keys()] });
    return c;
  }

  async function collectionDoc(request: FastifyRequest, c: OgcCollection) {
    const e = await c.extent(app.db, request.scope);
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      itemType: 'feature',
      crs: [CRS84],
      extent: {
        spatial: { bbox: e.bbox ? [e.bbox] : [], crs: CRS84 },
        ...(e.interval
          ? { temporal: { interval: [e.interval], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } }
          : {}),
      },
      links: [
        ...selfLinks(request, `/collections/${c.id}`, 'application/json'),
        {
          href: href(request, `/collections/${c.id}/items`, { f: 'json' }),
          rel: 'items',
          type: GEOJSON,
          title: `${c.title} (GeoJSON)`,
        },
        {
          href: href(request, `/collections/${c.id}/items`, { f: 'html' }),
          rel: 'items',
          type: 'text/html',
          title: `${c.title} (HTML)`,
        },
      ],
    };
  }

  app.get(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'OGC API – Features landing page',
        querystring: FormatQuery,
        response: { 200: LandingPage, ...errors(400, 401) },
      },
    },
    async (request, reply) =>
      send(
        request,
        reply,
        '问题地图 OGC API – Features',
        {
          title: '问题地图 Problem Map — OGC API – Features',
          description: 'Problems and responsibility blocks for QGIS, ArcGIS and GDAL (scope of the caller applies).',
          links: [
            ...selfLinks(request, '', 'application/json'),
            {
              href: `${request.protocol}://${request.host}/api/docs/json`,
              rel: 'service-desc',
              type: 'application/vnd.oai.openapi+json;version=3.0',
              title: 'OpenAPI 3 definition',
            },
            {
              href: `${request.protocol}://${request.host}/api/docs`,
              rel: 'service-doc',
              type: 'text/html',
              title: 'API documentation',
            },
            {
              href: href(request, '/conformance', { f: 'json' }),
              rel: 'conformance',
              type: 'application/json',
              title: 'conformance classes',
            },
            {
              href: href(request, '/collections', { f: 'json' }),
              rel: 'data',
              type: 'application/json',
              title: 'collections',
            },
          ],
        },
        'application/json',
      ),
  );

  app.get(
    '/conformance',
    {
      schema: {
        tags: TAGS,
        summary: 'OGC API – Features conformance classes (core, geojson, html, oas30)',
        querystring: FormatQuery,
        response: { 200: Conformance, ...errors(400, 401) },
      },
    },
    async (request, reply) => send(request, reply, 'Conformance', { conformsTo: CONFORMANCE }, 'application/json'),
  );

  app.get(
    '/collections',
    {
      schema: {
        tags: TAGS,
        summary: 'OGC API – Features collections: problems, blocks, communities, streets',
        querystring: FormatQuery,
        response: { 200: CollectionsDoc, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const collections = [];
      for (const c of COLLECTIONS) collections.push(await collectionDoc(request, c));
      return send(
        request,
        reply,
        'Collections',
        { links: selfLinks(request, '/collections', 'application/json'), collections },
        'application/json',
      );
    },
  );

  app.get(
    '/collections/:collectionId',
    {
      schema: {
        tags: TAGS,
        summary: 'One OGC API – Features collection: extent (of what the caller may see) and links',
        params: CollectionParams,
        querystring: FormatQuery,
        response: { 200: CollectionDoc, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const c = collectionOf(request.params.collectionId);
      return send(request, reply, c.title, await collectionDoc(request, c), 'application/json');
    },
  );

  app.get(
    '/collections/:collectionId/items',
    {
      schema: {
        tags: TAGS,
        summary: 'Features of a collection, one page at a time (bbox, limit, datetime, problem filters; follow next)',
        params: CollectionParams,
        querystring: ItemsQuery,
        response: { 200: OgcFeatureCollection, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const c = collectionOf(request.params.collectionId);
      const { f, bbox, limit, datetime, cursor } = request.query;
      const filters: ProblemFilters = filtersOf(request.query);
      if (datetime !== undefined) {
        const range = datetimeRange(datetime);
        if (!range)
          throw new AppError(
            'BAD_REQUEST',
            `datetime ${JSON.stringify(datetime)} is not an RFC 3339 instant or interval`,
          );
        if (filters.from || filters.to) throw new AppError('BAD_REQUEST', 'give either datetime or from/to, not both');
        Object.assign(filters, range);
      }
      let box: [number, number, number, number] | undefined;
      if (bbox) {
        box = parseBBox(bbox);
        if (box[0] > box[2] || box[1] > box[3])
          throw new AppError('BAD_REQUEST', 'bbox must be minLon,minLat,maxLon,maxLat');
      }
      const pageSize = Math.min(limit ?? ogcLimitDefault, ogcLimitMax);
      const page = await c.items(app.db, request.scope, {
        bbox: box,
        limit: pageSize,
        page: cursor,
        filters: c.temporal ? filters : {},
      });
      if (!page) throw new AppError('BAD_REQUEST', 'invalid cursor: follow the next link unchanged');

      // The links repeat the query (without the token and the position) so a next page is the same selection.
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.query as Record<string, unknown>))
        if (v !== undefined && !['f', 'cursor', 'access_token', 'limit'].includes(k)) params[k] = String(v);
      params.limit = String(pageSize);
      const path = `/collections/${c.id}/items`;
      const links: Link[] = [
        ...selfLinks(request, path, GEOJSON, cursor ? { ...params, cursor } : params),
        {
          href: href(request, `/collections/${c.id}`, { f: 'json' }),
          rel: 'collection',
          type: 'application/json',
          title: c.title,
        },
      ];
      if (page.next) {
        links.push({
          href: href(request, path, { ...params, cursor: page.next, f: f === 'html' ? 'html' : 'json' }),
          rel: 'next',
          type: GEOJSON,
          title: 'next page',
        });
      }
      return send(
        request,
        reply,
        `${c.title} — items`,
        {
          type: 'FeatureCollection',
          features: page.features,
          numberMatched: page.numberMatched,
          numberReturned: page.features.length,
          timeStamp: new Date().toISOString(),
          links,
        },
        GEOJSON,
      );
    },
  );

  app.get(
    '/collections/:collectionId/items/:featureId',
    {
      schema: {
        tags: TAGS,
        summary: 'One feature by id (404 when missing or outside the caller’s scope)',
        params: ItemParams,
        querystring: FormatQuery,
        response: { 200: OgcFeature, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const c = collectionOf(request.params.collectionId);
      const feature = await c.item(app.db, request.scope, request.params.featureId);
      // Outside the caller's scope looks exactly like a missing id.
      if (!feature) throw new AppError('NOT_FOUND', `feature ${request.params.featureId} not found in ${c.id}`);
      const path = `/collections/${c.id}/items/${encodeURIComponent(String(feature.id))}`;
      return send(
        request,
        reply,
        `${c.title} — ${feature.id}`,
        {
          ...feature,
          links: [
            ...selfLinks(request, path, GEOJSON),
            {
              href: href(request, `/collections/${c.id}`, { f: 'json' }),
              rel: 'collection',
              type: 'application/json',
              title: c.title,
            },
          ],
        },
        GEOJSON,
      );
    },
  );
};

export default routes;
