/**
 * User administration (admin only): list, create, change role / scope / department / activity /
 * password. A password change or deactivation revokes the user's tokens, so it takes effect at
 * once; the last active admin cannot be demoted or deactivated.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { hash } from '@node-rs/argon2';
import { AppError, notFound } from '../errors.js';
import { requireRole } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { AdminUser, CreateUserBody, PatchUserBody, UsersResponse } from '../schemas/users.js';
import {
  countOtherActiveAdmins,
  createUser,
  getUser,
  listUsers,
  revokeUserTokens,
  unknownRegionCodes,
  updateUser,
  type Role,
  type UserPatch,
  type UserRow,
} from '../../db/queries/users.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';

const view = (u: UserRow): AdminUser => ({ ...u, created_at: u.created_at.toISOString() });

/**
 * The rules the table's CHECKs also hold, answered as 422 with a reason instead of a 500:
 * a manager needs at least one region, a department user a department, and every region must exist.
 */
async function checkShape(db: Kysely<DB>, role: Role, scope: string[], department: string | null): Promise<void> {
  if (role === 'manager' && scope.length === 0)
    throw new AppError('UNPROCESSABLE', 'a manager needs at least one region code in scope');
  if (role === 'department' && !department) throw new AppError('UNPROCESSABLE', 'a department user needs a department');
  const unknown = await unknownRegionCodes(db, scope);
  if (unknown.length > 0)
    throw new AppError('UNPROCESSABLE', `unknown region code(s): ${unknown.join(', ')}`, { unknown_regions: unknown });
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole('admin');

  app.get(
    '/',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'All users with role, scope and state (admin only)',
        response: { 200: UsersResponse, ...errors(401, 403) },
      },
    },
    async () => ({
      users: (await listUsers(app.db)).map(view),
    }),
  );

  app.post(
    '/',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Create a user with a role and scope; the password is stored as an argon2id hash (admin only)',
        body: CreateUserBody,
        response: { 201: AdminUser, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const scope = b.scope ?? [];
      const department = b.department ?? null;
      await checkShape(app.db, b.role, scope, department);
      const created = await createUser(app.db, {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        scope,
        department,
        password_hash: await hash(b.password),
      });
      if (!created) throw new AppError('CONFLICT', `username ${b.username} is taken`);
      return reply.status(201).send(view(created));
    },
  );

  app.patch(
    '/:id',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['users'],
        summary:
          'Change a user (role, scope, department, active, password); a password change or deactivation revokes their tokens',
        params: IdParam,
        body: PatchUserBody,
        response: { 200: AdminUser, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const b = request.body;
      // Hash before the transaction: argon2 takes ~50 ms and must not hold PGlite's one connection.
      const passwordHash = b.password ? await hash(b.password) : undefined;
      return app.db.transaction().execute(async (trx) => {
        const current = await getUser(trx, id);
        if (!current) throw notFound('user');
        const role = b.role ?? current.role;
        const scope = b.scope ?? current.scope;
        const department = b.department !== undefined ? b.department : current.department;
        await checkShape(trx, role, scope, department);
        const losesAdmin = current.role === 'admin' && current.active && (role !== 'admin' || b.active === false);
        if (losesAdmin && (await countOtherActiveAdmins(trx, id)) === 0) {
          throw new AppError('CONFLICT', 'this is the last active admin: create another admin first');
        }
        const patch: UserPatch = {
          ...(b.display_name !== undefined ? { display_name: b.display_name } : {}),
          ...(b.role !== undefined ? { role: b.role } : {}),
          ...(b.scope !== undefined ? { scope: b.scope } : {}),
          ...(b.department !== undefined ? { department: b.department } : {}),
          ...(b.active !== undefined ? { active: b.active } : {}),
          ...(passwordHash ? { password_hash: passwordHash } : {}),
        };
        const updated = await updateUser(trx, id, patch);
        if (!updated) throw notFound('user');
        if (passwordHash || b.active === false) await revokeUserTokens(trx, id);
        return view(updated);
      });
    },
  );
};
export default routes;
