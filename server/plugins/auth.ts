/**
 * Bearer-token authentication and the caller's scope.
 *
 * Every route under /api, /tiles, /ogc and /open311 requires a token unless it declares
 * `config: { public: true }` (health checks, login, API docs). Tokens are random 256-bit values; the
 * database keeps only their SHA-256 (a high-entropy secret needs no slow hash), so a leaked table
 * cannot be replayed. Passwords use argon2id (@node-rs/argon2).
 */
import { createHash, randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Role } from '../../domain/workflow.js';
import { FULL_SCOPE, type Scope } from '../../db/queries/scope.js';

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
    /** What this caller may see: derived from role, regions and department. */
    scope: Scope;
  }
  interface FastifyContextConfig {
    public?: boolean;
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

/** The bearer token of a request: `Authorization: Bearer <token>`, else `?access_token=`; null when neither. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? m[1] : null;
  }
  // Browsers cannot set headers on a plain download link; exports and tiles also accept ?access_token=.
  const q = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' && q ? q : null;
}

export default fp(
  async (app) => {
    app.decorateRequest('user', null);
    app.decorateRequest('scope', null as unknown as Scope);
    app.addHook('onRequest', async (request) => {
      request.scope = FULL_SCOPE;
      const path = request.url.split('?')[0];
      if (!PROTECTED.test(path) || path.startsWith('/api/docs') || request.routeOptions.config?.public) return;
      const token = bearerToken(request);
      if (!token)
        throw new AppError('UNAUTHORIZED', 'login required: send Authorization: Bearer <token>', undefined, {
          reason: 'login_required',
        });
      const row = await app.db
        .selectFrom('api_tokens as t')
        .innerJoin('users as u', 'u.id', 't.user_id')
        .select(['u.id', 'u.username', 'u.display_name', 'u.role', 'u.scope', 'u.department'])
        .where('t.token_hash', '=', hashToken(token))
        .where('t.revoked_at', 'is', null)
        .where('t.expires_at', '>', new Date())
        .where('u.active', '=', true)
        .executeTakeFirst();
      if (!row)
        throw new AppError('UNAUTHORIZED', 'token unknown, expired or revoked', undefined, { reason: 'token_invalid' });
      request.user = {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        role: row.role,
        regions: row.scope,
        department: row.department,
      };
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
