/**
 * Who may see what, as SQL. A scope is computed once per request from the caller (see
 * server/plugins/auth.ts) and passed to every query function that reads or writes problems or
 * regions; `null` members mean "no restriction".
 */
import { sql, type RawBuilder } from 'kysely';
import { codeInArea } from '../../domain/regions.js';

export interface Scope {
  /** Region codes the caller is responsible for (a manager's blocks / communities / streets); null = all. */
  regions: string[] | null;
  /** The department whose categories the caller handles (role `department`); null = all categories. */
  department: string | null;
}

export const FULL_SCOPE: Scope = Object.freeze({ regions: null, department: null }) as Scope;

/** LIKE patterns for region prefixes (codes are digits only, so no escaping is needed). */
export const prefixPatterns = (codes: readonly string[]): string[] => codes.map((c) => `${c}%`);

/** True when `code` lies inside the scope's regions (the code starts with a scope code). */
export const codeInScope = (scope: Scope, code: string): boolean => codeInArea(scope.regions, code);

/**
 * SQL predicate: the problem row (`regionCol`, `categoryCol`) is inside the scope.
 * Column names are trusted identifiers from our own code, never user input.
 */
export function problemScopeSql(
  scope: Scope,
  regionCol = 'problems.region_code',
  categoryCol = 'problems.category_code',
): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (scope.regions !== null) {
    parts.push(sql`${sql.ref(regionCol)} LIKE ANY (${prefixPatterns(scope.regions)}::text[])`);
  }
  if (scope.department !== null) {
    parts.push(sql`${sql.ref(categoryCol)} IN (SELECT code FROM categories WHERE department = ${scope.department})`);
  }
  if (parts.length === 0) return sql<boolean>`TRUE`;
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

/** SQL predicate: the region row's code is inside the scope, or (withAncestors) above it. */
export function regionScopeSql(scope: Scope, codeCol = 'regions.code', withAncestors = false): RawBuilder<boolean> {
  if (scope.regions === null) return sql<boolean>`TRUE`;
  const inside = sql`${sql.ref(codeCol)} LIKE ANY (${prefixPatterns(scope.regions)}::text[])`;
  if (!withAncestors) return sql<boolean>`${inside}`;
  return sql<boolean>`(${inside} OR EXISTS (SELECT 1 FROM unnest(${scope.regions}::text[]) s(c) WHERE s.c LIKE ${sql.ref(codeCol)} || '%'))`;
}
