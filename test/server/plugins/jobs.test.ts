/**
 * Scheduled jobs: once across instances (PostgreSQL, pg-boss), retried on failure, resumed after a
 * restart, visible to an admin. On PGlite the data directory admits one process, so the jobs run
 * in that one process (the lock test shows why there cannot be a second instance).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { sql } from 'kysely';
import PgBoss from 'pg-boss';
import type { FastifyInstance } from 'fastify';
import { BACKENDS } from '../../helpers/db.js';
import { testConfig } from '../../helpers/app.js';
import { adminUrl } from '../../helpers/pg-url.js';
import { auth, createWorld } from '../../helpers/world.js';
import { buildApp } from '../../../server/app.js';
import { openPGlite, openPostgres, type DbHandle } from '../../../db/index.js';
import type { JobsOptions } from '../../../server/plugins/jobs.js';
import { slotAt, slotKey } from '../../../domain/schedule.js';
import { DAY_MS } from '../../../domain/time.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: () => Promise<T | null | undefined | false>, seconds: number): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await what();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(250);
  }
}
const runs = async (db: DbHandle['db'], name: string) =>
  db.selectFrom('job_runs').selectAll().where('name', '=', name).orderBy('id').execute();

const build = (db: DbHandle, jobs: JobsOptions) =>
  buildApp({ config: testConfig({ jobs: true }), db, ownsDb: false, logger: false, jobs });

describe.each(BACKENDS)('scheduled jobs on $name', (backend) => {
  const apps: FastifyInstance[] = [];
  const handles: DbHandle[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const h of handles.reverse()) await h.close();
  });

  if (backend.name === 'postgres') {
    it('a job scheduled by two app instances runs once per occurrence (pg-boss)', async () => {
      const h1 = await backend.open();
      handles.push(h1);
      const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(h1.db);
      const h2 = await openPostgres(adminUrl(process.env.TEST_DATABASE_URL!, rows[0].db), 3);
      handles.unshift(h2); // closed before h1 drops the database
      const opts = (instance: string): JobsOptions => ({
        instance,
        cronMonitorIntervalSeconds: 1,
        schedules: { 'daily-reminder': { every: 'minutes', minutes: 1 } },
        handlers: { 'daily-reminder': async () => ({ by: instance }) },
      });
      apps.push(await build(h1, opts('A')), await build(h2, opts('B')));
      await until(async () => (await runs(h1.db, 'daily-reminder')).length > 0, 40);
      await sleep(5000);
      const all = await runs(h1.db, 'daily-reminder');
      const perSlot = new Map<string, number>();
      for (const r of all) perSlot.set(r.slot, (perSlot.get(r.slot) ?? 0) + 1);
      expect(
        [...perSlot.values()].every((n) => n === 1),
        JSON.stringify(all.map((r) => [r.slot, r.instance])),
      ).toBe(true);
      expect(all.every((r) => r.ok === true)).toBe(true);
      const sched = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = 'daily-reminder'`.execute(h1.db);
      expect(sched.rows[0].n).toBe(1);
    }, 90_000);

    it('work queued while no instance runs is done when one starts (the queue lives in the database)', async () => {
      const h1 = handles[handles.length - 1];
      for (const a of apps.splice(0)) await a.close();
      const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(h1.db);
      const boss = new PgBoss({
        connectionString: adminUrl(process.env.TEST_DATABASE_URL!, rows[0].db),
        schedule: false,
        supervise: false,
      });
      await boss.start();
      await boss.send('weekly-bulletin', { manual: true });
      await boss.stop({ graceful: false, wait: true });
      apps.push(
        await build(h1, {
          instance: 'C',
          cronMonitorIntervalSeconds: 1,
          handlers: { 'weekly-bulletin': async () => ({ resumed: true }) },
        }),
      );
      const r = await until(async () => (await runs(h1.db, 'weekly-bulletin')).find((x) => x.ok), 30);
      expect(r.instance).toBe('C');
      expect(r.slot).toMatch(/^manual:/);
    }, 60_000);
  } else {
    it('one process only: a second instance cannot open the same data directory, so in-process timers run once', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobs-lock-'));
      const blob = new Blob([readFileSync(inject('pgliteTemplate'))]);
      const first = await openPGlite({ dataDir: dir, loadDataDir: blob });
      try {
        await expect(openPGlite({ dataDir: dir, lockWaitSeconds: 0 })).rejects.toThrow(/another process/);
      } finally {
        await first.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('after a restart, the slot missed while the process was down runs at once', async () => {
      const h = await backend.open();
      handles.push(h);
      const schedule = { every: 'day', at: '08:00' } as const;
      const missed = slotKey(slotAt(schedule, new Date()));
      const older = slotKey(slotAt(schedule, new Date(Date.now() - 2 * DAY_MS)));
      await h.db
        .insertInto('job_runs')
        .values({ name: 'daily-reminder', slot: older, instance: 'before', ok: true })
        .execute();
      apps.push(
        await build(h, { instance: 'after', handlers: { 'daily-reminder': async () => ({ caught_up: true }) } }),
      );
      const r = await until(
        async () => (await runs(h.db, 'daily-reminder')).find((x) => x.instance === 'after' && x.ok),
        20,
      );
      expect(r.slot).toBe(missed);
    }, 60_000);
  }

  it('retries a failed run, records every attempt, and shows last run, next run and the error to an admin', async () => {
    const h = handles[handles.length - 1] ?? (await backend.open());
    if (!handles.includes(h)) handles.push(h);
    for (const a of apps.splice(0)) await a.close();
    const world = await createWorld(h.db);
    let calls = 0;
    const app = await build(h, {
      instance: 'R',
      retryLimit: 2,
      retryDelaySeconds: 1,
      cronMonitorIntervalSeconds: 1,
      handlers: {
        'weekly-bulletin': async () => {
          if (++calls === 1) throw new Error('SMTP down for a moment');
          return { sent: 0 };
        },
      },
    });
    apps.push(app);
    const queued = await app.inject({
      method: 'POST',
      url: '/api/jobs/weekly-bulletin/run',
      headers: auth(world.tokens.admin),
    });
    expect(queued.statusCode).toBe(202);
    const done = await until(async () => (await runs(h.db, 'weekly-bulletin')).find((x) => x.ok), 40);
    const all = (await runs(h.db, 'weekly-bulletin')).filter((x) => x.slot === done.slot);
    expect(all.map((x) => [x.attempt, x.ok, x.error])).toEqual([
      [1, false, 'SMTP down for a moment'],
      [2, true, null],
    ]);
    const res = await app.inject({ method: 'GET', url: '/api/jobs', headers: auth(world.tokens.admin) });
    expect(res.statusCode).toBe(200);
    const job = res.json().jobs.find((j: { name: string }) => j.name === 'weekly-bulletin');
    expect(job).toMatchObject({
      runner: backend.name === 'postgres' ? 'pg-boss' : 'in-process',
      enabled: true,
      time_zone: 'Asia/Shanghai',
      cron: '0 9 * * 1',
      last_run: { ok: true, attempt: 2 },
      last_error: { ok: false, error: 'SMTP down for a moment' },
    });
    // The next Monday 09:00 Asia/Shanghai, after now.
    const next = new Date(job.next_run);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * DAY_MS);
    expect(new Date(next.getTime() + 8 * 3_600_000).getUTCDay()).toBe(1);
    expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: auth(world.tokens.leader) })).statusCode).toBe(
      403,
    );
  }, 90_000);
});
