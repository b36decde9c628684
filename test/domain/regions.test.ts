import { describe, expect, it } from 'vitest';
import {
  CHILD_LEVEL,
  CODE_LENGTH,
  REGION_LEVELS,
  chainCodes,
  codeInArea,
  codeVisible,
  levelOfCode,
} from '../../domain/regions.js';

describe('region levels and code lengths', () => {
  it('orders the levels county → street → community → block with 6, 9, 12, 15 digits', () => {
    expect(REGION_LEVELS).toEqual(['county', 'street', 'community', 'block']);
    expect(CODE_LENGTH).toEqual({ county: 6, street: 9, community: 12, block: 15 });
    expect(CHILD_LEVEL).toEqual({ county: 'street', street: 'community', community: 'block', block: null });
  });

  it('names the level of a code by its length, and null for a length no level has', () => {
    expect(levelOfCode('430121')).toBe('county');
    expect(levelOfCode('430121001')).toBe('street');
    expect(levelOfCode('430121001002')).toBe('community');
    expect(levelOfCode('430121001002003')).toBe('block');
    expect(levelOfCode('4301210')).toBeNull();
    expect(levelOfCode('')).toBeNull();
  });
});

describe('chainCodes', () => {
  it('lists a block and its ancestors, county first', () => {
    expect(chainCodes('430121001002003')).toEqual(['430121', '430121001', '430121001002', '430121001002003']);
  });

  it('stops at the code itself for a street, and gives the county alone for a county', () => {
    expect(chainCodes('430121001')).toEqual(['430121', '430121001']);
    expect(chainCodes('430121')).toEqual(['430121']);
  });
});

describe('codeInArea', () => {
  const area = ['430121001001001', '430121002'];

  it('accepts codes at or below one of the area codes', () => {
    expect(codeInArea(area, '430121001001001')).toBe(true);
    expect(codeInArea(area, '430121002003')).toBe(true);
    expect(codeInArea(area, '430121002003004')).toBe(true);
  });

  it('refuses a sibling and an ancestor of the area', () => {
    expect(codeInArea(area, '430121001001002')).toBe(false);
    expect(codeInArea(area, '430121001001')).toBe(false);
    expect(codeInArea(area, '430121')).toBe(false);
  });

  it('accepts everything for the whole jurisdiction (null) and nothing for an empty area', () => {
    expect(codeInArea(null, '430121003')).toBe(true);
    expect(codeInArea([], '430121')).toBe(false);
  });
});

describe('codeVisible', () => {
  const area = ['430121001001001'];

  it('shows the area and the community, street and county above it', () => {
    expect(codeVisible(area, '430121001001001')).toBe(true);
    expect(codeVisible(area, '430121001001')).toBe(true);
    expect(codeVisible(area, '430121001')).toBe(true);
    expect(codeVisible(area, '430121')).toBe(true);
  });

  it('hides a sibling block, a neighbouring community and another street', () => {
    expect(codeVisible(area, '430121001001002')).toBe(false);
    expect(codeVisible(area, '430121001002')).toBe(false);
    expect(codeVisible(area, '430121002')).toBe(false);
  });

  it('shows everything to the whole jurisdiction (null)', () => {
    expect(codeVisible(null, '430121002003004')).toBe(true);
  });
});
