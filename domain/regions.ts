/**
 * The region hierarchy as rules: county (6-digit GB/T 2260 code) → street/town (+3) → community
 * (+3) → block (+3). A child's code starts with its parent's, so ancestry, rollups and scope are
 * prefix tests. The one home of the code-length table, the ancestor chain and the scope test.
 */

/** Region levels, coarsest first. */
export const REGION_LEVELS = ['county', 'street', 'community', 'block'] as const;

export type RegionLevel = (typeof REGION_LEVELS)[number];

/** Digits of a region code at each level (6 + 3 + 3 + 3). */
export const CODE_LENGTH: Readonly<Record<RegionLevel, number>> = { county: 6, street: 9, community: 12, block: 15 };

/** The level below each level (blocks have none). */
export const CHILD_LEVEL: Readonly<Record<RegionLevel, RegionLevel | null>> = {
  county: 'street',
  street: 'community',
  community: 'block',
  block: null,
};

/** The level a code of this length belongs to, or null for a length no level has. */
export function levelOfCode(code: string): RegionLevel | null {
  return REGION_LEVELS.find((l) => CODE_LENGTH[l] === code.length) ?? null;
}

/** The codes of `code` and all its ancestors, county first (`430121001001` → 430121, 430121001, 430121001001). */
export function chainCodes(code: string): string[] {
  return REGION_LEVELS.map((l) => CODE_LENGTH[l])
    .filter((n) => n <= code.length)
    .map((n) => code.slice(0, n));
}

/**
 * True when `code` lies inside the area (it starts with one of the area's codes); `null` = the
 * whole jurisdiction.
 */
export function codeInArea(area: readonly string[] | null, code: string): boolean {
  return area === null || area.some((c) => code.startsWith(c));
}

/**
 * True when `code` is inside the area or an ancestor of it: a manager may see the names and
 * outlines of the community, street and county that hold their blocks, not their siblings.
 */
export function codeVisible(area: readonly string[] | null, code: string): boolean {
  return area === null || area.some((c) => code.startsWith(c) || c.startsWith(code));
}
