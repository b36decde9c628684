/**
 * Deadlines (限时整改) on the working calendar, and the overdue rule.
 *
 * All wall-clock reasoning happens in Asia/Shanghai (+08:00) through the helpers of
 * `calendar.ts`; the process time zone never matters.
 */
import { type Calendar } from './calendar.js';
import { addDays, fromShanghai, HOUR_MS, parseTimeOfDay, toShanghaiDate } from './time.js';
import { OPEN_STATUSES, type Status } from './workflow.js';

/** How a category's limit is counted. */
export const CLOCK_TYPES = ['continuous_hours', 'working_hours', 'working_days', 'natural_days'] as const;

export type ClockType = (typeof CLOCK_TYPES)[number];

/** Morning and afternoon working periods, 'HH:MM' wall-clock times in Asia/Shanghai. */
export interface WorkingHours {
  am: [string, string];
  pm: [string, string];
}

/** 08:00–12:00 and 14:00–18:00, the common office hours of county government. */
export const DEFAULT_WORKING_HOURS: WorkingHours = { am: ['08:00', '12:00'], pm: ['14:00', '18:00'] };

/** A run of non-working days longer than this means a broken calendar, not a long holiday. */
const MAX_IDLE_DAYS = 366;

/** Periods as [open, close] times, checked to be ordered and non-overlapping. */
function periodsOf(hours: WorkingHours): [string, string][] {
  const [a0, a1] = hours.am.map(parseTimeOfDay) as [number, number];
  const [p0, p1] = hours.pm.map(parseTimeOfDay) as [number, number];
  if (!(a0 < a1 && a1 <= p0 && p0 < p1)) {
    throw new RangeError(`working hours must be ordered: ${hours.am.join('–')}, ${hours.pm.join('–')}`);
  }
  return [hours.am, hours.pm];
}

/**
 * The deadline for a problem started (filed) at `start` with `limit` units of `clock`.
 *
 * - `continuous_hours` (紧急工作时): `start + limit` hours, around the clock.
 * - `natural_days` (自然日): `start + limit × 24` hours.
 * - `working_hours` (工作时): only time inside the working periods of working days counts. A start
 *   outside them (night, lunch break, weekend, holiday) begins at the next period's opening. When
 *   the limit runs out exactly at a period's close, the deadline is that close (12:00 or 18:00),
 *   not the next opening. `limit` may be fractional (0.5 = 30 minutes).
 * - `working_days` (工作日): the deadline is the close of business (`hours.pm[1]`, 18:00) of the
 *   `limit`-th working day after the start's calendar day. The start day never counts, whatever
 *   the time of day and whether or not it is a working day. This follows the period rules of the
 *   Civil Code (民法典 第二百零一条: 开始的当日不计入; 第二百零三条: 有业务时间的，停止业务活动的时间
 *   为截止时间), which staff already know, and gives the same answer for every start time on one
 *   day. `limit` must be a whole number.
 *
 * Working days come from `cal`, so 调休 make-up days count and holidays and overrides are skipped.
 *
 * @param start  the instant the clock starts (usually the filing time)
 * @param limit  a positive number of hours or days
 * @param hours  working periods; default 08:00–12:00 and 14:00–18:00
 * @throws RangeError on an invalid start, a non-positive limit, a fractional number of working
 *   days or disordered working hours
 */
export function computeDueAt(
  start: Date,
  limit: number,
  clock: ClockType,
  cal: Calendar,
  hours: WorkingHours = DEFAULT_WORKING_HOURS,
): Date {
  if (Number.isNaN(start.getTime())) throw new RangeError('invalid start date');
  if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`limit must be positive, got ${limit}`);

  switch (clock) {
    case 'continuous_hours':
      return new Date(start.getTime() + limit * HOUR_MS);
    case 'natural_days':
      return new Date(start.getTime() + limit * 24 * HOUR_MS);
    case 'working_hours':
      return addWorkingHours(start, limit, cal, periodsOf(hours));
    case 'working_days': {
      if (!Number.isInteger(limit)) throw new RangeError(`working days must be a whole number, got ${limit}`);
      periodsOf(hours);
      return fromShanghai(nthWorkdayAfter(toShanghaiDate(start), limit, cal), hours.pm[1]);
    }
    default:
      throw new RangeError(`unknown clock type ${JSON.stringify(clock satisfies never)}`);
  }
}

function addWorkingHours(start: Date, limit: number, cal: Calendar, periods: [string, string][]): Date {
  let remaining = limit * HOUR_MS;
  let cursor = start.getTime();
  let day = toShanghaiDate(start);
  for (let idle = 0; idle <= MAX_IDLE_DAYS; day = addDays(day, 1)) {
    if (!cal.isWorkday(day)) {
      idle++;
      continue;
    }
    idle = 0;
    for (const [open, close] of periods) {
      const opens = fromShanghai(day, open).getTime();
      const closes = fromShanghai(day, close).getTime();
      if (cursor >= closes) continue;
      const from = Math.max(cursor, opens);
      // `<=` so a limit that ends exactly at a close lands on the close, not the next opening.
      if (remaining <= closes - from) return new Date(from + remaining);
      remaining -= closes - from;
      cursor = closes;
    }
  }
  throw new Error(`no working day within ${MAX_IDLE_DAYS} days after ${day}`);
}

function nthWorkdayAfter(date: string, n: number, cal: Calendar): string {
  let day = date;
  for (let found = 0, idle = 0; found < n;) {
    day = addDays(day, 1);
    if (cal.isWorkday(day)) {
      found++;
      idle = 0;
    } else if (++idle > MAX_IDLE_DAYS) {
      throw new Error(`no working day within ${MAX_IDLE_DAYS} days after ${date}`);
    }
  }
  return day;
}

/**
 * True when a problem is still open and `now` is strictly past its deadline (at the deadline
 * itself it is still on time). A problem without a deadline (not yet filed) is never overdue.
 */
export function isOverdue(dueAt: Date | null, status: Status, now: Date): boolean {
  return dueAt !== null && OPEN_STATUSES.includes(status) && now.getTime() > dueAt.getTime();
}
