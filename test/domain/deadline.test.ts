import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar.js';
import { formatShanghai } from '../../domain/time.js';
import { computeDueAt, isOverdue, type ClockType } from '../../domain/deadline.js';

const cal = createCalendar();

/** Due date as '+08:00' ISO, so a failure shows the wall-clock time a user would see. */
function due(start: string, limit: number, clock: ClockType, c = cal, hours?: Parameters<typeof computeDueAt>[4]) {
  return formatShanghai(computeDueAt(new Date(start), limit, clock, c, hours));
}

describe('computeDueAt: continuous_hours (紧急工作时) and natural_days (自然日)', () => {
  it('counts hours around the clock, holidays included', () => {
    expect(due('2025-09-30T15:00:00+08:00', 4, 'continuous_hours')).toBe('2025-09-30T19:00:00+08:00');
    expect(due('2025-09-30T15:00:00+08:00', 30, 'continuous_hours')).toBe('2025-10-01T21:00:00+08:00');
  });

  it('counts natural days as 24-hour steps', () => {
    expect(due('2025-09-30T15:00:00+08:00', 3, 'natural_days')).toBe('2025-10-03T15:00:00+08:00');
  });
});

describe('computeDueAt: working_hours (工作时, 08:00–12:00 and 14:00–18:00)', () => {
  it('carries a Friday 16:00 start over the weekend to Monday', () => {
    // 2 h on Fri 2025-11-14, 2 h on Mon 11-17.
    expect(due('2025-11-14T16:00:00+08:00', 4, 'working_hours')).toBe('2025-11-17T10:00:00+08:00');
  });

  it('counts a 调休 Sunday: Friday 16:00 before 2025-09-28 continues on that Sunday', () => {
    expect(due('2025-09-26T16:00:00+08:00', 4, 'working_hours')).toBe('2025-09-28T10:00:00+08:00');
  });

  it('skips the National Day holiday', () => {
    // 3 h on 2025-09-30 (15–18), then 1 h on 10-09, the first working day after 10-01 … 10-08.
    expect(due('2025-09-30T15:00:00+08:00', 4, 'working_hours')).toBe('2025-10-09T09:00:00+08:00');
  });

  it('starts the clock at the next opening when filed outside working hours', () => {
    expect(due('2025-11-18T12:30:00+08:00', 1, 'working_hours')).toBe('2025-11-18T15:00:00+08:00'); // lunch
    expect(due('2025-11-18T07:00:00+08:00', 1, 'working_hours')).toBe('2025-11-18T09:00:00+08:00'); // early
    expect(due('2025-11-18T20:00:00+08:00', 1, 'working_hours')).toBe('2025-11-19T09:00:00+08:00'); // night
    expect(due('2025-11-15T10:00:00+08:00', 1, 'working_hours')).toBe('2025-11-17T09:00:00+08:00'); // Saturday
  });

  it('ends on the closing time when the limit runs out exactly there', () => {
    expect(due('2025-11-18T10:00:00+08:00', 2, 'working_hours')).toBe('2025-11-18T12:00:00+08:00');
    expect(due('2025-11-18T16:00:00+08:00', 2, 'working_hours')).toBe('2025-11-18T18:00:00+08:00');
  });

  it('bridges the lunch break and accepts fractions of an hour', () => {
    expect(due('2025-11-18T11:45:00+08:00', 0.5, 'working_hours')).toBe('2025-11-18T14:15:00+08:00');
    expect(due('2025-11-18T10:00:00+08:00', 8, 'working_hours')).toBe('2025-11-19T10:00:00+08:00');
  });

  it('uses custom working hours', () => {
    const hours = { am: ['08:30', '12:00'], pm: ['13:30', '17:30'] } as { am: [string, string]; pm: [string, string] };
    expect(due('2025-11-18T17:00:00+08:00', 1, 'working_hours', cal, hours)).toBe('2025-11-19T09:00:00+08:00');
  });

  it('crosses 春节 2026 from the 调休 Saturday 02-14', () => {
    expect(due('2026-02-14T17:00:00+08:00', 2, 'working_hours')).toBe('2026-02-24T09:00:00+08:00');
  });
});

describe('computeDueAt: working_days (工作日: 18:00 of the Nth working day after the start day)', () => {
  it('lands a 2025-09-30 15:00 filing with 1 working day after the National Day holiday', () => {
    expect(due('2025-09-30T15:00:00+08:00', 1, 'working_days')).toBe('2025-10-09T18:00:00+08:00');
  });

  it('counts the 调休 Saturday 2025-10-11 as a working day', () => {
    expect(due('2025-10-10T10:00:00+08:00', 1, 'working_days')).toBe('2025-10-11T18:00:00+08:00');
    expect(due('2025-10-10T10:00:00+08:00', 2, 'working_days')).toBe('2025-10-13T18:00:00+08:00');
  });

  it('never counts the start day, whatever the time or kind of day', () => {
    expect(due('2025-11-18T07:00:00+08:00', 1, 'working_days')).toBe('2025-11-19T18:00:00+08:00');
    expect(due('2025-11-18T20:00:00+08:00', 1, 'working_days')).toBe('2025-11-19T18:00:00+08:00');
    expect(due('2025-11-15T10:00:00+08:00', 1, 'working_days')).toBe('2025-11-17T18:00:00+08:00'); // Saturday
  });

  it('uses the Shanghai date, not the UTC date, of the start', () => {
    // 2025-11-17T23:30Z is Tuesday 07:30 in Shanghai (still Monday in UTC).
    expect(due('2025-11-17T23:30:00Z', 1, 'working_days')).toBe('2025-11-19T18:00:00+08:00');
  });

  it('spans 春节 and 国庆 2026', () => {
    expect(due('2026-02-13T10:00:00+08:00', 1, 'working_days')).toBe('2026-02-14T18:00:00+08:00');
    expect(due('2026-02-14T10:00:00+08:00', 1, 'working_days')).toBe('2026-02-24T18:00:00+08:00');
    expect(due('2026-09-30T10:00:00+08:00', 2, 'working_days')).toBe('2026-10-09T18:00:00+08:00');
  });

  it('ends at the configured close of business', () => {
    const hours = { am: ['08:30', '12:00'], pm: ['13:30', '17:30'] } as { am: [string, string]; pm: [string, string] };
    expect(due('2025-11-18T10:00:00+08:00', 1, 'working_days', cal, hours)).toBe('2025-11-19T17:30:00+08:00');
  });
});

describe('computeDueAt with an admin override making Monday 2025-11-17 a holiday', () => {
  const withOverride = createCalendar([{ date: '2025-11-17', kind: 'holiday', note: '县庆' }]);

  it('moves a Friday 16:00 working-hours deadline to Tuesday', () => {
    expect(due('2025-11-14T16:00:00+08:00', 4, 'working_hours', withOverride)).toBe('2025-11-18T10:00:00+08:00');
  });

  it('moves a Friday working-days deadline to Tuesday', () => {
    expect(due('2025-11-14T10:00:00+08:00', 1, 'working_days', withOverride)).toBe('2025-11-18T18:00:00+08:00');
  });
});

describe('computeDueAt input checks', () => {
  it('rejects a non-positive or non-finite limit', () => {
    for (const limit of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => computeDueAt(new Date(), limit, 'working_hours', cal)).toThrow(RangeError);
    }
  });

  it('rejects fractional working days, an invalid start and disordered hours', () => {
    expect(() => computeDueAt(new Date(), 1.5, 'working_days', cal)).toThrow(RangeError);
    expect(() => computeDueAt(new Date('nope'), 1, 'natural_days', cal)).toThrow(RangeError);
    expect(() =>
      computeDueAt(new Date(), 1, 'working_hours', cal, { am: ['14:00', '18:00'], pm: ['08:00', '12:00'] }),
    ).toThrow(RangeError);
  });

  it('does not loop forever on a calendar without working days', () => {
    const never = {
      isWorkday: () => false,
      describe: () => ({ date: '', workday: false, source: 'override' as const }),
    };
    expect(() => computeDueAt(new Date(), 1, 'working_days', never)).toThrow(/no working day/);
    expect(() => computeDueAt(new Date(), 1, 'working_hours', never)).toThrow(/no working day/);
  });
});

describe('isOverdue', () => {
  const dueAt = new Date('2025-10-09T18:00:00+08:00');
  const after = new Date('2025-10-09T18:00:01+08:00');

  it('is true for an open problem past its deadline, including one awaiting re-inspection', () => {
    expect(isOverdue(dueAt, 'in_progress', after)).toBe(true);
    expect(isOverdue(dueAt, 'resolved', after)).toBe(true);
  });

  it('is false at or before the deadline', () => {
    expect(isOverdue(dueAt, 'in_progress', dueAt)).toBe(false);
    expect(isOverdue(dueAt, 'in_progress', new Date('2025-10-09T17:00:00+08:00'))).toBe(false);
  });

  it('is false once closed or voided, and without a deadline', () => {
    expect(isOverdue(dueAt, 'closed', after)).toBe(false);
    expect(isOverdue(dueAt, 'voided', after)).toBe(false);
    expect(isOverdue(null, 'reported', after)).toBe(false);
  });
});
