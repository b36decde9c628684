/**
 * Delivery of messages: the in-app inbox, email (nodemailer over the SMTP server in SMTP_URL), and
 * group-chat robots — 企业微信 (WeCom) and 钉钉 (DingTalk) webhooks in their markdown message format,
 * DingTalk's URL signed with HmacSHA256 over `timestamp + "\n" + secret`. Every attempt is recorded
 * in `messages` with its result, so "who was told" is on the record. Without SMTP, email
 * subscriptions fall back to the inbox.
 *
 * Audience and scope: a user's message is built for that user's own scope, a region subscription's
 * for that region only (buildFor below), so nobody is sent another area's items.
 */
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { recordMessage, subscribersOf, usersWithRoles, type MessageRecord } from '../../db/queries/messages.js';
import { scopeOf } from '../plugins/auth.js';
import type { Scope } from '../../db/queries/scope.js';
import type { Role } from '../../domain/workflow.js';

export interface Outgoing {
  subject: string;
  /** Markdown (robots render it; email and inbox show it as text). */
  markdown: string;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
  /** Structured content recorded with the message (e.g. the item ids a reminder named). */
  data?: unknown;
}

export interface DeliveryConfig {
  smtpUrl: string | null;
  smtpFrom: string;
}

/** WeCom robot markdown message (content ≤ 4096 bytes). */
export function wecomPayload(m: Outgoing): { msgtype: 'markdown'; markdown: { content: string } } {
  const content = `## ${m.subject}\n${m.markdown}`;
  return { msgtype: 'markdown', markdown: { content: truncateBytes(content, 4096) } };
}

/** DingTalk robot markdown message. */
export function dingtalkPayload(m: Outgoing): { msgtype: 'markdown'; markdown: { title: string; text: string } } {
  return {
    msgtype: 'markdown',
    markdown: { title: m.subject, text: truncateBytes(`## ${m.subject}\n\n${m.markdown}`, 18_000) },
  };
}

/** DingTalk's signed URL: timestamp (ms) and sign = base64(HmacSHA256(secret, timestamp + "\n" + secret)). */
export function dingtalkSignedUrl(url: string, secret: string | null, now = Date.now()): string {
  if (!secret) return url;
  const sign = createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(now));
  u.searchParams.set('sign', sign);
  return u.toString();
}

function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = s;
  while (Buffer.byteLength(out) > max - 3) out = out.slice(0, -16);
  return `${out}…`;
}

/** Both robots answer HTTP 200 with { errcode, errmsg }; errcode 0 is success. */
async function postRobot(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  let answer: { errcode?: number; errmsg?: string } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error(`not a robot answer: ${text.slice(0, 200)}`);
  }
  if (answer.errcode !== 0) throw new Error(`errcode ${answer.errcode}: ${answer.errmsg ?? ''}`);
}

/** Where one message goes: the recipient as the record names them, and the webhook's signing secret. */
export type Target = Pick<
  MessageRecord,
  'kind' | 'channel' | 'user_id' | 'region_code' | 'subscription_id' | 'address'
> & { secret: string | null };

export class Delivery {
  private transport: Transporter | null;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: DeliveryConfig,
  ) {
    this.transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null;
  }

  get emailConfigured(): boolean {
    return this.transport !== null;
  }

  /** Sends one message to one target and records the result; never throws for a delivery failure. */
  async send(t: Target, m: Outgoing): Promise<{ id: number; status: 'delivered' | 'failed'; error: string | null }> {
    let channel = t.channel;
    if (channel === 'email' && !this.transport) channel = 'inbox';
    let error: string | null = null;
    try {
      if (channel === 'email') {
        await this.transport!.sendMail({
          from: this.config.smtpFrom,
          to: t.address!,
          subject: m.subject,
          text: m.markdown,
          attachments: m.attachments,
        });
      } else if (channel === 'wecom') {
        await postRobot(t.address!, wecomPayload(m));
      } else if (channel === 'dingtalk') {
        await postRobot(dingtalkSignedUrl(t.address!, t.secret), dingtalkPayload(m));
      } else if (t.user_id === null) {
        throw new Error('an inbox message needs a user');
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const status = error ? 'failed' : 'delivered';
    const id = await recordMessage(this.db, {
      kind: t.kind,
      channel,
      user_id: t.user_id,
      region_code: t.region_code,
      subscription_id: t.subscription_id,
      // Webhook URLs carry the robot's key: the record names the host only.
      address: channel === 'wecom' || channel === 'dingtalk' ? new URL(t.address!).host : t.address,
      subject: m.subject,
      body: m.markdown,
      data: { ...(m.data as object), attachments: m.attachments?.map((a) => a.filename) },
      status,
      error,
    });
    return { id, status, error };
  }

  close(): void {
    this.transport?.close();
  }
}

export interface Audience {
  kind: string;
  /** Roles that get the message in the inbox without any subscription. */
  defaultRoles: Role[];
  campaignId?: number | null;
  /** Builds the message for one scope; null = nothing to say to that scope. */
  buildFor(scope: Scope): Promise<Outgoing | null>;
}

/**
 * Delivers a message kind to its audience: the default roles' inboxes, every user subscription
 * (built for the user's own scope) and every region subscription (built for that region only).
 * Returns the number of messages recorded.
 */
export async function deliverToAudience(db: Kysely<DB>, delivery: Delivery, a: Audience): Promise<number> {
  const cache = new Map<string, Outgoing | null>();
  const build = async (scope: Scope) => {
    const key = JSON.stringify(scope);
    if (!cache.has(key)) cache.set(key, await a.buildFor(scope));
    return cache.get(key)!;
  };
  const userScope = (u: { id: number; role: string; scope: string[]; department: string | null }) =>
    scopeOf({
      id: u.id,
      username: '',
      display_name: '',
      role: u.role as Role,
      regions: u.scope,
      department: u.department,
    });
  let sent = 0;
  const inboxed = new Set<number>();
  for (const u of await usersWithRoles(db, a.defaultRoles)) {
    const m = await build(userScope(u));
    if (!m) continue;
    await delivery.send(
      {
        kind: a.kind,
        channel: 'inbox',
        user_id: u.id,
        region_code: null,
        subscription_id: null,
        address: null,
        secret: null,
      },
      m,
    );
    inboxed.add(u.id);
    sent++;
  }
  for (const s of await subscribersOf(db, a.kind, a.campaignId ?? null)) {
    if (s.user_id !== null && !s.user_active) continue;
    const scope: Scope =
      s.user_id !== null
        ? userScope({ id: s.user_id, role: s.role!, scope: s.scope ?? [], department: s.department ?? null })
        : { regions: [s.region_code!], department: null };
    const m = await build(scope);
    if (!m) continue;
    if (s.channel === 'inbox' && s.user_id !== null && inboxed.has(s.user_id)) continue;
    await delivery.send(
      {
        kind: a.kind,
        channel: s.channel,
        user_id: s.user_id,
        region_code: s.region_code,
        subscription_id: s.id,
        address: s.address,
        secret: s.secret,
      },
      m,
    );
    sent++;
  }
  return sent;
}
