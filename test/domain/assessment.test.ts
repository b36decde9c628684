import { describe, expect, it } from 'vitest';
import {
  allocateSample,
  chronicItems,
  drawSample,
  estimateMean,
  estimateStratified,
  pointStanding,
  weightedPassRate,
} from '../../domain/assessment.js';

describe('weightedPassRate', () => {
  it('divides passed weight by checked weight, leaving out not-applicable items', () => {
    expect(
      weightedPassRate([
        { result: 'pass', weight: 2 },
        { result: 'fail', weight: 1 },
        { result: 'na', weight: 5 },
        { result: 'pass', weight: 1 },
      ]),
    ).toEqual({ checked: 4, passed: 3, rate: 0.75 });
    expect(weightedPassRate([{ result: 'na', weight: 1 }]).rate).toBeNull();
  });
});

describe('chronicItems', () => {
  const m = (o: Record<string, 'pass' | 'fail' | 'na'>) => new Map(Object.entries(o));
  it('flags an item failed in consecutive inspections up to the latest, with its streak', () => {
    expect([...chronicItems([m({ A: 'fail', B: 'fail' }), m({ A: 'fail', B: 'pass' }), m({ A: 'fail' })])]).toEqual([
      ['A', 3],
    ]);
    // Failed twice, but not in a row up to the latest one.
    expect(chronicItems([m({ A: 'pass' }), m({ A: 'fail' }), m({ A: 'fail' })]).size).toBe(0);
    expect(chronicItems([m({ A: 'fail' }), m({ A: 'na' }), m({ A: 'fail' })]).size).toBe(0);
    expect(pointStanding(null, false)).toBe('uninspected');
    expect(pointStanding(0, false)).toBe('passed');
    expect(pointStanding(2, true)).toBe('chronic');
  });
});

describe('allocateSample', () => {
  it('gives fixed types their size and shares the rest by size, one at least, never more than exists', () => {
    expect(
      allocateSample(
        [
          { type: 'A', count: 12 },
          { type: 'B', count: 6 },
        ],
        9,
      ),
    ).toEqual({ A: 6, B: 3 });
    expect(
      allocateSample(
        [
          { type: 'MAIN_ROAD', count: 40 },
          { type: 'BUS_STOP', count: 90 },
          { type: 'TOILET', count: 9 },
          { type: 'HUB', count: 1 },
        ],
        32,
        { MAIN_ROAD: 12 },
      ),
      // One each, then the 17 left shared 90 : 9 (HUB is full): 15.45 and 1.55 → 15 + 1, and the
      // last one to the larger remainder (TOILET).
    ).toEqual({ MAIN_ROAD: 12, BUS_STOP: 16, TOILET: 3, HUB: 1 });
    expect(allocateSample([{ type: 'A', count: 3 }], 215)).toEqual({ A: 3 });
  });
});

describe('drawSample', () => {
  const strata = new Map([
    ['A', Array.from({ length: 50 }, (_, i) => i + 1)],
    ['B', [101, 102, 103, 104]],
  ]);
  it('draws the same points for the same seed, sizes as asked, without replacement, and does not mutate its input', () => {
    const a = drawSample(123, strata, { A: 5, B: 2 });
    expect(drawSample(123, strata, { A: 5, B: 2 })).toEqual(a);
    expect(a.get('A')).toHaveLength(5);
    expect(new Set(a.get('A')).size).toBe(5);
    expect(a.get('B')!.every((id) => [101, 102, 103, 104].includes(id))).toBe(true);
    expect(drawSample(124, strata, { A: 5, B: 2 }).get('A')).not.toEqual(a.get('A'));
    // One type's draw does not move when another type's size changes.
    expect(drawSample(123, strata, { A: 5, B: 4 }).get('A')).toEqual(a.get('A'));
    expect(strata.get('B')).toEqual([101, 102, 103, 104]);
  });
});

describe('estimates', () => {
  it('t-interval with the finite-population correction; none from one point; none for a census', () => {
    // mean 0.75, s = 0.3536, t(1) = 12.706, √(1 − 2/4) = 0.7071: margin = 12.706 × 0.3536 / √2 × 0.7071 = 2.246.
    expect(estimateMean([1, 0.5], 4)).toEqual({
      n: 2,
      population: 4,
      score: 75,
      margin: 224.6,
      low: 0,
      high: 100,
      grade: 'B',
    });
    expect(estimateMean([0.9], 10)).toMatchObject({ score: 90, margin: null, grade: 'A' });
    expect(estimateMean([0.5, 0.7], 2)).toMatchObject({ score: 60, margin: 0, low: 60, high: 60, grade: 'C' });
  });
  it('the stratified estimate weights each type by its share of the points', () => {
    // W = 0.75 and 0.25: 0.75 × 0.8 + 0.25 × 0.4 = 0.7; both strata censused, so no margin.
    expect(
      estimateStratified([
        { population: 3, scores: [0.8, 0.8, 0.8] },
        { population: 1, scores: [0.4] },
      ]),
    ).toMatchObject({ n: 4, population: 4, score: 70, margin: 0, complete: true, grade: 'C' });
  });
});
