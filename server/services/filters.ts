/** The request → query translation every filtered route shares. */
import type { ProblemFilterQuery } from '../schemas/filters.js';
import type { ProblemFilters } from '../../db/queries/filters.js';

/** The problem filters of a request (any query that extends ProblemFilterQuery; other keys dropped). */
export function filtersOf(q: ProblemFilterQuery): ProblemFilters {
  const { status, category, group, source, tag, region, from, to, overdue, escalated, q: text } = q;
  return { status, category, group, source, tag, region, from, to, overdue, escalated, q: text };
}
