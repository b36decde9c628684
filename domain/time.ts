/**
 * Asia/Shanghai time: the one home of the +08:00 offset and of every conversion between instants
 * and Shanghai dates, months and wall-clock times. China has had no DST since 1991, so a fixed
 * offset is exact and results never depend on the process time zone.
 */

export const TIME_ZONE = 'Asia/Shanghai';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Asia/Shanghai's offset from UTC, milliseconds. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Milliseconds since the epoch of 00:00 Asia/Shanghai on `date`; throws on a malformed date. */
export function shanghaiMidnight(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`invalid date ${JSON.stringify(date)}, expected YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  // Date.UTC silently rolls 2025-02-30 over to March; a calendar must reject it instead.
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`invalid date ${JSON.stringify(date)}`);
  }
  return utc - SHANGHAI_OFFSET_MS;
}

/** Minutes since midnight for 'HH:MM' (00:00–24:00). */
export function parseTimeOfDay(time: string): number {
  const m = TIME_RE.exec(time);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60) {
    throw new RangeError(`invalid time ${JSON.stringify(time)}, expected HH:MM`);
  }
  return minutes;
}

/** The Asia/Shanghai calendar date ('YYYY-MM-DD') of an instant. */
export function toShanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of `date` at wall-clock `time` ('HH:MM', default 00:00) in Asia/Shanghai. */
export function fromShanghai(date: string, time = '00:00'): Date {
  return new Date(shanghaiMidnight(date) + parseTimeOfDay(time) * 60_000);
}

/** An instant as ISO 8601 with the +08:00 offset, e.g. '2025-10-09T18:00:00+08:00'. */
export function formatShanghai(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19) + '+08:00';
}

/** `date` moved by `days` calendar days (negative goes back). */
export function addDays(date: string, days: number): string {
  return toShanghaiDate(new Date(shanghaiMidnight(date) + days * DAY_MS));
}

/** Day of week of `date`, 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(shanghaiMidnight(date) + SHANGHAI_OFFSET_MS).getUTCDay();
}

/** Shanghai wall-clock time of an instant as 'YYYY-MM-DD HH:MM:SS' (for spreadsheets and bulletins). */
export function formatShanghaiWall(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);
}

/** A Shanghai wall-clock 'YYYY-MM-DDTHH:MM[:SS]' (an `<input type="datetime-local">` value) → the instant. */
export function fromShanghaiWall(local: string): Date {
  const withSeconds = /T\d{2}:\d{2}$/.test(local) ? `${local}:00` : local;
  return new Date(`${withSeconds}+08:00`);
}

/** 'YYYY-MM' of an instant in Asia/Shanghai (UTC+8, no DST). */
export function shanghaiMonth(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/** The month before 'YYYY-MM'. */
export function previousMonth(month: string): string {
  const m = MONTH_RE.exec(month);
  if (!m) throw new RangeError(`invalid month ${JSON.stringify(month)}, expected YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
}

/** The month 'YYYY-MM' as the half-open instant range [1st 00:00, next 1st 00:00) Asia/Shanghai. */
export function monthWindow(month: string): { from: Date; to: Date } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new RangeError(`invalid month ${JSON.stringify(month)}, expected YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return {
    from: new Date(Date.UTC(y, mo - 1, 1) - SHANGHAI_OFFSET_MS),
    to: new Date(Date.UTC(y, mo, 1) - SHANGHAI_OFFSET_MS),
  };
}

const PERIOD_RE = /^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$/;

/**
 * An evaluation period (绩效评价周期): a month 'YYYY-MM', a quarter 'YYYY-Qn' (n 1–4) or a year
 * 'YYYY', as the half-open instant range [first day 00:00, first day after 00:00) Asia/Shanghai.
 */
export function periodWindow(period: string): { from: Date; to: Date } {
  const m = PERIOD_RE.exec(period);
  if (!m) throw new RangeError(`invalid period ${JSON.stringify(period)}, expected YYYY-MM, YYYY-Qn or YYYY`);
  const y = Number(m[1]);
  // First month (0-based) and how many months the period spans; Date.UTC carries month 12 into the next year.
  const [first, months] = m[2] ? [Number(m[2]) - 1, 1] : m[3] ? [(Number(m[3]) - 1) * 3, 3] : [0, 12];
  return {
    from: new Date(Date.UTC(y, first, 1) - SHANGHAI_OFFSET_MS),
    to: new Date(Date.UTC(y, first + months, 1) - SHANGHAI_OFFSET_MS),
  };
}

/** The period before a month, quarter or year, of the same kind ('2025-Q1' → '2024-Q4'). */
export function previousPeriod(period: string): string {
  const m = PERIOD_RE.exec(period);
  if (!m) throw new RangeError(`invalid period ${JSON.stringify(period)}, expected YYYY-MM, YYYY-Qn or YYYY`);
  const y = Number(m[1]);
  if (m[2]) return previousMonth(period);
  if (m[3]) return m[3] === '1' ? `${y - 1}-Q4` : `${y}-Q${Number(m[3]) - 1}`;
  return String(y - 1);
}

/** True when `s` is a month, quarter or year (see {@link periodWindow}) within MIN_YEAR..MAX_YEAR. */
export function isEvaluationPeriod(s: string): boolean {
  const m = PERIOD_RE.exec(s);
  return m !== null && Number(m[1]) >= MIN_YEAR && Number(m[1]) <= MAX_YEAR;
}

/** Years a date in a request may name: wider than any real record, narrow enough for every date type. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|([+-])(\d{2}):?(\d{2}))?)?$/;

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/**
 * True when `s` is a real calendar date (YYYY-MM-DD, year MIN_YEAR..MAX_YEAR) or such a date with
 * a real wall time (hours 0–23, minutes and seconds 0–59) and, optionally, a real offset (Z or
 * ±hh:mm up to ±14:00). 2026-02-30, 2026-13-45, T25:61 and +99:99 are not.
 */
export function isCalendarInstant(s: string): boolean {
  const m = INSTANT.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  if (m[8] !== undefined) {
    const minutes = Number(m[9]) * 60 + Number(m[10]);
    if (Number(m[10]) > 59 || minutes > 14 * 60) return false;
  }
  return true;
}
