/**
 * Scheduled jobs on the database (DESIGN.md "Jobs and messages").
 *
 * PostgreSQL: pg-boss 10 keeps the schedules and the queue in the database (schema `pgboss`, over
 * the app's own pool through its `db` adapter). Its cron monitor runs on one instance per
 * interval and each scheduled occurrence becomes one job (singleton per minute), which one worker
 * of one instance takes: a job scheduled by every instance runs once. Failed runs are retried by
 * pg-boss (retryLimit, retryDelay with backoff); queued jobs survive a restart.
 *
 * PGlite: a data directory is opened by one process at a time (db/index.ts locks it), so there is
 * exactly one instance and plain timers in this process run each job once. The same handlers run,
 * with the same retries; on start a slot missed while the process was down (the last recorded run
 * is older than the latest slot) is run at once, so a restart does not skip a week's bulletin.
 *
 * Both record every run in `job_runs` (name, slot, attempt, instance, result or error), which the
 * admin route GET /api/jobs reads with the next run.
 */
import { hostname } from 'node:os';
import fp from 'fastify-plugin';
import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import { Delivery } from '../services/delivery.js';
import { JOB_HANDLERS, JOB_NAMES, defaultSchedules, type JobHandler, type JobName } from '../services/jobs.js';
import { cronOf, nextRunAfter, slotAt, slotKey, type Schedule } from '../../domain/schedule.js';
import { TIME_ZONE } from '../../domain/time.js';

export interface JobsOptions {
  /** Override schedules (tests run a job every minute). */
  schedules?: Partial<Record<JobName, Schedule>>;
  /** Override handlers (tests inject a failing one). */
  handlers?: Partial<Record<JobName, JobHandler>>;
  /** Retries after a failed run (default 3) and the first delay, seconds (default 60, doubling). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** pg-boss monitor interval, seconds (default 30; tests use 1). */
  cronMonitorIntervalSeconds?: number;
  /** Name of this instance in the record (default host:pid). */
  instance?: string;
}

export interface JobStatus {
  name: JobName;
  schedule: Schedule;
  cron: string;
  time_zone: string;
  runner: 'pg-boss' | 'in-process';
  enabled: boolean;
  next_run: Date | null;
  last_run: RunRow | null;
  last_error: RunRow | null;
  recent: RunRow[];
}

interface RunRow {
  slot: string;
  attempt: number;
  instance: string;
  started_at: Date;
  finished_at: Date | null;
  ok: boolean | null;
  error: string | null;
  result: unknown;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: {
      runner: 'pg-boss' | 'in-process';
      delivery: Delivery;
      status(): Promise<JobStatus[]>;
      /** Queues a run now (pg-boss) or runs it in this process; resolves when queued / done. */
      runNow(name: JobName): Promise<void>;
      /** Runs a job's handler once here and records it (tests, the admin's "run now" on PGlite). */
      runRecorded(name: JobName, slot: string, attempt?: number, now?: Date): Promise<unknown>;
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default fp<JobsOptions>(
  async (app, opts) => {
    const c = app.config;
    const schedules = { ...defaultSchedules(c), ...opts.schedules };
    const handlers = { ...JOB_HANDLERS, ...opts.handlers };
    const retryLimit = opts.retryLimit ?? 3;
    const retryDelay = opts.retryDelaySeconds ?? 60;
    const instance = opts.instance ?? `${hostname()}:${process.pid}`;
    const delivery = new Delivery(app.db, { smtpUrl: c.smtpUrl, smtpFrom: c.smtpFrom });
    const enabled = c.jobs;
    const usePgBoss = app.dbInfo.backend === 'pg';
    const runner = usePgBoss ? 'pg-boss' : 'in-process';

    const runRecorded = async (name: JobName, slot: string, attempt = 1, now = new Date()) => {
      const row = await app.db
        .insertInto('job_runs')
        .values({ name, slot, attempt, instance, started_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      try {
        const result = await handlers[name]({
          db: app.db,
          delivery,
          config: app.indicatorConfig,
          countyRule: { weeks: c.interviewWeeks, list_size: c.blackListSize },
          escalationGraceHours: c.escalationGraceHours,
          photoDir: c.photoDir,
          now,
        });
        await app.db
          .updateTable('job_runs')
          .set({ finished_at: new Date(), ok: true, result: JSON.stringify(result ?? null) })
          .where('id', '=', row.id)
          .execute();
        return result;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await app.db
          .updateTable('job_runs')
          .set({ finished_at: new Date(), ok: false, error: message.slice(0, 2000) })
          .where('id', '=', row.id)
          .execute();
        app.log.error({ err, job: name, slot, attempt }, 'job failed');
        throw err;
      }
    };

    let boss: PgBoss | null = null;
    const timers = new Map<JobName, NodeJS.Timeout>();
    const inFlight = new Set<Promise<unknown>>();
    let closing = false;

    /** In-process: a run with the same retries pg-boss would give. */
    const runWithRetries = async (name: JobName, slot: string) => {
      for (let attempt = 1; attempt <= retryLimit + 1 && !closing; attempt++) {
        try {
          await runRecorded(name, slot, attempt);
          return;
        } catch {
          if (attempt <= retryLimit) await sleep(retryDelay * 1000 * 2 ** (attempt - 1));
        }
      }
    };
    const track = (p: Promise<unknown>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    };
    const arm = (name: JobName) => {
      if (closing) return;
      const now = Date.now();
      const next = nextRunAfter(schedules[name], new Date(now)).getTime();
      // setTimeout's limit is 2^31−1 ms (~24.8 days); a weekly job fits, re-arming covers the rest.
      const timer = setTimeout(
        () => {
          const slot = slotKey(slotAt(schedules[name], new Date()));
          void track(runWithRetries(name, slot)).finally(() => arm(name));
        },
        Math.min(Math.max(0, next - now), 2 ** 31 - 1),
      );
      timer.unref();
      timers.set(name, timer);
    };

    if (enabled && usePgBoss) {
      boss = new PgBoss({
        db: {
          executeSql: async (text: string, values: unknown[] = []) => {
            const r = await app.db.executeQuery(CompiledQuery.raw(text, values));
            return { rows: r.rows as unknown[] };
          },
        },
        schema: 'pgboss',
        cronMonitorIntervalSeconds: opts.cronMonitorIntervalSeconds ?? 30,
        cronWorkerIntervalSeconds: opts.cronMonitorIntervalSeconds ? 1 : 5,
      });
      boss.on('error', (err) => app.log.error({ err }, 'pg-boss error'));
    }

    app.addHook('onReady', async () => {
      if (!enabled) return;
      if (boss) {
        await boss.start();
        for (const name of JOB_NAMES) {
          const queue = { name, retryLimit, retryDelay, retryBackoff: true };
          if (!(await boss.getQueue(name))) {
            try {
              await boss.createQueue(name, queue);
            } catch (err) {
              // Another instance created it in the meantime.
              if (!(await boss.getQueue(name))) throw err;
            }
          }
          // The retry settings of this release apply to a queue an older one created.
          await boss.updateQueue(name, queue);
          await boss.schedule(name, cronOf(schedules[name]), {}, { tz: TIME_ZONE });
          await boss.work<{ manual?: boolean }>(
            name,
            { pollingIntervalSeconds: opts.cronMonitorIntervalSeconds ? 1 : 2, includeMetadata: true },
            async ([job]) => {
              const slot = job.data?.manual
                ? `manual:${job.createdOn.toISOString()}`
                : slotKey(slotAt(schedules[name], job.createdOn));
              await runRecorded(name, slot, job.retryCount + 1);
            },
          );
        }
        return;
      }
      for (const name of JOB_NAMES) {
        // A slot missed while the process was down runs now (only for a job that has run before).
        const last = await app.db
          .selectFrom('job_runs')
          .select('slot')
          .where('name', '=', name)
          .where('slot', 'not like', 'manual:%')
          .orderBy('started_at', 'desc')
          .executeTakeFirst();
        const due = slotKey(slotAt(schedules[name], new Date()));
        if (last && last.slot < due) void track(runWithRetries(name, due));
        arm(name);
      }
    });

    app.addHook('onClose', async () => {
      closing = true;
      for (const t of timers.values()) clearTimeout(t);
      await Promise.allSettled([...inFlight]);
      if (boss) await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
      delivery.close();
    });

    const recent = async (name: JobName) =>
      (await app.db
        .selectFrom('job_runs')
        .select(['slot', 'attempt', 'instance', 'started_at', 'finished_at', 'ok', 'error', 'result'])
        .where('name', '=', name)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(10)
        .execute()) as RunRow[];

    app.decorate('jobs', {
      runner,
      delivery,
      runRecorded,
      async status() {
        const now = new Date();
        const out: JobStatus[] = [];
        for (const name of JOB_NAMES) {
          const runs = await recent(name);
          const lastError = runs.find((r) => r.ok === false) ?? null;
          out.push({
            name,
            schedule: schedules[name],
            cron: cronOf(schedules[name]),
            time_zone: TIME_ZONE,
            runner,
            enabled,
            next_run: enabled ? nextRunAfter(schedules[name], now) : null,
            last_run: runs[0] ?? null,
            last_error: lastError,
            recent: runs,
          });
        }
        return out;
      },
      async runNow(name: JobName) {
        if (boss) {
          await boss.send(name, { manual: true });
          return;
        }
        await track(runWithRetries(name, `manual:${new Date().toISOString()}`));
      },
    });
  },
  { name: 'jobs', dependencies: ['db', 'config', 'indicators'] },
);
