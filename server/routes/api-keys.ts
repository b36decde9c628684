/**
 * /api/api-keys (admin only): issue a key to an intake system, list keys, revoke one. A key acts
 * as the user it is tied to, with that user's role and scope, on /api, /tiles, /ogc and /open311.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors.js';
import { hashToken, newToken, requireRole, userOf } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { ApiKey, ApiKeysResponse, CreateApiKeyBody, CreatedApiKey } from '../schemas/api-keys.js';
import { getApiKey, insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../../db/queries/api-keys.js';
import { getUser } from '../../db/queries/users.js';

/** Keys start with this, so a leaked one is recognisable in logs and secret scanners. */
const KEY_PREFIX = 'pmk_';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const view = (k: ApiKeyRow): ApiKey => ({
  ...k,
  created_at: k.created_at.toISOString(),
  last_used_at: iso(k.last_used_at),
  revoked_at: iso(k.revoked_at),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole('admin');

  app.get(
    '/',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'API keys issued to intake systems (never the secrets)',
        response: { 200: ApiKeysResponse, ...errors(401, 403) },
      },
    },
    async () => ({ api_keys: (await listApiKeys(app.db)).map(view) }),
  );

  app.post(
    '/',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Issue an API key tied to a user (its role and scope); the key is shown once',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const user = await getUser(app.db, b.user_id);
      if (!user) throw new AppError('UNPROCESSABLE', `user ${b.user_id} does not exist`, { user_id: b.user_id });
      if (!user.active) throw new AppError('UNPROCESSABLE', `user ${user.username} is not active`);
      const key = KEY_PREFIX + newToken();
      const id = await insertApiKey(app.db, {
        name: b.name.trim(),
        user_id: user.id,
        source: b.source ?? 'hotline',
        key_hash: hashToken(key),
        key_prefix: key.slice(0, KEY_PREFIX.length + 6),
        created_by: userOf(request).id,
      });
      const row = (await getApiKey(app.db, id))!;
      return reply.status(201).send({ ...view(row), key });
    },
  );

  app.delete(
    '/:id',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key at once',
        params: IdParam,
        response: { 200: ApiKey, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await revokeApiKey(app.db, id))) {
        const existing = await getApiKey(app.db, id);
        if (!existing) throw notFound(`api key ${id}`);
      }
      return view((await getApiKey(app.db, id))!);
    },
  );
};

export default routes;
