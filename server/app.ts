/**
 * buildApp(config, db) → a ready Fastify instance. Never listens: main.ts does, tests use inject().
 */
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import { constants as zlib } from 'node:zlib';
import type { Config } from './config.js';
import { isCalendarInstant, isEvaluationPeriod } from '../domain/time.js';
import type { DbHandle } from '../db/index.js';
import errorsPlugin from './plugins/errors.js';
import dbPlugin from './plugins/db.js';
import { ReadReplica } from '../db/replica.js';
import authPlugin from './plugins/auth.js';
import configPlugin from './plugins/config.js';
import indicatorsPlugin from './plugins/indicators.js';
import escalationPlugin from './plugins/escalation.js';
import jobsPlugin, { type JobsOptions } from './plugins/jobs.js';
import securityPlugin from './plugins/security.js';
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
import campaignRoutes from './routes/campaigns.js';
import bulletinRoutes from './routes/bulletins.js';
import subscriptionRoutes from './routes/subscriptions.js';
import messageRoutes from './routes/messages.js';
import pointRoutes from './routes/points.js';
import standardRoutes from './routes/standards.js';
import inspectionRoutes from './routes/inspections.js';
import sampleRoutes from './routes/samples.js';
import apiKeyRoutes from './routes/api-keys.js';
import categoryAttributeRoutes from './routes/category-attributes.js';
import open311Routes from './interop/open311/index.js';
import ogcRoutes from './interop/ogc/index.js';

/** The OpenAPI tags every route uses (test/server/openapi.test.ts holds each route to one of them). */
export const OPENAPI_TAGS = [
  { name: 'health', description: '健康检查 Liveness, readiness and service metadata' },
  { name: 'auth', description: '登录 Log in, log out, who am I' },
  { name: 'users', description: '用户管理 User administration (admin)' },
  { name: 'api-keys', description: '接入密钥 API keys for intake systems and GIS desks (admin)' },
  { name: 'categories', description: '事项类别 Categories, deadlines and their extra questions' },
  { name: 'calendar', description: '工作日历 Working calendar: holidays and make-up working days' },
  { name: 'regions', description: '网格 Regions: county, streets, communities, blocks; import' },
  { name: 'problems', description: '问题 Report, import, list, correct problems' },
  { name: 'workflow', description: '流程 The closed loop (上报 → 立案 → … → 结案) and the record (台账)' },
  { name: 'stats', description: '统计 Indicators per region and the monthly ranking' },
  { name: 'hotspots', description: '热点 DBSCAN clusters and Gi* hot cells' },
  { name: 'exports', description: '导出 CSV, Excel and GeoJSON files of the filtered selection' },
  { name: 'tiles', description: '矢量瓦片 Mapbox vector tiles and TileJSON' },
  {
    name: 'assessment',
    description: '测评 Assessment points, standards, inspections, standing and mock-assessment samples',
  },
  { name: 'ogc', description: 'OGC API – Features, Part 1: Core (QGIS, ArcGIS, GDAL)' },
  { name: 'open311', description: 'Open311 GeoReport v2 (12345 hotline, mini-programs, citizens)' },
  { name: 'campaigns', description: '集中攻坚 Campaigns, their progress, the 红黑榜 and the weekly bulletin (通报)' },
  { name: 'messages', description: '消息 What was sent to whom (email, robots, inbox), subscriptions and the inbox' },
  { name: 'admin', description: '运维 Scheduled jobs: last run, next run, errors; run one now (admin)' },
  { name: 'photos', description: '照片 Photo evidence: upload, files and thumbnails, a problem’s photos' },
  { name: 'queues', description: '待办 Work queues: a manager’s to-do, an inspector’s re-inspection queue' },
];
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
  /** Scheduled-job overrides (tests); whether jobs run at all is config.jobs. */
  jobs?: JobsOptions;
  /** The built page to serve (default dist/web; the browser tests serve their e2e build). */
  webDir?: string;
}

/** The request as logged: the query's access_token is replaced. */
export function redactedRequest(req: { method: string; url: string; id?: string }): Record<string, unknown> {
  return { method: req.method, url: req.url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]'), reqId: req.id };
}

/** A validator factory: coercing ajv for query/params/headers (and form-encoded Open311 bodies), strict for JSON bodies. */
function partAwareValidator() {
  const coercing = AjvCompiler();
  const strict = AjvCompiler();
  // Typed loosely: Fastify's factory type is a union over ajv and JSON-type-definition compilers.
  return ((externalSchemas: unknown, opts?: unknown) => {
    const options = (opts ?? {}) as { customOptions?: Record<string, unknown> };
    const forText = coercing(externalSchemas as never, options as never);
    const forBody = strict(
      externalSchemas as never,
      {
        ...options,
        customOptions: { ...options.customOptions, coerceTypes: false },
      } as never,
    );
    return (route: { httpPart?: string; url: string; schema: unknown; method: string }) =>
      (route.httpPart === 'body' && !route.url.startsWith('/open311/') ? forBody : forText)(route as never);
  }) as never;
}

export async function buildApp({
  config,
  db,
  ownsDb = true,
  logger,
  webDir = WEB_DIST,
  jobs,
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
    // Behind a reverse proxy (docs/operations.md): the client's address from X-Forwarded-For.
    // (A hop count is valid at run time; Fastify's types leave it out.)
    trustProxy: config.trustProxy as boolean | string,
    // Query strings, params and headers are text: they are coerced to the schema's types. JSON
    // bodies are not: `"severity": "2"` or `"lon": "113.0"` is a 400, never silently converted.
    // Open311 (application/x-www-form-urlencoded by its spec, all text) keeps coercion.
    schemaController: { compilersFactory: { buildValidator: partAwareValidator() } },
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        useDefaults: true,
        // Filter bounds accept a date (Asia/Shanghai day) or an ISO date-time, both real
        // (2026-02-30, T25:61, +99:99 and year 0000 are 400, not a database error); evaluation periods likewise.
        formats: {
          'date-time-or-date': { type: 'string', validate: isCalendarInstant },
          'evaluation-period': { type: 'string', validate: isEvaluationPeriod },
        },
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
  // One registration for the whole app, before any route: routes opt in with
  // `config: { rateLimit: { … } }` (the Open311 public report); nothing is limited globally here.
  await app.register(rateLimit, { global: false });
  // Helmet (CSP), CORS (off by default) and the one global request limit per address.
  await app.register(securityPlugin, { config });
  // JSON statistics for 2,000 blocks are ~1.6 MB raw; compressed on the fly (brotli quality 4 is
  // fast enough for dynamic answers). Static assets are served pre-compressed below.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });
  await app.register(configPlugin, { config });
  await app.register(indicatorsPlugin);
  // Reads on a streaming replica when READ_DATABASE_URL is set (PostgreSQL only).
  let replica: ReadReplica | null = null;
  if (config.readDatabaseUrl && config.databaseUrl && db.backend === 'pg') {
    replica = new ReadReplica(config.readDatabaseUrl, config.databaseUrl, {
      max: config.dbPoolMax,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    });
    await replica.start();
  }
  await app.register(dbPlugin, { handle: db, owns: ownsDb, replica });
  await app.register(swagger, {
    openapi: {
      info: {
        title: '问题地图 Problem Map API',
        version: '0.1.0',
        description:
          'Problems at a point, responsibility blocks (网格), the closed-loop workflow, statistics, hotspots and exports; ' +
          'vector tiles; OGC API – Features (/ogc) and Open311 GeoReport v2 (/open311/v2). ' +
          'Send a login token or an API key as `Authorization: Bearer …` (or an API key as `X-API-Key`); every answer is ' +
          'limited to the caller’s scope. Guide with curl examples: docs/api.md.',
      },
      tags: OPENAPI_TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a login token (POST /api/auth/login) or an API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'an API key issued by an admin' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(authPlugin);
  // The 督办 sweep: every 5 minutes in a running service; tests call app.runEscalationSweep().
  // With jobs on, the sweep runs as the 'escalation-sweep' job (once across instances: pg-boss on
  // PostgreSQL, the one process on PGlite); the plugin's own timer is for JOBS=off.
  await app.register(escalationPlugin, { intervalMinutes: config.nodeEnv === 'test' || config.jobs ? 0 : 5 });
  // Weekly bulletin, daily reminder (pg-boss on PostgreSQL, in-process timers on PGlite).
  await app.register(jobsPlugin, jobs ?? {});

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
  await app.register(campaignRoutes, { prefix: '/api/campaigns' });
  await app.register(bulletinRoutes, { prefix: '/api/bulletins' });
  await app.register(subscriptionRoutes, { prefix: '/api/subscriptions' });
  // /messages, /inbox, /jobs: the record of what was sent and the jobs that send it.
  await app.register(messageRoutes, { prefix: '/api' });
  // Assessment (对标达标): points, standards, inspections and standing, mock-assessment samples.
  await app.register(pointRoutes, { prefix: '/api' });
  await app.register(standardRoutes, { prefix: '/api' });
  await app.register(inspectionRoutes, { prefix: '/api' });
  await app.register(sampleRoutes, { prefix: '/api' });
  await app.register(photoRoutes, { prefix: '/api' });
  await app.register(queueRoutes, { prefix: '/api/queues' });
  await app.register(tileRoutes, { prefix: '/tiles' });
  await app.register(apiKeyRoutes, { prefix: '/api/api-keys' });
  await app.register(categoryAttributeRoutes, { prefix: '/api/categories' });
  // Interoperability (server/interop/): Open311 GeoReport v2 and OGC API – Features.
  await app.register(open311Routes, { prefix: '/open311/v2' });
  await app.register(ogcRoutes, { prefix: '/ogc' });

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
