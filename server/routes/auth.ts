/**
 * Login, logout and "who am I". Login is the one public /api route besides /api/meta.
 *
 * Unknown user, inactive user and wrong password give the same 401 and message, and an unknown
 * user still costs one argon2 verification, so neither the answer nor its timing tells whether
 * an account exists.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors.js';
import { bearerToken, hashToken, newToken, userOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { loginThrottle } from '../plugins/security.js';
import { LoginBody, LoginResponse, LogoutResponse, PublicUser } from '../schemas/auth.js';
import { HOUR_MS } from '../../domain/time.js';
import { findLoginUser, insertToken, revokeToken } from '../../db/queries/users.js';

const BAD_LOGIN = 'wrong username or password';

/** A real argon2id hash of a random secret: unknown users are verified against it (equal timing). */
const decoyHash = hash(newToken());

const publicUser = (u: {
  id: number;
  username: string;
  display_name: string;
  role: PublicUser['role'];
  scope: string[];
  department: string | null;
}): PublicUser => ({
  id: u.id,
  username: u.username,
  display_name: u.display_name,
  role: u.role,
  scope: u.scope,
  department: u.department,
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const throttle = loginThrottle(app, app.config);
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in with username and password; returns a bearer token (expires after TOKEN_TTL_HOURS)',
        body: LoginBody,
        response: { 200: LoginResponse, ...errors(400, 401, 429) },
        security: [],
      },
    },
    async (request, reply) => {
      await throttle.check(request, reply);
      const { username, password } = request.body;
      const user = await findLoginUser(app.db, username);
      let ok = false;
      try {
        ok = await verify(user?.password_hash ?? (await decoyHash), password);
      } catch {
        // A stored value that is not an argon2 hash (e.g. '!no-login', '!disabled') never matches.
        ok = false;
      }
      if (!user || !ok) {
        await throttle.fail(request);
        throw new AppError('UNAUTHORIZED', BAD_LOGIN);
      }
      const token = newToken();
      const expiresAt = new Date(Date.now() + app.config.tokenTtlHours * HOUR_MS);
      await insertToken(app.db, user.id, hashToken(token), expiresAt);
      return { token, expires_at: expiresAt.toISOString(), user: publicUser(user) };
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log out: revoke the token this request carries',
        response: { 200: LogoutResponse, ...errors(401) },
      },
    },
    async (request) => {
      userOf(request);
      const token = bearerToken(request);
      return { revoked: token ? await revokeToken(app.db, hashToken(token)) : false };
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user: role, scope (region codes) and department',
        response: { 200: PublicUser, ...errors(401) },
      },
    },
    // The auth hook read this user's row in this request, joined to the live token (or key) and
    // checked active: a second read of the same row would only cost a round trip.
    async (request) => {
      const me = userOf(request);
      return publicUser({ ...me, scope: me.regions });
    },
  );
};
export default routes;
