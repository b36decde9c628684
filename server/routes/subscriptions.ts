/**
 * Subscriptions: who gets bulletins and reminders, where. A user subscribes themself (email or
 * inbox); a region's group chat (企业微信 / 钉钉 robot) or another user is subscribed by an admin.
 * What is sent is always built for the subscriber's own scope (a region subscription: that region).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, IdParam } from '../schemas/common.js';
import { SubscriptionBody, Subscription, SubscriptionList } from '../schemas/messages.js';
import { AppError, notFound } from '../errors.js';
import { userOf } from '../plugins/auth.js';
import {
  deleteSubscription,
  insertSubscription,
  listSubscriptions,
  type SubscriptionRow,
} from '../../db/queries/messages.js';

const json = (s: SubscriptionRow) => ({
  id: s.id,
  user_id: s.user_id,
  region_code: s.region_code,
  channel: s.channel,
  address: s.channel === 'wecom' || s.channel === 'dingtalk' ? new URL(s.address!).host : s.address,
  has_secret: s.secret !== null,
  kinds: s.kinds,
  campaign_id: s.campaign_id,
  active: s.active,
  created_at: s.created_at.toISOString(),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['messages'],
        summary: 'Subscriptions: the caller’s own (an admin sees all)',
        response: { 200: SubscriptionList, ...errors(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return { subscriptions: (await listSubscriptions(app.db, user.role === 'admin' ? null : user.id)).map(json) };
    },
  );

  app.post(
    '/',
    {
      schema: {
        tags: ['messages'],
        summary: 'Subscribe to bulletins and reminders by email, in-app, or a region’s group-chat robot',
        body: SubscriptionBody,
        response: { 201: Subscription, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      const forRegion = b.region_code !== undefined;
      const robot = b.channel === 'wecom' || b.channel === 'dingtalk';
      if ((forRegion || robot || (b.user_id !== undefined && b.user_id !== user.id)) && user.role !== 'admin')
        throw new AppError('FORBIDDEN', 'only an admin subscribes a region, a group-chat robot or another user');
      if (forRegion && b.user_id !== undefined)
        throw new AppError('BAD_REQUEST', 'a subscription is for a user or for a region, not both');
      if (forRegion && b.channel === 'inbox') throw new AppError('BAD_REQUEST', 'a region has no inbox');
      if (b.channel !== 'inbox' && !b.address)
        throw new AppError('BAD_REQUEST', `channel ${b.channel} needs an address`);
      if (b.channel === 'email' && !/^[^@\s]+@[^@\s]+$/.test(b.address!))
        throw new AppError('UNPROCESSABLE', 'not an email address', { field: 'address' });
      if (robot) {
        let url: URL;
        try {
          url = new URL(b.address!);
        } catch {
          throw new AppError('UNPROCESSABLE', 'the robot address must be its webhook URL', { field: 'address' });
        }
        if (!/^https?:$/.test(url.protocol))
          throw new AppError('UNPROCESSABLE', 'the robot address must be an http(s) URL', { field: 'address' });
      }
      if (forRegion) {
        const region = await app.db
          .selectFrom('regions')
          .select('code')
          .where('code', '=', b.region_code!)
          .executeTakeFirst();
        if (!region) throw new AppError('UNPROCESSABLE', `unknown region ${b.region_code}`, { field: 'region_code' });
      }
      if (b.campaign_id !== undefined) {
        const c = await app.db.selectFrom('campaigns').select('id').where('id', '=', b.campaign_id).executeTakeFirst();
        if (!c) throw new AppError('UNPROCESSABLE', `unknown campaign ${b.campaign_id}`, { field: 'campaign_id' });
      }
      const row = await insertSubscription(app.db, {
        user_id: forRegion ? null : (b.user_id ?? user.id),
        region_code: forRegion ? b.region_code! : null,
        channel: b.channel,
        address: b.channel === 'inbox' ? null : b.address!,
        secret: b.secret ?? null,
        kinds: b.kinds ?? ['bulletin', 'reminder'],
        campaign_id: b.campaign_id ?? null,
      });
      reply.code(201);
      return json(row);
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Remove a subscription (one’s own; an admin any)',
        params: IdParam,
        response: { 204: Type.Null({ description: 'done' }), ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      if (!(await deleteSubscription(app.db, request.params.id, user.role === 'admin' ? null : user.id)))
        throw notFound(`subscription ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
