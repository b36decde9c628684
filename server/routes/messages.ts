/**
 * The record of messages sent ("who was told": an admin or leader reads all of it, everyone else
 * their own), the in-app inbox with its unread count, and the admin's view of the scheduled jobs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, IdParam } from '../schemas/common.js';
import { InboxResponse, JobList, JobNameParams, MessageList, MessageQuery } from '../schemas/messages.js';
import { notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { listMessages, markRead, unreadCount, type MessageRow } from '../../db/queries/messages.js';
import { Type } from 'typebox';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const json = (m: MessageRow) => ({ ...m, created_at: iso(m.created_at)!, read_at: iso(m.read_at) });
const runJson = <T extends { started_at: Date; finished_at: Date | null }>(r: T | null) =>
  r && { ...r, started_at: iso(r.started_at)!, finished_at: iso(r.finished_at) };

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/messages',
    {
      schema: {
        tags: ['messages'],
        summary:
          'Messages sent (who was told what, when, delivered or the error): all for admin/leader, else one’s own',
        querystring: MessageQuery,
        response: { 200: MessageList, ...errors(400, 401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const all = user.role === 'admin' || user.role === 'leader';
      const rows = await listMessages(app.db, {
        userId: all ? null : user.id,
        channel: request.query.channel,
        limit: request.query.limit ?? 100,
      });
      return { messages: rows.map(json) };
    },
  );

  app.get(
    '/inbox',
    {
      schema: {
        tags: ['messages'],
        summary: 'The caller’s in-app inbox and unread count',
        querystring: MessageQuery,
        response: { 200: InboxResponse, ...errors(400, 401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const rows = await listMessages(app.db, { userId: user.id, channel: 'inbox', limit: request.query.limit ?? 50 });
      return { unread: await unreadCount(app.db, user.id), messages: rows.map(json) };
    },
  );

  app.post(
    '/inbox/:id/read',
    {
      schema: {
        tags: ['messages'],
        summary: 'Mark one of the caller’s inbox messages read',
        params: IdParam,
        response: { 204: Type.Null({ description: 'done' }), ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      if (!(await markRead(app.db, request.params.id, userOf(request).id)))
        throw notFound(`message ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/jobs',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Scheduled jobs: schedule, runner, last run, next run, recent errors',
        response: { 200: JobList, ...errors(401, 403) },
      },
    },
    async () => ({
      jobs: (await app.jobs.status()).map((j) => ({
        ...j,
        next_run: iso(j.next_run),
        last_run: runJson(j.last_run),
        last_error: runJson(j.last_error),
        recent: j.recent.map((r) => runJson(r)!),
      })),
    }),
  );

  app.post(
    '/jobs/:name/run',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Run a job now (queued once across instances on PostgreSQL)',
        params: JobNameParams,
        response: { 202: Type.Object({ queued: Type.String() }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await app.jobs.runNow(request.params.name);
      return reply.code(202).send({ queued: request.params.name });
    },
  );
};

export default routes;
