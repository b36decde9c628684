import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql, type RawBuilder } from 'kysely';
import { verify } from '@node-rs/argon2';
import { BACKENDS, resetData } from '../../helpers/db.js';
import type { DbHandle } from '../../../db/index.js';
import { isDemoLoaded, loadDemo, resetDemoData, type LoadDemoResult } from '../../../db/seed/load.js';
import { DEMO_USERS, ensureAdmin, seedDemoUsers } from '../../../db/seed/users.js';

const dataFile = (name: string) => fileURLToPath(new URL(`../../../db/seed/data/${name}`, import.meta.url));
const csv = (name: string) =>
  parse(readFileSync(dataFile(name)), { columns: true }) as { code: string; name: string }[];

const NOW = new Date('2026-11-20T10:00:00+08:00');
const SMALL = { seed: 7, blocks: 60, problems: 300, now: NOW };

describe.each(BACKENDS)('loadDemo on $name', (backend) => {
  let handle: DbHandle;
  let result: LoadDemoResult;
  const one = async <T>(q: RawBuilder<T>) => (await q.execute(handle.db)).rows[0];

  /** Everything the loader wrote that a user could see, as one digest. */
  const fingerprint = async () =>
    one(sql<{ regions: string; problems: string; events: string; points: string }>`SELECT
      (SELECT md5(string_agg(concat_ws('|', ref, name, ST_AsText(geom), region_code), ',' ORDER BY ref)) FROM points) AS points,
      (SELECT md5(string_agg(code || name || level || ST_AsText(geom) || synthetic::text, ',' ORDER BY code)) FROM regions) AS regions,
      (SELECT md5(string_agg(concat_ws('|', id, ST_AsText(geom), category_code, status, region_code, reported_at, due_at, closed_at, description), ',' ORDER BY id)) FROM problems) AS problems,
      (SELECT md5(string_agg(concat_ws('|', problem_id, at, action, from_status, to_status), ',' ORDER BY id)) FROM problem_events) AS events`);

  beforeAll(async () => {
    handle = await backend.open();
    await resetData(handle.db);
    result = await loadDemo(handle.db, SMALL);
  });
  afterAll(async () => {
    await handle.close();
  });

  it('loads the real 18 streets/towns by code and name, and all 225 communities/villages', async () => {
    const streets = await handle.db
      .selectFrom('regions')
      .select(['code', 'name', 'parent_code'])
      .where('level', '=', 'street')
      .orderBy('code')
      .execute();
    expect(streets.map((s) => [s.code, s.name])).toEqual(csv('streets-430121.csv').map((s) => [s.code, s.name]));
    expect(streets.every((s) => s.parent_code === '430121')).toBe(true);
    expect(streets.map((s) => s.name)).toContain('星沙街道');
    const communities = await handle.db
      .selectFrom('regions')
      .select(['code', 'parent_code'])
      .where('level', '=', 'community')
      .orderBy('code')
      .execute();
    expect(communities.map((c) => c.code)).toEqual(
      csv('communities-430121.csv')
        .map((c) => c.code)
        .sort(),
    );
    expect(communities.every((c) => c.parent_code === c.code.slice(0, 9))).toBe(true);
    expect(result).toMatchObject({ streets: 18, communities: 225 });
  });

  it('repairs the published county outline through the import path (~1,757.6 km²) and keeps it the only non-synthetic region', async () => {
    expect(result.outline).toHaveLength(1);
    expect(result.outline[0].reason).toMatch(/^Self-intersection/);
    expect(result.outline[0].area_after_m2 / 1e6).toBeCloseTo(1757.6, 1);
    const flags = await one(sql<{ county: boolean; others: number }>`SELECT
      (SELECT synthetic FROM regions WHERE code = '430121') AS county,
      (SELECT count(*)::int FROM regions WHERE level <> 'county' AND NOT synthetic) AS others`);
    expect(flags).toEqual({ county: false, others: 0 });
  });

  it('gives every community at least one block, each with a 15-digit code under its community', async () => {
    const r = await one(sql<{ blocks: number; bad: number; empty: number }>`SELECT
      (SELECT count(*)::int FROM regions WHERE level = 'block') AS blocks,
      (SELECT count(*)::int FROM regions WHERE level = 'block' AND NOT (code ~ '^[0-9]{15}$' AND left(code, 12) = parent_code)) AS bad,
      (SELECT count(*)::int FROM regions c WHERE c.level = 'community' AND NOT EXISTS (SELECT 1 FROM regions b WHERE b.parent_code = c.code)) AS empty`);
    expect(r.blocks).toBe(result.blocks);
    expect(r.blocks).toBeGreaterThanOrEqual(225);
    expect(r.bad).toBe(0);
    expect(r.empty).toBe(0);
  });

  it('assigns every problem to the block whose polygon covers its point', async () => {
    const r = await one(sql<{ n: number; not_block: number; not_covering: number }>`SELECT count(*)::int AS n,
      count(*) FILTER (WHERE length(p.region_code) <> 15)::int AS not_block,
      count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = p.region_code AND ST_Covers(r.geom, p.geom)))::int AS not_covering
      FROM problems p`);
    expect(r).toEqual({ n: 300, not_block: 0, not_covering: 0 });
  });

  it('places synthetic assessment points of many types, each in the block covering it, with the standards seeded', async () => {
    const r = await one(sql<{
      n: number;
      types: number;
      not_synthetic: number;
      not_covering: number;
      standards: number;
    }>`SELECT
      count(*)::int AS n, count(DISTINCT type_code)::int AS types, count(*) FILTER (WHERE NOT synthetic)::int AS not_synthetic,
      count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = p.region_code AND r.level = 'block' AND ST_Covers(r.geom, p.geom)))::int AS not_covering,
      (SELECT count(*)::int FROM standards) AS standards
      FROM points p`);
    expect(r.types).toBeGreaterThanOrEqual(20);
    expect(r.n).toBe(result.points);
    expect(r.n).toBeGreaterThan(150);
    expect({ not_synthetic: r.not_synthetic, not_covering: r.not_covering, standards: r.standards }).toEqual({
      not_synthetic: 0,
      not_covering: 0,
      standards: 24,
    });
  });

  it('has a mix of statuses, some open past their deadline, with deadlines after filing', async () => {
    const r = await one(sql<{
      statuses: number;
      overdue: number;
      filed_without_due: number;
      due_before_filed: number;
      closed_without_at: number;
    }>`SELECT
      count(DISTINCT status)::int AS statuses,
      count(*) FILTER (WHERE status NOT IN ('closed', 'voided') AND due_at < ${NOW}::timestamptz)::int AS overdue,
      count(*) FILTER (WHERE filed_at IS NOT NULL AND due_at IS NULL)::int AS filed_without_due,
      count(*) FILTER (WHERE due_at <= filed_at)::int AS due_before_filed,
      count(*) FILTER (WHERE status = 'closed' AND (closed_at IS NULL OR resolved_at IS NULL))::int AS closed_without_at
      FROM problems`);
    expect(r.statuses).toBeGreaterThanOrEqual(4);
    expect(r.overdue).toBeGreaterThan(0);
    expect(r.overdue).toBe(result.overdue);
    expect(r.filed_without_due).toBe(0);
    expect(r.due_before_filed).toBe(0);
    expect(r.closed_without_at).toBe(0);
  });

  it('writes the history of every problem to the record: a create first, one event per version, reworks counted', async () => {
    const r = await one(sql<{ events: number; no_create: number; version_mismatch: number; rework_mismatch: number }>`
      WITH e AS (
        SELECT problem_id, count(*)::int AS n, count(*) FILTER (WHERE action = 'rework')::int AS reworks,
               (array_agg(action ORDER BY at, id))[1] AS first_action
          FROM problem_events GROUP BY problem_id
      )
      SELECT (SELECT count(*)::int FROM problem_events) AS events,
             count(*) FILTER (WHERE e.first_action IS DISTINCT FROM 'create')::int AS no_create,
             count(*) FILTER (WHERE e.n IS DISTINCT FROM p.version)::int AS version_mismatch,
             count(*) FILTER (WHERE e.reworks IS DISTINCT FROM p.rework_count)::int AS rework_mismatch
        FROM problems p LEFT JOIN e ON e.problem_id = p.id`);
    expect(r).toEqual({ events: result.events, no_create: 0, version_mismatch: 0, rework_mismatch: 0 });
  });

  it('flags problems overdue for more than a day as escalated, each with one system escalate event', async () => {
    const r = await one(sql<{ escalated: number; events: number; wrong: number }>`SELECT
      (SELECT count(*)::int FROM problems WHERE escalated) AS escalated,
      (SELECT count(*)::int FROM problem_events WHERE action = 'escalate' AND actor = 'system') AS events,
      (SELECT count(*)::int FROM problems WHERE escalated <> (status NOT IN ('closed', 'voided') AND due_at < ${NOW}::timestamptz - interval '24 hours')) AS wrong`);
    expect(r.escalated).toBeGreaterThan(0);
    expect(r.events).toBe(r.escalated);
    expect(r.wrong).toBe(0);
  });

  it('refuses to load into a database that already has regions', async () => {
    await expect(loadDemo(handle.db, SMALL)).rejects.toThrow(/already holds regions/);
  });

  it('creates the demo users: the manager owns the busiest block of 星沙街道 (so the demo has work), passwords hashed with argon2', async () => {
    expect(await isDemoLoaded(handle.db)).toBe(true);
    const written = await seedDemoUsers(handle.db);
    expect(written.sort()).toEqual(DEMO_USERS.map((u) => u.username).sort());
    const users = await handle.db
      .selectFrom('users')
      .select(['username', 'role', 'scope', 'department', 'password_hash', 'demo'])
      .orderBy('username')
      .execute();
    const firstBlock = await one(
      sql<{
        code: string;
      }>`SELECT r.code FROM regions r LEFT JOIN problems p ON p.region_code = r.code AND p.status NOT IN ('closed', 'voided')
         WHERE r.level = 'block' AND r.code LIKE '430121001%' GROUP BY r.code ORDER BY count(p.id) DESC, r.code LIMIT 1`,
    );
    const open = await one(
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM problems WHERE region_code = ${firstBlock.code} AND status NOT IN ('closed', 'voided')`,
    );
    expect(open.n).toBeGreaterThan(0);
    const manager = users.find((u) => u.username === 'manager')!;
    expect(manager.scope).toEqual([firstBlock.code]);
    expect(users.find((u) => u.username === 'community')!.scope).toEqual([firstBlock.code.slice(0, 12)]);
    expect(users.find((u) => u.username === 'dept')!.department).toBe('城管局');
    expect(users.every((u) => u.demo)).toBe(true);
    expect(await verify(manager.password_hash, 'demo-manager-2026')).toBe(true);
    expect(await verify(manager.password_hash, 'demo-admin-2026')).toBe(false);
  });

  it('ensureAdmin creates admin only when no admin exists, and refuses a short password', async () => {
    expect(await ensureAdmin(handle.db, 'a-long-enough-secret')).toBe(false); // the demo admin exists
    await sql`DELETE FROM users`.execute(handle.db);
    await expect(ensureAdmin(handle.db, 'short')).rejects.toThrow(/at least 8/);
    expect(await ensureAdmin(handle.db, 'a-long-enough-secret')).toBe(true);
    expect(await ensureAdmin(handle.db, 'another-long-secret')).toBe(false);
    const admin = await handle.db
      .selectFrom('users')
      .select(['role', 'demo', 'password_hash'])
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    expect(admin.role).toBe('admin');
    expect(admin.demo).toBe(false);
    expect(await verify(admin.password_hash, 'a-long-enough-secret')).toBe(true);
  });

  it('is deterministic: the same seed and time give the same county, problems and record', async () => {
    const before = await fingerprint();
    await resetDemoData(handle.db);
    expect(await isDemoLoaded(handle.db)).toBe(false);
    await loadDemo(handle.db, SMALL);
    expect(await fingerprint()).toEqual(before);
  });
});
