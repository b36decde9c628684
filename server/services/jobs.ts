/**
 * The scheduled jobs' work, independent of what runs them (pg-boss on PostgreSQL, the in-process
 * scheduler on PGlite: server/plugins/jobs.ts): the weekly bulletin (通报) to its audience, the
 * daily reminder of items due within 24 h or overdue, and the escalation sweep (督办).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { dueItems } from '../../db/queries/messages.js';
import { listCampaigns } from '../../db/queries/campaigns.js';
import { FULL_SCOPE, type Scope } from '../../db/queries/scope.js';
import { escalateOverdue } from '../../db/queries/escalation.js';
import { computeBulletin, percent, type Bulletin } from './bulletins.js';
import { deliverToAudience, type Delivery, type Outgoing } from './delivery.js';
import { bulletinDocx } from '../export/bulletin-docx.js';
import { bulletinXlsx, streamToBuffer } from '../export/bulletin-xlsx.js';
import { lastCompleteWeek, weekWindow, type InterviewRule } from '../../domain/campaigns.js';
import type { IndicatorConfig } from '../../domain/indicators.js';
import { formatShanghaiWall } from '../../domain/time.js';
import type { Schedule } from '../../domain/schedule.js';

export const JOB_NAMES = ['weekly-bulletin', 'daily-reminder', 'escalation-sweep'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export interface JobContext {
  db: Kysely<DB>;
  delivery: Delivery;
  config: IndicatorConfig;
  countyRule: InterviewRule;
  escalationGraceHours: number;
  /** Where the photo store keeps its files (the bulletin embeds thumbnails). */
  photoDir: string;
  now: Date;
}

export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown>>;

export function defaultSchedules(c: { reminderTime: string; bulletinTime: string }): Record<JobName, Schedule> {
  return {
    'weekly-bulletin': { every: 'week', weekday: 1, at: c.bulletinTime },
    'daily-reminder': { every: 'day', at: c.reminderTime },
    'escalation-sweep': { every: 'minutes', minutes: 5 },
  };
}

/** The reminder for one scope: its open items overdue or due within 24 h; null when there are none. */
export async function reminderFor(db: Kysely<DB>, scope: Scope, now: Date): Promise<Outgoing | null> {
  const items = await dueItems(db, scope, now, 24);
  if (items.length === 0) return null;
  const overdue = items.filter((i) => i.overdue);
  const soon = items.filter((i) => !i.overdue);
  const line = (i: (typeof items)[number]) =>
    `- ${i.overdue ? '**[超期]**' : '[24小时内到期]'} #${i.id} ${i.category_name} · ${i.region_name} · 期限 ${formatShanghaiWall(i.due_at).slice(0, 16)}`;
  return {
    subject: `【督办提醒】超期 ${overdue.length} 件，24 小时内到期 ${soon.length} 件`,
    markdown: [...overdue.map(line), ...soon.map(line)].join('\n'),
    data: { items: items.map((i) => i.id), regions: [...new Set(items.map((i) => i.region_code))] },
  };
}

export function bulletinMessage(b: Bulletin, docx: Buffer, xlsx: Buffer): Outgoing {
  const h = b.headline;
  const lines = [
    `本周立案 ${h.filed} 件，结案 ${h.closed} 件，结案率 ${percent(h.closure_rate)}，按期结案率 ${percent(h.on_time_rate)}；未结案 ${h.open} 件，超期 ${h.overdue} 件。`,
    b.red.length ? `**红榜**：${b.red.map((u) => u.name).join('、')}` : '',
    b.black.length ? `**黑榜**：${b.black.map((u) => u.name).join('、')}` : '',
    b.interview.length ? `**约谈**：${b.interview.map((u) => u.name).join('、')}` : '',
  ].filter(Boolean);
  return {
    subject: b.title,
    markdown: lines.join('\n\n'),
    attachments: [
      {
        filename: `${b.title}.docx`,
        content: docx,
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      },
      {
        filename: `${b.title}.xlsx`,
        content: xlsx,
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
    ],
    data: {
      week: b.week,
      campaign_id: b.campaign_id,
      headline: { filed: h.filed, closed: h.closed, open: h.open, overdue: h.overdue },
    },
  };
}

export const JOB_HANDLERS: Record<JobName, JobHandler> = {
  async 'daily-reminder'(ctx) {
    const sent = await deliverToAudience(ctx.db, ctx.delivery, {
      kind: 'reminder',
      defaultRoles: ['manager', 'department'],
      buildFor: (scope) => reminderFor(ctx.db, scope, ctx.now),
    });
    return { sent };
  },

  async 'weekly-bulletin'(ctx) {
    const week = lastCompleteWeek(ctx.now);
    const w = weekWindow(week);
    const campaigns = (await listCampaigns(ctx.db, FULL_SCOPE)).filter((c) => c.starts_at < w.to && c.ends_at > w.from);
    let sent = 0;
    for (const campaign of [null, ...campaigns]) {
      sent += await deliverToAudience(ctx.db, ctx.delivery, {
        kind: 'bulletin',
        defaultRoles: ['leader', 'admin'],
        campaignId: campaign?.id ?? null,
        buildFor: async (scope) => {
          const b = await computeBulletin(ctx.db, {
            campaign,
            week,
            scope,
            now: ctx.now,
            config: ctx.config,
            countyRule: ctx.countyRule,
          });
          return bulletinMessage(b, await bulletinDocx(b, ctx.photoDir), await streamToBuffer(bulletinXlsx(b)));
        },
      });
    }
    return { week, campaigns: campaigns.length, sent };
  },

  async 'escalation-sweep'(ctx) {
    return { escalated: await escalateOverdue(ctx.db, ctx.escalationGraceHours, ctx.now) };
  },
};
