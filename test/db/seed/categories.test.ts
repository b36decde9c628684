import { describe, it, expect } from 'vitest';
import { CATEGORY_GROUPS, DEFAULT_CATEGORIES } from '../../../db/seed/categories.js';

describe('DEFAULT_CATEGORIES', () => {
  const byCode = new Map(DEFAULT_CATEGORIES.map((c) => [c.code, c]));

  it('has unique codes: 5-digit national codes under their group, L-prefixed local codes flagged local', () => {
    expect(byCode.size).toBe(DEFAULT_CATEGORIES.length);
    for (const c of DEFAULT_CATEGORIES) {
      expect(c.code.startsWith(c.group_code)).toBe(true);
      if (c.local) expect(c.code).toMatch(/^L\d{2}\d{3}$/);
      else expect(c.code).toMatch(/^\d{5}$/);
      expect(CATEGORY_GROUPS.find((g) => g.code === c.group_code)?.name).toBe(c.group_name);
    }
  });

  it('covers every group of domain.md with the listed number of categories', () => {
    const count = (g: string) => DEFAULT_CATEGORIES.filter((c) => c.group_code === g).length;
    expect([count('06'), count('07'), count('08'), count('09'), count('03')]).toEqual([21, 5, 7, 10, 3]);
    expect([count('L01'), count('L02'), count('L03')]).toEqual([4, 4, 5]);
  });

  it('gives every category a department, a positive limit, a clock type and at least one tag', () => {
    for (const c of DEFAULT_CATEGORIES) {
      expect(c.department.length).toBeGreaterThan(0);
      expect(c.limit_value).toBeGreaterThan(0);
      expect(['continuous_hours', 'working_hours', 'working_days', 'natural_days']).toContain(c.clock);
      expect(c.tags.length).toBeGreaterThan(0);
    }
  });

  it('uses the example limits of local practice', () => {
    const limit = (code: string) => [byCode.get(code)?.limit_value, byCode.get(code)?.clock];
    expect(limit('06010')).toEqual([4, 'working_hours']); // 暴露垃圾
    expect(limit('06012')).toEqual([3, 'working_hours']); // 道路不洁
    expect(limit('06011')).toEqual([3, 'working_days']); // 积存垃圾渣土
    expect(limit('06001')).toEqual([15, 'working_days']); // 私搭乱建
    expect(limit('L01001')).toEqual([2, 'working_days']); // 鼠迹/鼠洞
  });
});
