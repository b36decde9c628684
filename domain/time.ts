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
