/**
 * Subscriptions (who wants which messages, where) and the record of every message sent (who was
 * told what, when, and whether it arrived). The in-app inbox is the messages of a user.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Channel, DB, MessagesTable, SubscriptionsTable } from '../types.js';
import { OPEN_STATUS_SQL } from './filters.js';
import { problemScopeSql, type Scope } from './scope.js';

export type SubscriptionRow = Selectable<SubscriptionsTable>;

/** What a new subscription names; it starts active, stamped now. */
export type SubscriptionInput = Omit<SubscriptionRow, 'id' | 'active' | 'created_at'>;

export async function insertSubscription(db: Kysely<DB>, s: SubscriptionInput): Promise<SubscriptionRow> {
  return (await db.insertInto('subscriptions').values(s).returningAll().executeTakeFirstOrThrow()) as SubscriptionRow;
}

/** Subscriptions of one user (own), or every one (userId null, for the admin). */
export async function listSubscriptions(db: Kysely<DB>, userId: number | null): Promise<SubscriptionRow[]> {
  let q = db.selectFrom('subscriptions').selectAll().orderBy('id');
  if (userId !== null) q = q.where('user_id', '=', userId);
  return (await q.execute()) as SubscriptionRow[];
}

/** Deletes a subscription (only the owner's unless `userId` is null); false on a miss. */
export async function deleteSubscription(db: Kysely<DB>, id: number, userId: number | null): Promise<boolean> {
  let q = db.deleteFrom('subscriptions').where('id', '=', id);
  if (userId !== null) q = q.where('user_id', '=', userId);
  return Number((await q.executeTakeFirst()).numDeletedRows) > 0;
}

/** Active subscriptions for a message kind (and campaign, when given), with their user's role and scope. */
export async function subscribersOf(db: Kysely<DB>, kind: string, campaignId: number | null) {
  return db
    .selectFrom('subscriptions as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.user_id',
      's.region_code',
      's.channel',
      's.address',
      's.secret',
      's.campaign_id',
      'u.role',
      'u.scope',
      'u.department',
      'u.active as user_active',
    ])
    .where('s.active', '=', true)
    .where(sql<boolean>`${kind} = ANY (s.kinds)`)
    .where((eb) =>
      campaignId === null
        ? eb('s.campaign_id', 'is', null)
        : eb.or([eb('s.campaign_id', 'is', null), eb('s.campaign_id', '=', campaignId)]),
    )
    .orderBy('s.id')
    .execute();
}

/** Active users with these roles (the default, in-app audience of a message kind). */
export async function usersWithRoles(db: Kysely<DB>, roles: string[]) {
  return db
    .selectFrom('users')
    .select(['id', 'role', 'scope', 'department', 'display_name'])
    .where('active', '=', true)
    .where('role', 'in', roles as never)
    .orderBy('id')
    .execute();
}

/** A message to record as sent (or failed); `data` is stored as JSON. */
export type MessageRecord = Omit<Selectable<MessagesTable>, 'id' | 'created_at' | 'read_at'>;

export async function recordMessage(db: Kysely<DB>, m: MessageRecord): Promise<number> {
  const row = await db
    .insertInto('messages')
    .values({ ...m, data: m.data === undefined ? null : JSON.stringify(m.data) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export type MessageRow = Omit<Selectable<MessagesTable>, 'subscription_id'>;

/** The record of messages, newest first: one user's (userId) or everyone's (null). */
export async function listMessages(
  db: Kysely<DB>,
  opts: { userId: number | null; channel?: Channel; limit: number },
): Promise<MessageRow[]> {
  let q = db.selectFrom('messages').selectAll().orderBy('id', 'desc').limit(opts.limit);
  if (opts.userId !== null) q = q.where('user_id', '=', opts.userId);
  if (opts.channel) q = q.where('channel', '=', opts.channel);
  const rows = (await q.execute()) as unknown as MessageRow[];
  return rows.map((r) => ({ ...r, id: Number(r.id), data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }));
}

export async function unreadCount(db: Kysely<DB>, userId: number): Promise<number> {
  const r = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('channel', '=', 'inbox')
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Marks one of the user's inbox messages read; false when it is not theirs. */
export async function markRead(db: Kysely<DB>, id: number, userId: number): Promise<boolean> {
  const r = await db
    .updateTable('messages')
    .set({ read_at: new Date() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('channel', '=', 'inbox')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface ReminderItem {
  id: number;
  category_name: string;
  region_code: string;
  region_name: string;
  description: string;
  due_at: Date;
  overdue: boolean;
}

/**
 * Open items inside the scope that are overdue at `now` or fall due within `hours` after it,
 * soonest deadline first (the daily reminder's list).
 */
export async function dueItems(
  db: Kysely<DB>,
  scope: Scope,
  now: Date,
  hours = 24,
  limit = 50,
): Promise<ReminderItem[]> {
  const until = new Date(now.getTime() + hours * 3_600_000);
  const { rows } = await sql<ReminderItem>`
    SELECT p.id, c.name AS category_name, p.region_code, r.name AS region_name, p.description, p.due_at,
           (p.due_at < ${now}::timestamptz) AS overdue
    FROM problems p
    JOIN categories c ON c.code = p.category_code
    JOIN regions r ON r.code = p.region_code
    WHERE p.status IN ${OPEN_STATUS_SQL} AND p.due_at < ${until}::timestamptz
      AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}
    ORDER BY p.due_at, p.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
