/** Schemas of subscriptions, the message record, the inbox and the admin's jobs view. */
import { Type, type Static } from 'typebox';
import { RegionCode } from './common.js';

export const Channel = Type.Unsafe<'inbox' | 'email' | 'wecom' | 'dingtalk'>({
  type: 'string',
  enum: ['inbox', 'email', 'wecom', 'dingtalk'],
  description: 'inbox (in-app), email, wecom (企业微信 robot), dingtalk (钉钉 robot)',
});
export const MessageKind = Type.Unsafe<'bulletin' | 'reminder'>({ type: 'string', enum: ['bulletin', 'reminder'] });

export const SubscriptionBody = Type.Object(
  {
    channel: Channel,
    address: Type.Optional(
      Type.String({ minLength: 3, maxLength: 500, description: 'email address, or the robot webhook URL' }),
    ),
    secret: Type.Optional(Type.String({ maxLength: 200, description: '钉钉 robot signing secret (SEC…)' })),
    kinds: Type.Optional(
      Type.Array(MessageKind, { minItems: 1, uniqueItems: true, default: ['bulletin', 'reminder'] }),
    ),
    region_code: Type.Optional(RegionCode),
    user_id: Type.Optional(Type.Integer({ minimum: 1, description: 'admin only: subscribe another user' })),
    campaign_id: Type.Optional(Type.Integer({ minimum: 1, description: 'only this campaign’s bulletins' })),
  },
  { additionalProperties: false },
);
export type SubscriptionBody = Static<typeof SubscriptionBody>;

export const Subscription = Type.Object({
  id: Type.Integer(),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  region_code: Type.Union([Type.String(), Type.Null()]),
  channel: Channel,
  address: Type.Union([Type.String(), Type.Null()]),
  has_secret: Type.Boolean(),
  kinds: Type.Array(Type.String()),
  campaign_id: Type.Union([Type.Integer(), Type.Null()]),
  active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export const SubscriptionList = Type.Object({ subscriptions: Type.Array(Subscription) });

export const Message = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  channel: Channel,
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  region_code: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  subject: Type.String(),
  body: Type.String(),
  data: Type.Unknown(),
  status: Type.Union([Type.Literal('delivered'), Type.Literal('failed')]),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  read_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const MessageList = Type.Object({ messages: Type.Array(Message) });
export const MessageQuery = Type.Object({
  channel: Type.Optional(Channel),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
export const InboxResponse = Type.Object({ unread: Type.Integer(), messages: Type.Array(Message) });

const Run = Type.Object({
  slot: Type.String(),
  attempt: Type.Integer(),
  instance: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  ok: Type.Union([Type.Boolean(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  result: Type.Unknown(),
});
export const JobStatus = Type.Object({
  name: Type.String(),
  schedule: Type.Unknown(),
  cron: Type.String(),
  time_zone: Type.String(),
  runner: Type.Union([Type.Literal('pg-boss'), Type.Literal('in-process')]),
  enabled: Type.Boolean(),
  next_run: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_run: Type.Union([Run, Type.Null()]),
  last_error: Type.Union([Run, Type.Null()]),
  recent: Type.Array(Run),
});
export const JobList = Type.Object({ jobs: Type.Array(JobStatus) });
export const JobNameParams = Type.Object({
  name: Type.Unsafe<'weekly-bulletin' | 'daily-reminder' | 'escalation-sweep'>({
    type: 'string',
    enum: ['weekly-bulletin', 'daily-reminder', 'escalation-sweep'],
  }),
});
