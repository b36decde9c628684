/**
 * Work queues (issue 10): `GET /api/queues/todo` (我的待办, for those who handle cases) and
 * `GET /api/queues/recheck` (待核查, for those who re-inspect). Scoped like every problem read.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { QueueResponse, RecheckQuery, TodoQuery } from '../schemas/queues.js';
import { listRecheck, listTodo, type QueueItem } from '../../db/queries/queues.js';
import { allowedActions, ROLE_ACTIONS, type Role, type Status } from '../../domain/workflow.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function shape(items: QueueItem[], role: Role) {
  return items.map((i) => ({
    ...i,
    reported_at: i.reported_at.toISOString(),
    dispatched_at: iso(i.dispatched_at),
    due_at: iso(i.due_at),
    resolved_at: iso(i.resolved_at),
    allowed_actions: allowedActions(i.status as Status, role, { escalated: i.escalated }),
  }));
}

/** Roles holding an action of the queue (the domain's role table decides, not a copy of it). */
const rolesWith = (action: 'resolve' | 'close') =>
  (Object.keys(ROLE_ACTIONS) as Role[]).filter((r) => ROLE_ACTIONS[r].includes(action));

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/todo',
    {
      preHandler: requireRole(...rolesWith('resolve')),
      schema: {
        tags: ['queues'],
        summary: '我的待办: dispatched and in-progress problems in my area, soonest deadline first',
        querystring: TodoQuery,
        response: { 200: QueueResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { count, items } = await listTodo(app.db, request.scope, request.query);
      return { count, items: shape(items, user.role) };
    },
  );

  app.get(
    '/recheck',
    {
      preHandler: requireRole(...rolesWith('close')),
      schema: {
        tags: ['queues'],
        summary: '待核查: resolved problems awaiting re-inspection, nearest (lon, lat) or oldest first',
        querystring: RecheckQuery,
        response: { 200: QueueResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const q = request.query;
      if ((q.lon === undefined) !== (q.lat === undefined) || (q.sort === 'nearest' && q.lon === undefined))
        throw new AppError('VALIDATION_FAILED', 'sort=nearest needs both lon and lat', undefined, {
          reason: 'nearest_needs_position',
        });
      const near = q.sort === 'nearest' ? { lon: q.lon!, lat: q.lat! } : null;
      const { count, items } = await listRecheck(app.db, request.scope, { limit: q.limit, offset: q.offset, near });
      return { count, items: shape(items, user.role) };
    },
  );
};
export default routes;
