import { describe, expect, it } from 'vitest';
import { seededRandom, shuffle } from './random.js';

describe('seeded shuffle', () => {
  it('replays the same order from the same seed and leaves its input alone', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const first = shuffle(items, seededRandom(20261201));
    expect(shuffle(items, seededRandom(20261201))).toEqual(first);
    expect([...first].sort()).toEqual(items);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('gives every order of three items about equally often (no sort-by-random bias)', () => {
    const counts = new Map<string, number>();
    const random = seededRandom(7);
    for (let i = 0; i < 60_000; i++) {
      const key = shuffle([1, 2, 3], random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['123', '132', '213', '231', '312', '321']);
    // 10 000 expected each; a biased shuffle (sort with a random comparator) is off by thousands.
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(400);
  });
});
