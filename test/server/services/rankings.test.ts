import { describe, expect, it } from 'vitest';
import { checkIndicatorConfig, loadIndicatorConfig } from '../../../server/services/rankings.js';
import { DEFAULT_INDICATOR_CONFIG } from '../../../domain/indicators.js';

describe('checkIndicatorConfig', () => {
  it('accepts an empty file (the defaults) and comment members', () => {
    expect(checkIndicatorConfig({})).toEqual(DEFAULT_INDICATOR_CONFIG);
    expect(checkIndicatorConfig({ $comment: 'x', comment: 'y', grades: { D: 30 } }).grades).toEqual({
      A: 90,
      B: 75,
      C: 60,
      D: 30,
    });
  });

  it('names each bad member and what it must be', () => {
    expect(() => checkIndicatorConfig({ weights: { speed: 10 } })).toThrow(
      'unknown member "speed" in weights (known: closure_rate, on_time_rate, disposal_rate, on_time_disposal_rate, rework_rate, extension_rate, overdue_pending_rate, point_pass_rate)',
    );
    expect(() => checkIndicatorConfig({ weights: { closure_rate: -1 } })).toThrow(
      'weights.closure_rate must be a number ≥ 0',
    );
    expect(() => checkIndicatorConfig({ weights: { closure_rate: '5' } })).toThrow(
      'weights.closure_rate must be a number ≥ 0',
    );
    expect(() => checkIndicatorConfig({ grades: { A: 101, E: 10 } })).toThrow(
      'unknown member "E" in grades (known: A, B, C, D); grades.A must be a number in 0–100',
    );
    expect(() => checkIndicatorConfig({ weight: {} })).toThrow(
      'unknown member "weight" (known: weights, grades, comment)',
    );
    expect(() => checkIndicatorConfig([])).toThrow('value must be a JSON object');
    expect(() => checkIndicatorConfig({ weights: [] })).toThrow('weights must be an object of indicator weights');
  });

  it('keeps the rules the shape cannot say: weights above 0 in all, grades in order', () => {
    expect(() => checkIndicatorConfig({ weights: { closure_rate: 0 } })).toThrow(/more than 0/);
    expect(() => checkIndicatorConfig({ grades: { B: 95 } })).toThrow(/A ≥ B ≥ C ≥ D/);
  });
});

describe('loadIndicatorConfig', () => {
  it('reads the shipped weights file (the guide\u2019s example weights)', () => {
    expect(loadIndicatorConfig(null)).toEqual(DEFAULT_INDICATOR_CONFIG);
  });
});
