import { describe, expect, it } from 'vitest';
import {
  competitionRanks,
  compositeScore,
  DEFAULT_INDICATOR_CONFIG,
  gradeOf,
  indicatorValues,
  mergeIndicatorConfig,
  rankUnits,
  ratesOf,
  type IndicatorCounts,
} from '../../domain/indicators.js';
import { monthWindow, previousMonth, shanghaiMonth } from '../../domain/time.js';

const counts = (over: Partial<IndicatorCounts>): IndicatorCounts => ({
  open: 0,
  overdue: 0,
  escalated: 0,
  filed: 0,
  due: 0,
  closed: 0,
  closed_on_time: 0,
  reworked: 0,
  disposal_due: 0,
  disposed: 0,
  disposed_on_time: 0,
  extended: 0,
  overdue_pending: 0,
  median_hours_to_close: null,
  ...over,
});

describe('ratesOf', () => {
  it('divides by 应结案数 and 应处置数: 10 due, 6 closed, 4 on time → 结案率 0.6, 按期结案率 0.4', () => {
    const r = ratesOf(
      counts({
        due: 10,
        closed: 6,
        closed_on_time: 4,
        reworked: 2,
        disposal_due: 8,
        disposed: 6,
        disposed_on_time: 2,
        extended: 2,
        overdue_pending: 1,
      }),
    );
    expect(r).toEqual({
      closure_rate: 0.6,
      on_time_rate: 0.4,
      rework_rate: 0.2,
      disposal_rate: 0.75,
      on_time_disposal_rate: 0.25,
      extension_rate: 0.25,
      overdue_pending_rate: 0.125,
    });
  });

  it('gives null, not 0, when nothing was due', () => {
    expect(ratesOf(counts({ closed: 0 })).closure_rate).toBeNull();
  });
});

describe('compositeScore', () => {
  it('weights 处置率 30, 按期处置率 20, (1−返工率) 20, (1−超期待处置率) 20, (1−延期率) 10 by default', () => {
    // 0.8·30 + 0.5·20 + (1−0.1)·20 + (1−0.2)·20 + (1−0.3)·10 = 24 + 10 + 18 + 16 + 7 = 75
    const rates = {
      closure_rate: 0,
      on_time_rate: 0,
      disposal_rate: 0.8,
      on_time_disposal_rate: 0.5,
      rework_rate: 0.1,
      overdue_pending_rate: 0.2,
      extension_rate: 0.3,
    };
    expect(compositeScore(rates)).toBeCloseTo(75, 10);
    expect(gradeOf(compositeScore(rates))).toBe('B');
  });

  it('is 100 for a perfect unit and null when every weighted rate is null', () => {
    expect(
      compositeScore(
        ratesOf(counts({ due: 4, closed: 4, closed_on_time: 4, disposal_due: 4, disposed: 4, disposed_on_time: 4 })),
      ),
    ).toBe(100);
    expect(compositeScore(ratesOf(counts({})))).toBeNull();
  });

  it('drops an indicator whose denominator is 0 and rescales the rest', () => {
    const rates = {
      closure_rate: null,
      on_time_rate: null,
      disposal_rate: 1,
      on_time_disposal_rate: 0,
      rework_rate: null,
      overdue_pending_rate: 0,
      extension_rate: 0,
    };
    // (30 + 0 + 20 + 10) / 80 = 75 %
    expect(compositeScore(rates)).toBeCloseTo(75, 10);
  });

  it('follows a county override of the weights', () => {
    const cfg = mergeIndicatorConfig({ weights: { closure_rate: 1, on_time_rate: 1 } });
    const rates = ratesOf(counts({ due: 10, closed: 6, closed_on_time: 4 }));
    expect(compositeScore(rates, cfg)).toBeCloseTo(50, 10);
  });

  it('ignores 点位达标率 at the default weight and weighs it in when configured; a null point rate drops out', () => {
    const rates = ratesOf(counts({ due: 10, closed: 6, closed_on_time: 4 }));
    expect(compositeScore({ ...rates, point_pass_rate: 0 })).toBe(compositeScore(rates));
    const cfg = mergeIndicatorConfig({ weights: { closure_rate: 1, point_pass_rate: 3 } });
    // (0.6 × 1 + 0.2 × 3) / 4 × 100 = 30
    expect(compositeScore({ ...rates, point_pass_rate: 0.2 }, cfg)).toBeCloseTo(30, 10);
    expect(compositeScore({ ...rates, point_pass_rate: null }, cfg)).toBeCloseTo(60, 10);
    expect(compositeScore(ratesOf(counts({})), mergeIndicatorConfig({ weights: { point_pass_rate: 1 } }))).toBeNull();
  });
});

describe('gradeOf', () => {
  it('bands A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below, at two decimals', () => {
    expect([90, 89.99, 89.996, 75, 60, 59.99, 40, 39.99, 0].map((s) => gradeOf(s))).toEqual([
      'A',
      'B',
      'A',
      'B',
      'C',
      'D',
      'D',
      'E',
      'E',
    ]);
    expect(gradeOf(null)).toBeNull();
  });
});

describe('competitionRanks', () => {
  it('shares a rank between equal scores and skips the next ("1224"), nulls unranked', () => {
    expect(competitionRanks([80, 95, 80, null, 70])).toEqual([2, 1, 2, null, 4]);
    expect(competitionRanks([80.001, 79.999])).toEqual([1, 1]);
  });
});

describe('mergeIndicatorConfig', () => {
  it('replaces the weights, merges the grades, and rejects zero weights and unordered grades', () => {
    expect(mergeIndicatorConfig({})).toEqual(DEFAULT_INDICATOR_CONFIG);
    expect(mergeIndicatorConfig({ weights: { closure_rate: 2 } }).weights).toEqual({ closure_rate: 2 });
    expect(() => mergeIndicatorConfig({ weights: { closure_rate: 0 } })).toThrow(/more than 0/);
    expect(() => mergeIndicatorConfig({ grades: { A: 50 } })).toThrow(/A ≥ B/);
    expect(mergeIndicatorConfig({ grades: { A: 95 } }).grades).toEqual({ A: 95, B: 75, C: 60, D: 40 });
  });
});

describe('rankUnits', () => {
  const unit = (code: string, cur: Partial<IndicatorCounts>, prev: Partial<IndicatorCounts>) => ({
    code,
    name: code,
    level: 'street',
    current: counts(cur),
    previous: counts(prev),
  });
  const perfect = { disposal_due: 2, disposed: 2, disposed_on_time: 2, due: 2, closed: 2, closed_on_time: 2 };
  const half = {
    disposal_due: 2,
    disposed: 1,
    disposed_on_time: 1,
    due: 2,
    closed: 1,
    closed_on_time: 1,
    overdue_pending: 1,
  };

  it('ranks by score, lists units with nothing due last, and reports rank change against last month', () => {
    const input = [unit('c', {}, perfect), unit('b', half, perfect), unit('a', perfect, half), unit('d', perfect, {})];
    const snapshot = JSON.stringify(input);
    const out = rankUnits(input);
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(out.map((u) => [u.code, u.score, u.grade, u.rank, u.previous_rank, u.rank_change])).toEqual([
      ['a', 100, 'A', 1, 3, 2],
      ['d', 100, 'A', 1, null, null],
      // 0.5·30 + 0.5·20 + 20 + 0.5·20 + 10 = 65
      ['b', 65, 'C', 3, 1, -2],
      ['c', null, null, null, 1, null],
    ]);
  });
});

describe('indicatorValues', () => {
  it('gives the change from the previous period in counts and rate points', () => {
    const v = indicatorValues(
      counts({ due: 10, closed: 6, median_hours_to_close: 7 }),
      counts({ due: 2, closed: 2, median_hours_to_close: 1 }),
    );
    expect(v.change).toMatchObject({
      due: 8,
      closed: 4,
      closure_rate: -0.4,
      median_hours_to_close: 6,
      on_time_rate: 0,
    });
  });
});

describe('months', () => {
  it('are Asia/Shanghai calendar months', () => {
    expect(monthWindow('2025-10')).toEqual({
      from: new Date('2025-09-30T16:00:00Z'),
      to: new Date('2025-10-31T16:00:00Z'),
    });
    expect(previousMonth('2025-01')).toBe('2024-12');
    expect(shanghaiMonth(new Date('2025-10-31T16:30:00Z'))).toBe('2025-11');
  });
});
