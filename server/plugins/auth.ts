/**
 * Bearer-token authentication and the caller's scope.
 *
 * Every route under /api, /tiles, /ogc and /open311 requires a token unless it declares
 * `config: { public: true }` (health checks, login, API docs). The credential is a login token or an
 * API key an admin issued (db/queries/api-keys.ts), sent as `Authorization: Bearer …` or
 * `X-API-Key: …` (GDAL and QGIS can send either header). Both are random 256-bit values; the
 * database keeps only their SHA-256 (a high-entropy secret needs no slow hash), so a leaked table
 * cannot be replayed. Passwords use argon2id (@node-rs/argon2).
 */
import { createHash, randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Role } from '../../domain/workflow.js';
import { FULL_SCOPE, type Scope } from '../../db/queries/scope.js';
import { findApiKeyUser } from '../../db/queries/api-keys.js';
import type { DB, IntakeSource } from '../../db/types.js';
import type { CompiledQuery, Kysely } from 'kysely';

export interface AuthUser {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  /** Region codes for managers; empty for everyone else. */
  regions: string[];
  department: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
    /** The API key the caller authenticated with (null for a login token or no credential). */
    apiKey: { id: number; source: IntakeSource } | null;
    /** What this caller may see: derived from role, regions and department. */
    scope: Scope;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** A GET download a browser opens as a plain link: also accept `?access_token=`. */
    queryToken?: boolean;
  }
}

const PROTECTED = /^\/(api|tiles|ogc|open311)(\/|$)/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => randomBytes(32).toString('base64url');

export function scopeOf(user: AuthUser): Scope {
  if (user.role === 'manager') return { regions: [...user.regions], department: null };
  if (user.role === 'department') return { regions: null, department: user.department };
  return FULL_SCOPE;
}

/**
 * Where a token may ride in the query string: downloads (exports), map tiles and the OGC API that
 * GIS clients open as plain URLs, plus any GET route that declares `config: { queryToken: true }`.
 * Everywhere else a token in the URL (which lands in proxy logs, browser history and Referer) is
 * refused, so it cannot be used to act on the API.
 */
const QUERY_TOKEN_PATHS = /^\/(tiles\/|api\/exports\/|ogc(\/|$))/;

export function acceptsQueryToken(request: FastifyRequest, path: string): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return QUERY_TOKEN_PATHS.test(path) || request.routeOptions.config?.queryToken === true;
}

/**
 * The credential of a request (a login token or an API key): `Authorization: Bearer …`, else
 * `X-API-Key: …`, else `?access_token=` where {@link acceptsQueryToken} allows it (401
 * elsewhere); null when none.
 */
export function bearerToken(request: FastifyRequest): string | null {
  const path = request.url.split('?')[0];
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? m[1] : null;
  }
  const key = request.headers['x-api-key'];
  if (typeof key === 'string' && key) return key.trim();
  // Browsers cannot set headers on a plain download link or a tile URL.
  const q = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q !== 'string' || !q) return null;
  if (!acceptsQueryToken(request, path))
    throw new AppError(
      'UNAUTHORIZED',
      '?access_token= is accepted only on downloads and tiles: send Authorization: Bearer <token>',
    );
  return q;
}

export interface Credential {
  user: AuthUser;
  apiKey: { id: number; source: IntakeSource } | null;
}

// Stand-ins for a request's token hash and clock in the compiled login-token lookup.
const HASH_PARAMETER = '\u0000token-hash';
const NOW_PARAMETER = new Date(0);

function loginTokenLookup(db: Kysely<DB>) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.role', 'u.scope', 'u.department'])
    .where('t.token_hash', '=', HASH_PARAMETER)
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', NOW_PARAMETER)
    .where('u.active', '=', true)
    .compile();
}
type LoginTokenLookup = ReturnType<typeof loginTokenLookup>;
type LoginTokenRow = LoginTokenLookup extends CompiledQuery<infer R> ? R : never;
/**
 * The login-token lookup of every request, built and compiled once per database handle (building
 * and compiling it was ~2 % of a cached tile's CPU); each request sends the same statement with its
 * own parameters.
 */
const compiledLookups = new WeakMap<Kysely<DB>, LoginTokenLookup>();

/** The user behind a login token or an API key; null when it is unknown, expired or revoked. */
export async function resolveCredential(db: Kysely<DB>, secret: string): Promise<Credential | null> {
  const hashed = hashToken(secret);
  let lookup = compiledLookups.get(db);
  if (!lookup) compiledLookups.set(db, (lookup = loginTokenLookup(db)));
  const now = new Date();
  const parameters = lookup.parameters.map((p) => (p === HASH_PARAMETER ? hashed : p === NOW_PARAMETER ? now : p));
  const row = (await db.executeQuery<LoginTokenRow>({ ...lookup, parameters })).rows[0];
  const key = row ? null : await findApiKeyUser(db, hashed);
  const u = row ?? key;
  if (!u) return null;
  return {
    user: {
      id: u.id,
      username: u.username,
      display_name: u.display_name,
      role: u.role,
      regions: u.scope,
      department: u.department,
    },
    apiKey: key ? { id: key.key_id, source: key.key_source } : null,
  };
}

export default fp(
  async (app) => {
    app.decorateRequest('user', null);
    app.decorateRequest('apiKey', null);
    app.decorateRequest('scope', null as unknown as Scope);
    app.addHook('onRequest', async (request) => {
      request.scope = FULL_SCOPE;
      const path = request.url.split('?')[0];
      if (!PROTECTED.test(path) || path.startsWith('/api/docs') || request.routeOptions.config?.public) return;
      const token = bearerToken(request);
      if (!token)
        throw new AppError(
          'UNAUTHORIZED',
          'login required: send Authorization: Bearer <token> (or X-API-Key: <key>)',
          undefined,
          {
            reason: 'login_required',
          },
        );
      const credential = await resolveCredential(app.db, token);
      if (!credential)
        throw new AppError('UNAUTHORIZED', 'token unknown, expired or revoked', undefined, { reason: 'token_invalid' });
      request.user = credential.user;
      request.apiKey = credential.apiKey;
      request.scope = scopeOf(request.user);
    });
  },
  { name: 'auth', dependencies: ['db'] },
);

/**
 * Role check for a route's `preValidation` hook (always that hook, so a caller without the role
 * gets the same 403 from every route, before the body is validated): only these roles may call it.
 */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.user || !roles.includes(request.user.role)) {
      throw new AppError('FORBIDDEN', `this action needs one of the roles: ${roles.join(', ')}`, undefined, {
        reason: 'role_required',
        roles,
      });
    }
  };
}

/** The signed-in user (routes behind the auth hook always have one). */
export function userOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('UNAUTHORIZED', 'login required');
  return request.user;
}
