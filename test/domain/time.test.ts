import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  SHANGHAI_OFFSET_MS,
  addDays,
  dayOfWeek,
  formatShanghai,
  formatShanghaiWall,
  fromShanghai,
  fromShanghaiWall,
  isEvaluationPeriod,
  monthWindow,
  periodWindow,
  previousPeriod,
  previousMonth,
  shanghaiMidnight,
  shanghaiMonth,
  toShanghaiDate,
} from '../../domain/time.js';

describe('constants', () => {
  it('has an hour, a day and the +08:00 offset in milliseconds', () => {
    expect(HOUR_MS).toBe(3_600_000);
    expect(DAY_MS).toBe(86_400_000);
    expect(SHANGHAI_OFFSET_MS).toBe(28_800_000);
  });
});

describe('instants ↔ Shanghai dates', () => {
  it('gives the Shanghai date of an instant: 16:00Z is already the next day', () => {
    expect(toShanghaiDate(new Date('2025-09-30T15:59:59Z'))).toBe('2025-09-30');
    expect(toShanghaiDate(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
  });

  it('turns a Shanghai date and wall-clock time into the instant', () => {
    expect(fromShanghai('2025-10-01').toISOString()).toBe('2025-09-30T16:00:00.000Z');
    expect(fromShanghai('2025-10-09', '18:00').toISOString()).toBe('2025-10-09T10:00:00.000Z');
    expect(shanghaiMidnight('2024-03-01')).toBe(Date.UTC(2024, 1, 29, 16));
  });

  it('rejects a date that does not exist and a malformed time', () => {
    expect(() => fromShanghai('2025-02-30')).toThrow(RangeError);
    expect(() => fromShanghai('2025-10-01', '12:60')).toThrow(RangeError);
    expect(() => fromShanghai('2025/10/01')).toThrow(RangeError);
  });

  it('formats an instant with +08:00 and as wall-clock text', () => {
    const t = new Date('2025-10-09T10:00:05Z');
    expect(formatShanghai(t)).toBe('2025-10-09T18:00:05+08:00');
    expect(formatShanghaiWall(t)).toBe('2025-10-09 18:00:05');
  });

  it('reads a datetime-local value as Shanghai wall-clock time', () => {
    expect(fromShanghaiWall('2025-10-09T18:00').toISOString()).toBe('2025-10-09T10:00:00.000Z');
    expect(fromShanghaiWall('2025-10-09T18:00:30').toISOString()).toBe('2025-10-09T10:00:30.000Z');
  });
});

describe('calendar arithmetic', () => {
  it('moves a date across month and year ends, forwards and back', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('names the day of the week (0 = Sunday)', () => {
    expect(dayOfWeek('2025-10-01')).toBe(3);
    expect(dayOfWeek('2025-10-05')).toBe(0);
    expect(dayOfWeek('2025-10-11')).toBe(6);
  });
});

describe('months', () => {
  it('gives the Shanghai month of an instant', () => {
    expect(shanghaiMonth(new Date('2025-10-31T15:59:59Z'))).toBe('2025-10');
    expect(shanghaiMonth(new Date('2025-10-31T16:00:00Z'))).toBe('2025-11');
  });

  it('steps back a month, across a year end', () => {
    expect(previousMonth('2025-10')).toBe('2025-09');
    expect(previousMonth('2025-01')).toBe('2024-12');
    expect(() => previousMonth('2025-13')).toThrow(RangeError);
  });

  it('spans a month from its first 00:00 Shanghai to the next first', () => {
    const w = monthWindow('2025-12');
    expect(w.from.toISOString()).toBe('2025-11-30T16:00:00.000Z');
    expect(w.to.toISOString()).toBe('2025-12-31T16:00:00.000Z');
  });
});

describe('evaluation periods', () => {
  it('spans a quarter and a year from their first 00:00 Shanghai, and a month as monthWindow does', () => {
    expect(periodWindow('2025-Q4')).toEqual({
      from: new Date('2025-09-30T16:00:00.000Z'),
      to: new Date('2025-12-31T16:00:00.000Z'),
    });
    expect(periodWindow('2025-Q1').from.toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(periodWindow('2025')).toEqual({
      from: new Date('2024-12-31T16:00:00.000Z'),
      to: new Date('2025-12-31T16:00:00.000Z'),
    });
    expect(periodWindow('2025-12')).toEqual(monthWindow('2025-12'));
  });

  it('steps back one period of the same kind, across a year end', () => {
    expect(previousPeriod('2025-Q1')).toBe('2024-Q4');
    expect(previousPeriod('2025-Q3')).toBe('2025-Q2');
    expect(previousPeriod('2025')).toBe('2024');
    expect(previousPeriod('2025-01')).toBe('2024-12');
    expect(() => previousPeriod('2025-Q5')).toThrow(RangeError);
  });

  it('accepts months, quarters and years in 1900–2199 only', () => {
    for (const ok of ['2025-10', '2025-Q2', '2025', '1900', '2199-Q4']) expect(isEvaluationPeriod(ok)).toBe(true);
    for (const bad of ['2025-13', '2025-Q0', '2025-Q5', '1899', '2200-01', '25', '2025-q1', '2025-10-01'])
      expect(isEvaluationPeriod(bad)).toBe(false);
  });
});

describe('fromShanghaiWall', () => {
  it('reads a deadline typed in Shanghai wall time, whatever the machine zone', () => {
    expect(fromShanghaiWall('2026-11-27T09:00').toISOString()).toBe('2026-11-27T01:00:00.000Z');
    expect(fromShanghaiWall('2026-11-27T07:59:30').toISOString()).toBe('2026-11-26T23:59:30.000Z');
  });
});
