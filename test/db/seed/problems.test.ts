import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Feature, Polygon } from 'geojson';
import chineseDays from 'chinese-days';
import {
  partitionCounty,
  urbanStreetCodes,
  type CommunityInput,
  type StreetInput,
} from '../../../db/seed/partition.js';
import { generateProblems, type SeedProblem } from '../../../db/seed/problems.js';
import { DEFAULT_CATEGORIES } from '../../../db/seed/categories.js';

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/l-shaped-county.geojson', import.meta.url)), 'utf8'),
) as Feature<Polygon>;

const streets: StreetInput[] = [
  { code: '999999001', name: '东城街道' },
  { code: '999999101', name: '河口镇' },
];
const communities: CommunityInput[] = [
  { code: '999999001001', name: '东门社区居委会', street_code: '999999001' },
  { code: '999999001002', name: '南湖社区居委会', street_code: '999999001' },
  { code: '999999101001', name: '河口社区居委会', street_code: '999999101' },
  { code: '999999101201', name: '大桥村村民委员会', street_code: '999999101' },
];
const names = new Map([...streets, ...communities].map((r) => [r.code, r.name]));
const { blocks } = partitionCounty(fixture.geometry, streets, communities, {
  seed: 5,
  blocks: 80,
});
const categories = DEFAULT_CATEGORIES.map((c) => ({
  code: c.code,
  group: c.group_code,
}));
const now = new Date('2026-06-30T10:00:00+08:00');
const DAY = 86_400_000;

describe('generateProblems', () => {
  const problems = generateProblems(blocks, categories, {
    seed: 11,
    count: 4000,
    now,
    days: 90,
    urban: urbanStreetCodes(streets),
    names,
  });
  const ageDays = (p: SeedProblem) => (now.getTime() - p.reported_at.getTime()) / DAY;
  const share = (ps: SeedProblem[], test: (p: SeedProblem) => boolean) => ps.filter(test).length / ps.length;
  const open = (p: SeedProblem) => !['closed', 'voided'].includes(p.status);

  it('reports within the last `days` days, sorted by time', () => {
    expect(problems.every((p) => p.reported_at <= now && ageDays(p) <= 90)).toBe(true);
    const times = problems.map((p) => p.reported_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('favours working days and working hours (Asia/Shanghai)', () => {
    const local = (p: SeedProblem) => new Date(p.reported_at.getTime() + 8 * 3_600_000);
    const onWorkday = share(problems, (p) => chineseDays.isWorkday(local(p).toISOString().slice(0, 10)));
    const inOfficeHours = share(problems, (p) => {
      const h = local(p).getUTCHours();
      return (h >= 8 && h < 12) || (h >= 14 && h < 18);
    });
    expect(onWorkday).toBeGreaterThan(0.8);
    expect(inOfficeHours).toBeGreaterThan(0.65);
  });

  it('leaves recent problems mostly open and old ones mostly closed, about 5 % voided', () => {
    expect(
      share(
        problems.filter((p) => ageDays(p) < 2),
        open,
      ),
    ).toBeGreaterThan(0.5);
    expect(
      share(
        problems.filter((p) => ageDays(p) > 30),
        (p) => p.status === 'closed',
      ),
    ).toBeGreaterThan(0.85);
    const voided = share(problems, (p) => p.status === 'voided');
    expect(voided).toBeGreaterThan(0.03);
    expect(voided).toBeLessThan(0.07);
  });

  it('records a history that starts at reported_at, moves forward in time and ends in the status', () => {
    const broken = problems.filter((p) => {
      const h = p.history;
      return (
        h[0].status !== 'reported' ||
        h[0].at.getTime() !== p.reported_at.getTime() ||
        h[h.length - 1].status !== p.status ||
        h[h.length - 1].at > now ||
        h.some((e, i) => i > 0 && e.at < h[i - 1].at)
      );
    });
    expect(broken).toEqual([]);
  });

  it('uses only the given categories and fills Chinese text fields', () => {
    const codes = new Set(categories.map((c) => c.code));
    const broken = problems.filter(
      (p) =>
        !codes.has(p.category) ||
        !/[\u4e00-\u9fff]/.test(p.description) ||
        !/^(东城街道|河口镇)/.test(p.address) ||
        p.reporter.length === 0 ||
        ![1, 2, 3].includes(p.severity) ||
        !['inspection', 'citizen', 'hotline', 'other'].includes(p.source),
    );
    expect(broken).toEqual([]);
    expect(problems[0].description).toMatch(/[\u4e00-\u9fff]/);
  });

  it('clusters points: a few blocks hold a large share of the problems', () => {
    const perBlock = new Map<string, number>();
    for (const p of problems) {
      const key = `${p.lon.toFixed(3)},${p.lat.toFixed(3)}`; // ~100 m cells
      perBlock.set(key, (perBlock.get(key) ?? 0) + 1);
    }
    const counts = [...perBlock.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length * 0.1)).reduce((a, b) => a + b, 0);
    expect(top / problems.length).toBeGreaterThan(0.4);
  });

  it('falls back to uniform categories when none of the hotspot categories is available', () => {
    const only = [{ code: 'L99001', group: 'L99', name: '测试事项' }];
    const ps = generateProblems(blocks, only, {
      seed: 1,
      count: 50,
      now,
      days: 7,
      urban: new Set(),
    });
    expect(ps.every((p) => p.category === 'L99001' && p.description.includes('测试事项'))).toBe(true);
  });
});
