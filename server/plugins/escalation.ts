/**
 * The escalation sweep (督办) on a timer: every `intervalMinutes` it flags open problems overdue
 * longer than `config.escalationGraceHours` (see db/queries/escalation.ts). It runs once when the
 * app is ready, so a restart never leaves items waiting a whole interval, and stops on close.
 */
import fp from 'fastify-plugin';
import { escalateOverdue } from '../../db/queries/escalation.js';
import { LOCKS, runExclusive } from '../../db/locks.js';

export interface EscalationPluginOptions {
  /** Minutes between sweeps (default 5); 0 disables the timer (tests call the sweep directly). */
  intervalMinutes?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs one sweep now; resolves to the number of problems escalated. */
    runEscalationSweep(): Promise<number>;
  }
}

export default fp<EscalationPluginOptions>(
  async (app, { intervalMinutes = 5 }) => {
    if (!Number.isFinite(intervalMinutes) || intervalMinutes < 0)
      throw new RangeError(`intervalMinutes must be ≥ 0, got ${intervalMinutes}`);
    let running: Promise<number> | null = null;

    // One sweep at a time: a slow sweep is joined, not overlapped by the next tick. Across
    // instances on one PostgreSQL, the advisory lock lets one of them sweep; the others skip (0).
    const sweep = (): Promise<number> => {
      running ??= runExclusive(app.db, LOCKS.escalationSweep, (trx) =>
        escalateOverdue(trx, app.config.escalationGraceHours),
      )
        .then((outcome) => {
          if (!outcome.ran) {
            app.log.debug('escalation sweep skipped: another instance holds the lock');
            return 0;
          }
          const n = outcome.value;
          if (n > 0) app.log.info({ escalated: n, graceHours: app.config.escalationGraceHours }, 'escalation sweep');
          return n;
        })
        .finally(() => {
          running = null;
        });
      return running;
    };
    app.decorate('runEscalationSweep', sweep);

    if (intervalMinutes === 0) return;
    let timer: NodeJS.Timeout | null = null;
    const tick = () => void sweep().catch((err: unknown) => app.log.error({ err }, 'escalation sweep failed'));
    app.addHook('onReady', async () => {
      tick();
      timer = setInterval(tick, intervalMinutes * 60_000);
      // The timer alone must not keep the process alive.
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
      // Let a sweep in flight finish before the database closes.
      await running?.catch(() => undefined);
    });
  },
  { name: 'escalation', dependencies: ['db', 'config'] },
);
