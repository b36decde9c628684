/**
 * Working calendar for mainland China (Asia/Shanghai): weekends, official holidays and 调休
 * make-up working days, plus the admin's own overrides (local holidays, emergency work days).
 *
 * Every date is a 'YYYY-MM-DD' string in Asia/Shanghai and every conversion uses the fixed +08:00
 * offset (China has had no DST since 1991), so results never depend on the process time zone.
 */
import { createRequire } from 'node:module';
import { dayOfWeek, shanghaiMidnight } from './time.js';

/**
 * The official schedule comes from `chinese-days` as its bundled JSON rather than its
 * `isWorkday()` functions: those parse 'YYYY-MM-DD' as UTC but read it back with local getters,
 * so under a negative-offset TZ (e.g. America/New_York) they answer for the previous day.
 * The JSON keys are plain date strings and carry no such trap.
 */
interface ChineseDaysData {
  /** Official days off, including weekend days inside a holiday block: date → "English,中文,n". */
  holidays: Record<string, string>;
  /** 调休 make-up working days (weekend days that are worked): date → "English,中文,n". */
  workdays: Record<string, string>;
}

const official = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as ChineseDaysData;
// Maps, so a lookup can never hit an inherited object key.
const OFFICIAL_HOLIDAYS = new Map(Object.entries(official.holidays));
const OFFICIAL_WORKDAYS = new Map(Object.entries(official.workdays));
const OFFICIAL_YEARS = new Set([...OFFICIAL_HOLIDAYS.keys()].map((d) => Number(d.slice(0, 4))));

/** The years the bundled official schedule covers, ascending (for the admin screen's warning). */
export const OFFICIAL_SCHEDULE_YEARS: readonly number[] = Object.freeze([...OFFICIAL_YEARS].sort((a, b) => a - b));

/** An admin's decision for one day; it beats both the official schedule and the weekend rule. */
export type DayOverride = { date: string; kind: 'workday' | 'holiday'; note?: string };

/** Why a day is or is not a working day. */
export interface DayInfo {
  date: string;
  workday: boolean;
  /** `override`: admin entry; `holiday` / `makeup_workday`: official schedule; else the weekday rule. */
  source: 'override' | 'holiday' | 'makeup_workday' | 'weekday' | 'weekend';
  /** Holiday name in Chinese (e.g. 国庆节) or the override's note. */
  name?: string;
}

/** A working calendar: which Asia/Shanghai dates are working days. */
export interface Calendar {
  /** True when `date` ('YYYY-MM-DD', Asia/Shanghai) is a working day. */
  isWorkday(date: string): boolean;
  /** The answer of {@link Calendar.isWorkday} with its reason, for the admin screen. */
  describe(date: string): DayInfo;
}

/**
 * True when the bundled official schedule covers `date`'s year. Outside it only weekends and
 * overrides apply, so the admin should enter that year's holidays by hand until the package
 * is updated (the State Council publishes each year's schedule in late autumn).
 */
export function officialScheduleCovers(date: string): boolean {
  shanghaiMidnight(date);
  return OFFICIAL_YEARS.has(Number(date.slice(0, 4)));
}

/** "National Day,国庆节,3" → "国庆节". */
function chineseName(entry: string): string {
  return entry.split(',')[1] ?? entry;
}

/**
 * Build a working calendar. Precedence: admin override, then the official schedule (holiday or
 * 调休 working day), then Monday–Friday work / Saturday–Sunday rest. With two overrides for the
 * same date the later one wins, so callers can append corrections.
 */
export function createCalendar(overrides: readonly DayOverride[] = []): Calendar {
  const byDate = new Map<string, DayOverride>();
  for (const o of overrides) {
    shanghaiMidnight(o.date);
    if (o.kind !== 'workday' && o.kind !== 'holiday') {
      throw new RangeError(`invalid override kind ${JSON.stringify(o.kind)} for ${o.date}`);
    }
    byDate.set(o.date, o);
  }

  function describe(date: string): DayInfo {
    shanghaiMidnight(date);
    const o = byDate.get(date);
    if (o) return { date, workday: o.kind === 'workday', source: 'override', ...(o.note ? { name: o.note } : {}) };
    const holiday = OFFICIAL_HOLIDAYS.get(date);
    if (holiday !== undefined) return { date, workday: false, source: 'holiday', name: chineseName(holiday) };
    const makeup = OFFICIAL_WORKDAYS.get(date);
    if (makeup !== undefined) return { date, workday: true, source: 'makeup_workday', name: chineseName(makeup) };
    const dow = dayOfWeek(date);
    return dow === 0 || dow === 6
      ? { date, workday: false, source: 'weekend' }
      : { date, workday: true, source: 'weekday' };
  }

  return {
    describe,
    isWorkday: (date) => describe(date).workday,
  };
}
