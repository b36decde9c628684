/**
 * Job schedules in Asia/Shanghai wall-clock time: one definition that gives both the cron line
 * pg-boss runs on PostgreSQL and the next run the in-process scheduler waits for on PGlite, and
 * the slot (the scheduled instant) each run belongs to, so a run is recorded and deduplicated by
 * its slot on either backend. Pure.
 */
import { DAY_MS, addDays, dayOfWeek, fromShanghai, parseTimeOfDay, toShanghaiDate } from './time.js';

export type Schedule =
  | { every: 'minutes'; minutes: number }
  | { every: 'day'; at: string }
  /** weekday 0 = Sunday … 6 = Saturday. */
  | { every: 'week'; weekday: number; at: string };

/** The cron line (minute hour day month weekday) for pg-boss, to be run with tz Asia/Shanghai. */
export function cronOf(s: Schedule): string {
  if (s.every === 'minutes') return `*/${s.minutes} * * * *`;
  const minutes = parseTimeOfDay(s.at);
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  return s.every === 'day' ? `${m} ${h} * * *` : `${m} ${h} * * ${s.weekday}`;
}

/** The latest scheduled instant at or before `now` (the slot a run at `now` belongs to). */
export function slotAt(s: Schedule, now: Date): Date {
  if (s.every === 'minutes') {
    const step = s.minutes * 60_000;
    return new Date(Math.floor(now.getTime() / step) * step);
  }
  let date = toShanghaiDate(now);
  for (let i = 0; i < 8; i++, date = addDays(date, -1)) {
    if (s.every === 'week' && dayOfWeek(date) !== s.weekday) continue;
    const at = fromShanghai(date, s.at);
    if (at <= now) return at;
  }
  throw new RangeError('no slot found');
}

/** The first scheduled instant strictly after `after`. */
export function nextRunAfter(s: Schedule, after: Date): Date {
  if (s.every === 'minutes') return new Date(slotAt(s, after).getTime() + s.minutes * 60_000);
  const step = s.every === 'day' ? DAY_MS : 7 * DAY_MS;
  return new Date(slotAt(s, after).getTime() + step);
}

/** A slot as its record key, e.g. '2026-12-07T00:00:00.000Z'. */
export const slotKey = (slot: Date): string => slot.toISOString();
