/**
 * buildApp(config, db) → a ready Fastify instance. Never listens: main.ts does, tests use inject().
 */
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import compress from '@fastify/compress';
import { constants as zlib } from 'node:zlib';
import type { Config } from './config.js';
import type { DbHandle } from '../db/index.js';
import errorsPlugin from './plugins/errors.js';
import dbPlugin from './plugins/db.js';
import authPlugin from './plugins/auth.js';
import configPlugin from './plugins/config.js';
import indicatorsPlugin from './plugins/indicators.js';
import escalationPlugin from './plugins/escalation.js';
import healthRoutes from './routes/health.js';
import authRoutes from './routes/auth.js';
import userRoutes from './routes/users.js';
import categoryRoutes from './routes/categories.js';
import calendarRoutes from './routes/calendar.js';
import regionRoutes from './routes/regions.js';
import problemRoutes from './routes/problems.js';
import workflowRoutes from './routes/workflow.js';
import statsRoutes from './routes/stats.js';
import rankingRoutes from './routes/rankings.js';
import hotspotRoutes from './routes/hotspots.js';
import exportRoutes from './routes/exports.js';
import tileRoutes from './routes/tiles.js';
import photoRoutes from './routes/photos.js';
import queueRoutes from './routes/queues.js';

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');

/** Cache-Control of a built page file: hashed assets are immutable, the rest revalidates. */
export function cacheControlFor(path: string): string {
  return /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+(\.(gz|br))?$/.test(path)
    ? 'public, max-age=31536000, immutable'
    : 'no-cache';
}

export interface RouteEntry {
  method: string;
  url: string;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

export interface BuildOptions {
  config: Config;
  db: DbHandle;
  /** Close the database when the app closes (default true). */
  ownsDb?: boolean;
  /** Fastify logger setting (default: off in tests, config.logLevel otherwise). */
  logger?: boolean | object;
  /** The built page to serve (default dist/web; the browser tests serve their e2e build). */
  webDir?: string;
}

/** The request as logged: the query's access_token is replaced. */
export function redactedRequest(req: { method: string; url: string; id?: string }): Record<string, unknown> {
  return { method: req.method, url: req.url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]'), reqId: req.id };
}

export async function buildApp({
  config,
  db,
  ownsDb = true,
  logger,
  webDir = WEB_DIST,
}: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      logger === false
        ? false
        : {
            level: config.logLevel,
            // Tokens may ride in ?access_token= (downloads, tiles): never write them to the log.
            serializers: { req: redactedRequest },
            ...(typeof logger === 'object' ? logger : {}),
          },
    bodyLimit: config.bodyLimit,
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        useDefaults: true,
        // Filter bounds accept a date (Asia/Shanghai day) or an ISO date-time.
        formats: { 'date-time-or-date': /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/ },
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // CSV bodies (problem import) arrive as raw bytes: the encoding (UTF-8 or GBK) is detected later.
  app.addContentTypeParser(
    ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  // GeoJSON's own media type (RFC 7946), for every route that takes GeoJSON (problem and region
  // imports); plain application/json is parsed by Fastify already.
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));

  // Every route the app serves, for the scope matrix test (test/server/scope-matrix.test.ts):
  // a route added later without a matrix entry fails that test.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || (route.schema as { hide?: boolean } | undefined)?.hide) continue;
      routeTable.push({
        method,
        url: route.url,
        public: Boolean((route.config as { public?: boolean } | undefined)?.public),
      });
    }
  });

  await app.register(errorsPlugin);
  // JSON statistics for 2,000 blocks are ~1.6 MB raw; compressed on the fly (brotli quality 4 is
  // fast enough for dynamic answers). Static assets are served pre-compressed below.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });
  await app.register(configPlugin, { config });
  await app.register(indicatorsPlugin);
  await app.register(dbPlugin, { handle: db, owns: ownsDb });
  await app.register(swagger, {
    openapi: {
      info: {
        title: '问题地图 Problem Map API',
        version: '0.1.0',
        description: 'Problems, responsibility blocks, workflow, statistics.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(authPlugin);
  // The 督办 sweep: every 5 minutes in a running service; tests call app.runEscalationSweep().
  await app.register(escalationPlugin, { intervalMinutes: config.nodeEnv === 'test' ? 0 : 5 });

  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: '/api/auth' });
  await app.register(userRoutes, { prefix: '/api/users' });
  await app.register(categoryRoutes, { prefix: '/api/categories' });
  await app.register(calendarRoutes, { prefix: '/api/calendar' });
  await app.register(regionRoutes, { prefix: '/api/regions' });
  await app.register(problemRoutes, { prefix: '/api/problems' });
  await app.register(workflowRoutes, { prefix: '/api/problems' });
  // These four define full sub-paths under /api (e.g. /rankings and /exports/rankings.xlsx), so
  // each noun owns its own export route.
  await app.register(statsRoutes, { prefix: '/api' });
  await app.register(rankingRoutes, { prefix: '/api' });
  await app.register(hotspotRoutes, { prefix: '/api' });
  await app.register(exportRoutes, { prefix: '/api' });
  await app.register(photoRoutes, { prefix: '/api' });
  await app.register(queueRoutes, { prefix: '/api/queues' });
  await app.register(tileRoutes, { prefix: '/tiles' });

  if (existsSync(webDir)) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      preCompressed: true,
      // Vite names assets by content hash: cache them for a year, never revalidated. Everything
      // else (index.html, the service worker, the manifest) is revalidated every time, so a new
      // release is picked up on the next load.
      cacheControl: false,
      setHeaders: (res, path) => res.header('cache-control', cacheControlFor(path)),
    });
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      if (/^\/(api|tiles|ogc|open311)\//.test(request.url)) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  }
  await app.ready();
  return app;
}
