/**
 * Security headers, CORS and the global request limit, for the whole app.
 *
 * - @fastify/helmet with a Content-Security-Policy the page and MapLibre GL satisfy: scripts only
 *   from this origin; MapLibre's workers start from blob: URLs and decode images from blob:/data:;
 *   raster basemap tiles (天地图, BASEMAP_URL) are fetched (connect-src) and drawn (img-src) from
 *   their own origins, which are added when configured. No `upgrade-insecure-requests`: intranet
 *   installs are often plain http on a LAN address, and upgrading their own requests breaks them.
 * - CORS is off unless CORS_ORIGINS names the other sites (a big-screen dashboard, say).
 * - One request limit per client address across every route (RATE_LIMIT_MAX per
 *   RATE_LIMIT_WINDOW_MS), health checks exempt, answered 429 RATE_LIMITED with Retry-After. Uses
 *   the app's one @fastify/rate-limit registration (`createRateLimit`), so routes that set their
 *   own `config.rateLimit` keep it.
 *
 * The security headers depend on the configuration only, so they are worked out once, at start:
 * @fastify/helmet rebuilds every helmet middleware (and re-parses the CSP) on each request, about
 * 3 % of a cached tile's CPU; here it runs once, on a probe instance, and each request gets the
 * same headers set on its response.
 */
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import cors from '@fastify/cors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/** Origins the configured basemap tiles come from ('https://t0.tianditu.gov.cn' …). */
export function basemapOrigins(config: Pick<Config, 'tiandituKey' | 'basemapUrl'>): string[] {
  const origins: string[] = [];
  if (config.tiandituKey) origins.push('https://*.tianditu.gov.cn');
  if (config.basemapUrl) {
    try {
      // The template holds {z}/{x}/{y} and perhaps {s}: only its origin matters.
      const u = new URL(config.basemapUrl.replace(/\{[^}]*\}/g, '0'));
      origins.push(u.origin);
    } catch {
      // An unparsable template cannot load anyway; the CSP stays strict.
    }
  }
  return origins;
}

export function cspDirectives(config: Pick<Config, 'tiandituKey' | 'basemapUrl'>): Record<string, string[]> {
  const tiles = basemapOrigins(config);
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    // MapLibre and the page set element styles from script, which CSP allows; 'unsafe-inline' is for
    // style attributes in the API docs page (Swagger UI) and costs no script execution.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...tiles],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...tiles],
    'worker-src': ["'self'", 'blob:'],
    'child-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/** The path of the first string holding U+0000 inside `value` (depth-limited), or null. */
export function nulPath(value: unknown, at: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (!value || typeof value !== 'object' || depth > 20) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${at}/${k}`;
    const p = nulPath(v, `${at}/${k}`, depth + 1);
    if (p) return p;
  }
  return null;
}

/**
 * The headers @fastify/helmet sets with `options`, found by serving one request on a probe
 * instance: at the handler, the response's headers are helmet's alone (Fastify adds its own when
 * it writes the head).
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string | string[]][]> {
  const probe = Fastify();
  try {
    await probe.register(helmet, options);
    let headers: [string, string | string[]][] = [];
    probe.get('/', async (_request, reply) => {
      headers = Object.entries(reply.raw.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v : String(v)]);
      return '';
    });
    await probe.inject('/');
    if (!headers.some(([k]) => k === 'content-security-policy')) throw new Error('helmet set no CSP on its probe');
    return headers;
  } finally {
    await probe.close();
  }
}

/** Requests the global limit never counts: a load balancer's health probes. */
const EXEMPT = new Set(['/healthz', '/readyz']);

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const headers = await helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config) },
      // With CORS on, other sites may read the answers (tiles, JSON): let their pages embed them.
      crossOriginResourcePolicy: { policy: config.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
      // X-Frame-Options DENY as well as frame-ancestors, for old browsers.
      frameguard: { action: 'deny' },
    });
    // On the raw response, first thing, as helmet does: errors, 404s and static files carry them too.
    app.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });

    if (config.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: config.corsOrigins,
        methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'if-none-match'],
        exposedHeaders: ['etag', 'content-disposition', 'retry-after'],
        maxAge: 600,
      });
    }

    // PostgreSQL text cannot hold U+0000: a NUL anywhere in the query, the path or a JSON body would
    // end as a 500 from the driver. Refused up front, for every route (a GeoJSON import's features
    // are checked row by row instead, so its report names the feature).
    app.addHook('preValidation', async (request) => {
      const body = request.body as { type?: unknown } | undefined;
      // A streamed body (the problem CSV import) is a request stream, not data: never walked.
      const checkBody =
        body &&
        typeof body === 'object' &&
        !Buffer.isBuffer(body) &&
        typeof (body as { pipe?: unknown }).pipe !== 'function' &&
        body.type !== 'FeatureCollection';
      const where =
        nulPath(request.query, 'querystring') ??
        nulPath(request.params, 'params') ??
        (checkBody ? nulPath(body, 'body') : null);
      if (where)
        throw new AppError('VALIDATION_FAILED', `${where} contains a NUL character (U+0000)`, {
          params: { field: where },
        });
    });

    if (config.rateLimitMax > 0) {
      const limit = app.createRateLimit({ max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs });
      app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (EXEMPT.has(request.url.split('?')[0])) return;
        const r = await limit(request);
        if (r.isAllowed || !r.isExceeded) return;
        reply.header('retry-after', String(r.ttlInSeconds));
        throw new AppError('RATE_LIMITED', `too many requests: retry in ${r.ttlInSeconds} s`, {
          params: { retry_after_s: r.ttlInSeconds },
        });
      });
    }
  },
  { name: 'security', dependencies: ['@fastify/rate-limit'] },
);

export interface LoginThrottle {
  /** Throws 429 RATE_LIMITED when this user name or this address has used up its failed attempts. */
  check(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Counts one failed attempt against the user name and the address. */
  fail(request: FastifyRequest): Promise<void>;
}

/**
 * Brute-force limits on login: LOGIN_LIMIT_PER_USER failed attempts per user name (any address)
 * and LOGIN_LIMIT_PER_ADDRESS per address (any user name) per LOGIN_LIMIT_WINDOW_MS. Only
 * failures count, so an office behind one address is not locked out by its own successful
 * logins; once a limit is reached even the right password is refused until the window passes,
 * so guessing gains nothing.
 */
export function loginThrottle(
  app: import('fastify').FastifyInstance,
  config: Pick<Config, 'loginLimitPerUser' | 'loginLimitPerAddress' | 'loginLimitWindowMs'>,
): LoginThrottle {
  const userName = (request: FastifyRequest) => {
    const name = (request.body as { username?: unknown } | undefined)?.username;
    return typeof name === 'string' ? name.normalize('NFKC').toLowerCase() : '';
  };
  const perUser = app.createRateLimit({
    max: config.loginLimitPerUser,
    timeWindow: config.loginLimitWindowMs,
    keyGenerator: (request) => `login-user:${userName(request)}`,
  });
  const perAddress = app.createRateLimit({
    max: config.loginLimitPerAddress,
    timeWindow: config.loginLimitWindowMs,
    keyGenerator: (request) => `login-address:${request.ip}`,
  });
  return {
    async check(request, reply) {
      for (const [limiter, which] of [
        [perUser, 'user'],
        [perAddress, 'address'],
      ] as const) {
        const r = await limiter(request, { increment: false });
        if (!r.isAllowed && r.remaining === 0) {
          const wait = Math.max(1, r.ttlInSeconds);
          reply.header('retry-after', String(wait));
          throw new AppError('RATE_LIMITED', `too many failed logins: retry in ${wait} s`, {
            params: { retry_after_s: wait, per: which },
          });
        }
      }
    },
    async fail(request) {
      await perUser(request);
      await perAddress(request);
    },
  };
}
