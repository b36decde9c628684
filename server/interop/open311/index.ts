/**
 * Open311 GeoReport v2 under /open311/v2 (wiki.open311.org/GeoReport_v2), every path with a
 * `.json` or `.xml` suffix:
 *
 * - discovery, services (one per active category, `service_code` = the national code, `group` =
 *   the category group), service definitions (the category's attributes), tokens/{token};
 * - POST requests: form-urlencoded as the spec says, or JSON. With `api_key` (an admin-issued key,
 *   db/queries/api-keys.ts; a login token works too) the problem is reported as the key's user,
 *   inside that user's scope, with the key's source (12345 → hotline). Without one it is a public
 *   citizen report: source citizen (市民), rate-limited per client address (PUBLIC_REPORT_MAX per
 *   PUBLIC_REPORT_WINDOW_MINUTES). Either way it is status reported (上报), assigned to its block
 *   by the same createProblem as /api/problems, and awaits 立案 by staff.
 * - GET requests (service_request_id, service_code, start_date, end_date, status + the page /
 *   page_size extension) and requests/{id}: with a key or token, the caller's scope with the
 *   record's notes; anonymous, only citizen reports and never a private field (reporter, contact,
 *   address of the sender, free-text notes).
 *
 * Errors keep the spec's shape, `[{ "code": 400, "description": "…" }]` (or `<errors>` in XML).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { bearerToken, newToken, resolveCredential, scopeOf } from '../../plugins/auth.js';
import {
  Discovery,
  FormatParam,
  KeyQuery,
  ListRequestsQuery,
  PostRequestBody,
  PostRequestResponse,
  RequestParams,
  ServiceDefinition,
  ServiceParams,
  ServiceRequests,
  Services,
  TokenParams,
  TokenResponse,
  open311Errors,
} from '../../schemas/open311.js';
import { formatOfUrl, sendAs, type Format } from './format.js';
import { toServiceRequest, toService, statusFilter, PUBLIC_SERVICE_NOTICE, KEYED_SERVICE_NOTICE } from './view.js';
import { coordinateProblem, toWgs84 } from '../../../domain/coords.js';
import { REPORT_ROLES } from '../../../domain/workflow.js';
import { DAY_MS } from '../../../domain/time.js';
import { createProblem } from '../../../db/queries/problems.js';
import {
  findRequestByToken,
  getServiceCategory,
  insertIntake,
  listServiceCategories,
  listServiceRequests,
  type Audience,
} from '../../../db/queries/open311.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';

/** Days a request list covers by default, as the spec says. */
const DEFAULT_DAYS = 90;
const CHANGESET = '2026-12-01T00:00:00+08:00';

const TAGS = ['open311'];

/** The api_key of a request (body, then query), else a header credential. */
function secretOf(request: FastifyRequest): string | null {
  const body = request.body as Record<string, unknown> | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  for (const v of [body?.api_key, query?.api_key]) if (typeof v === 'string' && v) return v;
  return bearerToken(request);
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const config = app.config;
  // The spec's POST body is application/x-www-form-urlencoded (this prefix only).
  await app.register(formbody);

  // Every failure in the spec's shape and the format the URL asked for.
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    const format = formatOfUrl(request.url);
    let status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let description = err.message;
    if ((err as FastifyError).validation) {
      status = 400;
      description = `invalid ${(err as FastifyError).validationContext ?? 'request'}: ${err.message}`;
    }
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      description = 'internal server error';
    }
    return sendAs(reply, format, 'errors', [{ code: status, description }], status);
  });
  app.setNotFoundHandler((request, reply) =>
    sendAs(
      reply,
      formatOfUrl(request.url),
      'errors',
      [{ code: 404, description: `no route ${request.method} ${request.url.split('?')[0]}` }],
      404,
    ),
  );

  /** Authenticates an optional key/token: 403 when one is sent but unknown (the spec's status). */
  async function identify(request: FastifyRequest): Promise<void> {
    const secret = secretOf(request);
    if (!secret) return;
    const credential = await resolveCredential(app.db, secret);
    if (!credential) throw new AppError('FORBIDDEN', 'api_key is unknown, expired or revoked');
    request.user = credential.user;
    request.apiKey = credential.apiKey;
    request.scope = scopeOf(credential.user);
  }
  const audienceOf = (request: FastifyRequest): Audience =>
    request.user ? { kind: 'scoped', scope: request.scope } : { kind: 'public' };

  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}/open311/v2`;

  app.get(
    '/discovery.:format',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Open311 discovery: the endpoint, its formats and how to get a key',
        params: FormatParam,
        response: { 200: Discovery, ...open311Errors(400) },
      },
    },
    async (request, reply) =>
      sendAs(reply, request.params.format, 'discovery', {
        changeset: CHANGESET,
        contact: '县创文办 / county campaign office (see the site operator)',
        key_service: 'API keys are issued by an administrator: POST /api/api-keys',
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url: base(request),
            changeset: CHANGESET,
            type: 'production',
            formats: ['application/json', 'text/xml'],
          },
        ],
      }),
  );

  app.get(
    '/services.:format',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Open311 services: one per active category, grouped by category group, national code as service_code',
        params: FormatParam,
        querystring: KeyQuery,
        response: { 200: Services, ...open311Errors(400) },
      },
    },
    async (request, reply) =>
      sendAs(reply, request.params.format, 'services', (await listServiceCategories(app.db)).map(toService)),
  );

  app.get(
    '/services/:code.:format',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Open311 service definition: the extra attributes a category asks',
        params: ServiceParams,
        querystring: KeyQuery,
        response: { 200: ServiceDefinition, ...open311Errors(400, 404) },
      },
    },
    async (request, reply) => {
      const c = await getServiceCategory(app.db, request.params.code);
      if (!c) throw new AppError('NOT_FOUND', `service_code ${request.params.code} not found`);
      const attributes = [...c.attributes].sort((a, b) => a.order - b.order);
      return sendAs(reply, request.params.format, 'service_definition', { service_code: c.code, attributes });
    },
  );

  app.post(
    '/requests.:format',
    {
      config: {
        public: true,
        // Only account-less reports count against the per-address limit; a keyed intake (12345
        // posts everything from one address) is identified before the limiter runs.
        rateLimit: {
          max: Math.max(config.publicReportMax, 1),
          timeWindow: config.publicReportWindowMinutes * 60_000,
          hook: 'preHandler',
          allowList: (request: FastifyRequest) => request.user !== null,
        },
      },
      preHandler: [identify],
      schema: {
        tags: TAGS,
        summary:
          'Open311: post a service request (form-urlencoded or JSON); api_key for an intake system, none for a citizen',
        description:
          'lat/long are WGS84; extension `crs=gcj02` (Amap, Tencent, WeChat) or `crs=bd09` (Baidu) converts at the edge. ' +
          'Without api_key the report is a public citizen report (source 市民), limited per client address. ' +
          'The problem lands as 上报 (reported) in the block that covers the point and awaits 立案.',
        params: FormatParam,
        body: PostRequestBody,
        response: { 201: PostRequestResponse, ...open311Errors(400, 403, 429) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const user = request.user;
      if (!user && config.publicReportMax === 0)
        throw new AppError('FORBIDDEN', 'public reporting is turned off: an api_key is required');
      if (user && !REPORT_ROLES.includes(user.role))
        throw new AppError('FORBIDDEN', `the key's user (role ${user.role}) may not report problems`);

      const category = await getServiceCategory(app.db, b.service_code);
      if (!category) throw new AppError('BAD_REQUEST', `service_code ${b.service_code} not found`);
      if (b.lat === undefined || b.long === undefined)
        throw new AppError(
          'BAD_REQUEST',
          'lat and long are required: this endpoint does not geocode address_string or address_id',
        );
      const coordError = coordinateProblem(b.long, b.lat);
      if (coordError) throw new AppError('BAD_REQUEST', coordError);
      const [lon, lat] = toWgs84(b.long, b.lat, b.crs ?? 'wgs84');

      const attributes: Record<string, string | string[]> = {};
      const raw = b as Record<string, unknown>;
      const given = (code: string): unknown =>
        raw[`attribute[${code}]`] ?? raw[`attribute[${code}][]`] ?? (raw.attribute as Record<string, unknown>)?.[code];
      for (const a of category.attributes) {
        const v = given(a.code);
        const values = (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]).map(String);
        if (values.length === 0) {
          if (a.required && a.variable) throw new AppError('BAD_REQUEST', `attribute[${a.code}] is required`);
          continue;
        }
        if (a.values && (a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist')) {
          const bad = values.find((x) => !a.values!.some((k) => k.key === x));
          if (bad !== undefined)
            throw new AppError(
              'BAD_REQUEST',
              `attribute[${a.code}] = ${bad} is not one of ${a.values.map((k) => k.key).join(', ')}`,
            );
        }
        if (a.datatype === 'number' && values.some((x) => !Number.isFinite(Number(x))))
          throw new AppError('BAD_REQUEST', `attribute[${a.code}] must be a number`);
        attributes[a.code] = a.datatype === 'multivaluelist' ? values : values[0];
      }

      const contact: Record<string, string> = {};
      for (const k of ['email', 'phone', 'first_name', 'last_name', 'device_id', 'account_id'] as const) {
        const v = b[k]?.trim();
        if (v) contact[k] = v;
      }
      const name = [contact.last_name, contact.first_name].filter(Boolean).join('') || null;
      const token = newToken();
      const scope = user ? request.scope : FULL_SCOPE;

      const id = await app.db.transaction().execute(async (trx) => {
        const created = await createProblem(
          trx,
          {
            lon,
            lat,
            category_code: category.code,
            description: b.description?.trim() ?? '',
            address: b.address_string?.trim() || null,
            source: user ? (request.apiKey?.source ?? 'other') : 'citizen',
            severity: 1,
            reporter: name,
            photos: [],
            reported_at: new Date(),
          },
          scope,
          user ? { id: user.id, username: user.username } : { id: null, username: 'open311-public' },
        );
        if (created.kind !== 'ok') {
          if (created.kind === 'outside_coverage')
            throw new AppError('BAD_REQUEST', 'the location is outside every block this jurisdiction serves');
          throw new AppError('FORBIDDEN', "the location is outside the key's area");
        }
        await insertIntake(trx, {
          problem_id: created.id,
          channel: user ? 'open311_key' : 'open311_public',
          api_key_id: request.apiKey?.id ?? null,
          token,
          media_url: b.media_url ?? null,
          contact,
          attributes,
          client_address: user ? null : request.ip,
        });
        return created.id;
      });
      return sendAs(
        reply,
        request.params.format,
        'service_requests',
        [
          {
            service_request_id: String(id),
            token,
            service_notice: user ? KEYED_SERVICE_NOTICE : PUBLIC_SERVICE_NOTICE,
            account_id: contact.account_id ?? null,
          },
        ],
        201,
      );
    },
  );

  app.get(
    '/requests.:format',
    {
      config: { public: true },
      preHandler: [identify],
      schema: {
        tags: TAGS,
        summary: 'Open311: service requests, newest first (the spec filters plus page / page_size)',
        description:
          'With api_key (or a token) the caller sees their scope, with the record as notes[]; anonymous callers see citizen reports only, without private fields. ' +
          `Without service_request_id or start_date, the last ${DEFAULT_DAYS} days.`,
        params: FormatParam,
        querystring: ListRequestsQuery,
        response: { 200: ServiceRequests, ...open311Errors(400, 403) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const pageSize = q.page_size ?? 1000;
      const page = q.page ?? 1;
      const ids = q.service_request_id?.split(',').map(Number);
      const from =
        q.start_date ?? (q.end_date ? undefined : new Date(Date.now() - DEFAULT_DAYS * DAY_MS).toISOString());
      const { rows, events } = await listServiceRequests(app.db, audienceOf(request), {
        ids,
        filters: { category: q.service_code, status: statusFilter(q.status), from, to: q.end_date },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      const audience = audienceOf(request);
      return sendAs(
        reply,
        request.params.format,
        'service_requests',
        rows.map((r) => toServiceRequest(r, events, audience.kind)),
      );
    },
  );

  app.get(
    '/requests/:id.:format',
    {
      config: { public: true },
      preHandler: [identify],
      schema: {
        tags: TAGS,
        summary: 'Open311: one service request (a one-element list), with its history as notes[]',
        params: RequestParams,
        querystring: KeyQuery,
        response: { 200: ServiceRequests, ...open311Errors(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const audience = audienceOf(request);
      const { rows, events } = await listServiceRequests(app.db, audience, {
        ids: [request.params.id],
        filters: {},
        limit: 1,
        offset: 0,
      });
      // Outside the caller's scope looks exactly like a missing id.
      if (rows.length === 0) throw new AppError('NOT_FOUND', `service_request_id ${request.params.id} not found`);
      return sendAs(reply, request.params.format, 'service_requests', [
        toServiceRequest(rows[0], events, audience.kind),
      ]);
    },
  );

  app.get(
    '/tokens/:token.:format',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Open311: the service_request_id a token (the receipt of a POST) stands for',
        params: TokenParams,
        querystring: KeyQuery,
        response: { 200: TokenResponse, ...open311Errors(400, 404) },
      },
    },
    async (request, reply) => {
      const id = await findRequestByToken(app.db, request.params.token);
      if (id === null) throw new AppError('NOT_FOUND', 'token not found');
      return sendAs(reply, request.params.format, 'service_requests', [
        { service_request_id: String(id), token: request.params.token },
      ]);
    },
  );
};

export type { Format };
export default routes;
