import { describe, expect, it } from 'vitest';
import { createCalendar, officialScheduleCovers } from '../../domain/calendar.js';
import { addDays, dayOfWeek, formatShanghai, fromShanghai, toShanghaiDate } from '../../domain/time.js';

const cal = createCalendar();

describe('official schedule', () => {
  it('rests 2025-10-01 … 10-08 (国庆节 + 中秋节) and works the 调休 Sunday 09-28 and Saturday 10-11', () => {
    for (let d = 1; d <= 8; d++) expect(cal.isWorkday(`2025-10-0${d}`)).toBe(false);
    expect(cal.isWorkday('2025-09-27')).toBe(false); // Saturday
    expect(cal.isWorkday('2025-09-28')).toBe(true); // Sunday, 调休
    expect(cal.isWorkday('2025-09-30')).toBe(true);
    expect(cal.isWorkday('2025-10-09')).toBe(true);
    expect(cal.isWorkday('2025-10-11')).toBe(true); // Saturday, 调休
    expect(cal.isWorkday('2025-10-12')).toBe(false); // Sunday
  });

  it('knows the 2026 schedule: 春节 02-15 … 02-23 with 调休 Saturdays 02-14 and 02-28, 国庆 10-01 … 10-07', () => {
    expect(cal.isWorkday('2026-02-14')).toBe(true);
    for (const d of ['2026-02-15', '2026-02-16', '2026-02-20', '2026-02-23']) expect(cal.isWorkday(d)).toBe(false);
    expect(cal.isWorkday('2026-02-24')).toBe(true);
    expect(cal.isWorkday('2026-02-28')).toBe(true);
    expect(cal.isWorkday('2026-09-20')).toBe(true); // Sunday, 调休
    expect(cal.isWorkday('2026-10-07')).toBe(false);
    expect(cal.isWorkday('2026-10-08')).toBe(true);
    expect(cal.isWorkday('2026-10-10')).toBe(true); // Saturday, 调休
  });

  it('explains each answer', () => {
    expect(cal.describe('2025-10-01')).toEqual({
      date: '2025-10-01',
      workday: false,
      source: 'holiday',
      name: '国庆节',
    });
    expect(cal.describe('2025-09-28')).toEqual({
      date: '2025-09-28',
      workday: true,
      source: 'makeup_workday',
      name: '国庆节',
    });
    expect(cal.describe('2025-11-15')).toEqual({ date: '2025-11-15', workday: false, source: 'weekend' });
    expect(cal.describe('2025-11-17')).toEqual({ date: '2025-11-17', workday: true, source: 'weekday' });
  });

  it('says which years it covers, so the admin knows when to enter holidays by hand', () => {
    expect(officialScheduleCovers('2025-06-01')).toBe(true);
    expect(officialScheduleCovers('2026-06-01')).toBe(true);
    expect(officialScheduleCovers('2003-06-01')).toBe(false);
    // Outside the covered years only the weekday rule applies.
    expect(cal.isWorkday('2003-06-02')).toBe(true); // Monday
    expect(cal.isWorkday('2003-06-01')).toBe(false); // Sunday
  });
});

describe('admin overrides', () => {
  it('make a normal Monday a holiday', () => {
    const c = createCalendar([{ date: '2025-11-17', kind: 'holiday', note: '县庆' }]);
    expect(cal.isWorkday('2025-11-17')).toBe(true);
    expect(c.isWorkday('2025-11-17')).toBe(false);
    expect(c.describe('2025-11-17')).toEqual({ date: '2025-11-17', workday: false, source: 'override', name: '县庆' });
  });

  it('win over weekends and the official schedule', () => {
    const c = createCalendar([
      { date: '2025-11-15', kind: 'workday' },
      { date: '2025-10-08', kind: 'workday' },
      { date: '2025-10-11', kind: 'holiday' },
    ]);
    expect(c.isWorkday('2025-11-15')).toBe(true);
    expect(c.isWorkday('2025-10-08')).toBe(true);
    expect(c.isWorkday('2025-10-11')).toBe(false);
  });

  it('let a later entry for the same date win', () => {
    const c = createCalendar([
      { date: '2025-11-17', kind: 'holiday' },
      { date: '2025-11-17', kind: 'workday' },
    ]);
    expect(c.isWorkday('2025-11-17')).toBe(true);
  });

  it('reject malformed dates and kinds', () => {
    expect(() => createCalendar([{ date: '2025-02-30', kind: 'holiday' }])).toThrow(RangeError);
    expect(() => createCalendar([{ date: '2025-11-17', kind: 'rest' as 'holiday' }])).toThrow(RangeError);
  });
});

describe('dates in Asia/Shanghai', () => {
  it('rejects malformed date strings', () => {
    for (const bad of ['2025/10/01', '20251001', '2025-2-3', '2025-02-29', '', 'constructor']) {
      expect(() => cal.isWorkday(bad)).toThrow(RangeError);
    }
  });

  it('takes the calendar date at +08:00, whatever the process time zone', () => {
    expect(toShanghaiDate(new Date('2025-09-30T16:30:00Z'))).toBe('2025-10-01');
    expect(toShanghaiDate(new Date('2025-09-30T15:59:59Z'))).toBe('2025-09-30');
    expect(fromShanghai('2025-10-01', '08:00').toISOString()).toBe('2025-10-01T00:00:00.000Z');
    expect(fromShanghai('2025-10-01').toISOString()).toBe('2025-09-30T16:00:00.000Z');
    expect(formatShanghai(new Date('2025-10-09T10:00:00Z'))).toBe('2025-10-09T18:00:00+08:00');
  });

  it('steps and names days without drifting', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(dayOfWeek('2025-10-11')).toBe(6);
    expect(dayOfWeek('2025-09-28')).toBe(0);
  });
});
