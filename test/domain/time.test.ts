import { describe, expect, it } from 'vitest';
import { fromShanghaiWall } from '../../domain/time.js';

describe('fromShanghaiWall', () => {
  it('reads a deadline typed in Shanghai wall time, whatever the machine zone', () => {
    expect(fromShanghaiWall('2026-11-27T09:00').toISOString()).toBe('2026-11-27T01:00:00.000Z');
    expect(fromShanghaiWall('2026-11-27T07:59:30').toISOString()).toBe('2026-11-26T23:59:30.000Z');
  });
});
