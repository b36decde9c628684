/**
 * The open problems' hotspot columns in one small index: DBSCAN and Gi* read every open problem
 * (category, status, report time, region, point), and 16.5 % of the rows are open, spread over the
 * whole table — so the status index led to every heap page: 1.4–1.9 s to read the 336,176 open
 * rows of the 2,000,000 at L (658 MB of heap), against 145 ms as an index-only scan of this
 * 33 MB index (EXPLAIN ANALYZE on pm_bench_l, load ~12; docs/performance.md). Keyed on the region
 * code, so a manager's hotspots read their own range of it. The price is one more index entry per
 * open problem written.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX problems_open_cover_idx ON problems (region_code) INCLUDE (category_code, status, reported_at, geom)
    WHERE status IN ('reported', 'filed', 'dispatched', 'in_progress', 'resolved')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS problems_open_cover_idx`.execute(db);
}
