import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';
import { mailText, mimeParts, startRobots, startSmtp } from '../../helpers/receivers.js';
import { Delivery, dingtalkSignedUrl } from '../../../server/services/delivery.js';

const HOUR = 3_600_000;
const smtp = await startSmtp();
const robots = await startRobots({ 'dt-street1': 'SECstreet1secret', 'dt-wrong': 'SECtherealone' });
afterAll(async () => {
  await smtp.close();
  await robots.close();
});

describe.each(BACKENDS)('delivery on $name', (backend) => {
  const t = useApp(backend, { world: 'once', config: { smtpUrl: smtp.url, smtpFrom: 'pm@test.local' } });
  const ids: Record<string, number> = {};

  const problem = async (key: string, block: string, dueInHours: number, category = '06010') => {
    const [lon, lat] = centre(block);
    const now = Date.now();
    const { rows } = await sql<{
      id: number;
    }>`INSERT INTO problems (category_code, description, status, geom, region_code, reported_at, filed_at, due_at)
      VALUES (${category}, ${'提醒测试' + key}, 'filed', ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${block},
        ${new Date(now - 72 * HOUR)}, ${new Date(now - 72 * HOUR)}, ${new Date(now + dueInHours * HOUR)}) RETURNING id`.execute(
      t.handle.db,
    );
    ids[key] = Number(rows[0].id);
  };

  beforeAll(async () => {
    smtp.mails.length = 0;
    robots.calls.length = 0;
    await problem('mineOverdue', MANAGER_BLOCK, -2);
    await problem('mineSoon', MANAGER_BLOCK, 10);
    await problem('mineLater', MANAGER_BLOCK, 48);
    await problem('neighOverdue', NEIGHBOUR_BLOCK, -3);
    await problem('street2Overdue', '430121002001001', -4);
    const db = t.handle.db;
    const w = t.world;
    await db
      .insertInto('subscriptions')
      .values([
        {
          user_id: w.userIds.manager,
          region_code: null,
          channel: 'email',
          address: 'manager@county.test',
          secret: null,
          kinds: ['reminder'],
          campaign_id: null,
        },
        {
          user_id: w.userIds.leader,
          region_code: null,
          channel: 'email',
          address: 'leader@county.test',
          secret: null,
          kinds: ['bulletin'],
          campaign_id: null,
        },
        {
          user_id: null,
          region_code: '430121002',
          channel: 'wecom',
          address: `${robots.base}/cgi-bin/webhook/send?key=wc-street2`,
          secret: null,
          kinds: ['reminder'],
          campaign_id: null,
        },
        {
          user_id: null,
          region_code: '430121001',
          channel: 'dingtalk',
          address: `${robots.base}/robot/send?access_token=dt-street1`,
          secret: 'SECstreet1secret',
          kinds: ['reminder'],
          campaign_id: null,
        },
        {
          user_id: null,
          region_code: '430121001',
          channel: 'dingtalk',
          address: `${robots.base}/robot/send?access_token=dt-wrong`,
          secret: 'SECnotthesecret',
          kinds: ['reminder'],
          campaign_id: null,
        },
      ])
      .execute();
  });

  it('the daily reminder gives a manager only their own block’s items (overdue and due within 24 h), by email and in the inbox', async () => {
    await t.app.jobs.runRecorded('daily-reminder', 'test-slot');
    const mail = smtp.mails.find((m) => m.to.includes('manager@county.test'));
    expect(mail, 'a mail reached the SMTP server').toBeDefined();
    const text = mailText(mail!.raw);
    expect(text).toContain(`#${ids.mineOverdue} `);
    expect(text).toContain(`#${ids.mineSoon} `);
    for (const k of ['mineLater', 'neighOverdue', 'street2Overdue']) expect(text).not.toContain(`#${ids[k]} `);
    const { rows } = await sql<{ channel: string; data: { items: number[] }; status: string }>`
      SELECT channel, data, status FROM messages WHERE user_id = ${t.world.userIds.manager} AND kind = 'reminder' ORDER BY id`.execute(
      t.handle.db,
    );
    expect(rows.map((r) => r.channel).sort()).toEqual(['email', 'inbox']);
    for (const r of rows) {
      expect(r.status).toBe('delivered');
      const data = typeof r.data === 'string' ? JSON.parse(r.data) : r.data;
      expect(data.items).toEqual([ids.mineOverdue, ids.mineSoon]);
    }
  });

  it('a region’s group chat gets that region’s items only: 企业微信 markdown, and 钉钉 markdown with a valid signature', async () => {
    const wecom = robots.calls.filter((c) => c.robot === 'wecom');
    expect(wecom).toHaveLength(1);
    expect(wecom[0].ok).toBe(true);
    expect(wecom[0].body.markdown.content).toContain(`#${ids.street2Overdue}`);
    expect(wecom[0].body.markdown.content).not.toContain(`#${ids.mineOverdue}`);
    const dt = robots.calls.filter((c) => c.robot === 'dingtalk' && c.key === 'dt-street1');
    expect(dt).toHaveLength(1);
    expect(dt[0].ok).toBe(true);
    expect(dt[0].body.markdown.text).toContain(`#${ids.neighOverdue}`);
    expect(dt[0].body.markdown.text).not.toContain(`#${ids.street2Overdue}`);
  });

  it('records a refused delivery with the robot’s error (wrong 钉钉 secret)', async () => {
    const { rows } = await sql<{ status: string; error: string; address: string }>`
      SELECT status, error, address FROM messages WHERE channel = 'dingtalk' ORDER BY id`.execute(t.handle.db);
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'failed']);
    expect(rows[1].error).toBe('errcode 310000: sign not match');
    // The record names the robot's host, never its key.
    expect(rows[1].address).not.toContain('dt-wrong');
  });

  it('the weekly bulletin reaches leaders in the inbox and by email with the Word and Excel files', async () => {
    await t.app.jobs.runRecorded('weekly-bulletin', 'test-slot');
    const mail = smtp.mails.find((m) => m.to.includes('leader@county.test'));
    expect(mail).toBeDefined();
    const parts = mimeParts(mail!.raw);
    const type = (p: { headers: Record<string, string> }) => p.headers['content-type'] ?? '';
    const docx = parts.find((p) =>
      type(p).startsWith('application/vnd.openxmlformats-officedocument.wordprocessingml'),
    );
    const xlsx = parts.find((p) => type(p).startsWith('application/vnd.openxmlformats-officedocument.spreadsheetml'));
    // Both attachments arrive whole: zip files start with PK\x03\x04.
    expect(docx?.body.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(xlsx?.body.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(mailText(mail!.raw)).toContain('本周立案');
    const inbox = (
      await t.app.inject({ method: 'GET', url: '/api/inbox', headers: auth(t.world.tokens.leader) })
    ).json();
    expect(inbox.unread).toBe(1);
    expect(inbox.messages[0].kind).toBe('bulletin');
    const read = await t.app.inject({
      method: 'POST',
      url: `/api/inbox/${inbox.messages[0].id}/read`,
      headers: auth(t.world.tokens.leader),
    });
    expect(read.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/inbox', headers: auth(t.world.tokens.leader) })).json().unread,
    ).toBe(0);
    // Nobody else may mark it.
    const other = await t.app.inject({
      method: 'POST',
      url: `/api/inbox/${inbox.messages[0].id}/read`,
      headers: auth(t.world.tokens.manager),
    });
    expect(other.statusCode).toBe(404);
  });

  it('without SMTP, an email lands in the in-app inbox only', async () => {
    const d = new Delivery(t.handle.db, { smtpUrl: null, smtpFrom: 'x@y' });
    const r = await d.send(
      {
        kind: 'reminder',
        channel: 'email',
        user_id: t.world.userIds.inspector,
        region_code: null,
        subscription_id: null,
        address: 'i@county.test',
        secret: null,
      },
      { subject: '测试', markdown: '正文' },
    );
    const row = await t.handle.db
      .selectFrom('messages')
      .select(['channel', 'status'])
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: 'inbox', status: 'delivered' });
  });

  it('the record answers "who was told": a leader sees every message, a manager only their own', async () => {
    const all = (
      await t.app.inject({ method: 'GET', url: '/api/messages', headers: auth(t.world.tokens.leader) })
    ).json();
    expect(all.messages.length).toBeGreaterThanOrEqual(6);
    const mine = (
      await t.app.inject({ method: 'GET', url: '/api/messages', headers: auth(t.world.tokens.manager) })
    ).json();
    expect(mine.messages.length).toBe(2);
    for (const m of mine.messages) expect(m.user_id).toBe(t.world.userIds.manager);
  });
});

describe('dingtalkSignedUrl', () => {
  it('signs timestamp + "\\n" + secret with HmacSHA256, base64, in the URL', () => {
    const url = new URL(
      dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SEC123', 1_700_000_000_000),
    );
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    // Computed independently: printf '1700000000000\nSEC123' | openssl dgst -sha256 -hmac SEC123 -binary | base64
    expect(url.searchParams.get('sign')).toBe(SIGN);
  });
});
const SIGN = 'lkcPI1uoxBY1gUnCnnPH1Kkru0Hqjo7rFpA3haIVhEQ=';
