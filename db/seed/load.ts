/**
 * Loads the demo county 长沙县 (430121) into an empty database, in one transaction:
 *
 * 1. the default categories;
 * 2. the real county outline, which is self-intersecting as published, repaired through the same
 *    import path users have ({@link importRegions} with `repair`);
 * 3. the real 18 streets/towns and 225 communities/villages with a synthetic partition of the
 *    outline into them and into blocks (`partition.ts`), imported through the same path and
 *    flagged `synthetic` (the API says so: no public source has the official boundaries);
 * 4. synthetic problems over the last 90 days (`problems.ts`), inserted set-based in chunks with
 *    their region assigned by PostGIS, deadlines from each category's limit on the working
 *    calendar, and one `problem_events` row per step of their history.
 *
 * Deterministic for a given `seed` and `now`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { pointSql } from '../spatial.js';
import { upsertCategories } from '../queries/categories.js';
import { importRegions, type ImportResult } from '../queries/regions.js';
import { DEFAULT_CATEGORIES } from './categories.js';
import {
  DEFAULT_BLOCKS,
  partitionCounty,
  shortRegionName,
  urbanStreetCodes,
  type AreaGeometry,
  type CommunityInput,
  type StreetInput,
} from './partition.js';
import {
  DEFAULT_PROBLEM_COUNT,
  DEFAULT_PROBLEM_DAYS,
  generateProblems,
  type SeedProblem,
  type ProblemStatus,
} from './problems.js';
import { computeDueAt, isOverdue, type ClockType } from '../../domain/deadline.js';
import { OPEN_STATUSES } from '../../domain/workflow.js';
import { HOUR_MS } from '../../domain/time.js';
import { createCalendar, type Calendar, type DayOverride } from '../../domain/calendar.js';

export const DEMO_COUNTY_CODE = '430121';
export const DEFAULT_SEED = 2026;

/** Problems per INSERT statement: large enough to amortise the round trip, small enough for PGlite's memory. */
const CHUNK = 5000;

/**
 * Overlap / overhang tolerance for the synthetic levels, m². The partition snaps vertices closer
 * than 0.2 m together so that neighbours share their boundaries exactly; along the real county
 * boundary that lets a street poke out of the published outline by slivers a few centimetres wide,
 * about 100 m² in all for the worst street (measured: ≤ 110 m² at 2,000 blocks). A real import keeps
 * the 1 m² default.
 */
const SEED_TOLERANCE_M2 = 1000;

/** Hours an item may be overdue before the sweep escalates it (督办); the config default. */
const DEFAULT_GRACE_HOURS = 24;

const dataFile = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

export interface LoadDemoOptions {
  /** Seed of every random choice (default {@link DEFAULT_SEED}). */
  seed?: number;
  /** Target number of blocks (default 2,000). */
  blocks?: number;
  /** Number of problems (default 20,000). */
  problems?: number;
  /** End of the simulated period (default: now). */
  now?: Date;
  /** Length of the simulated period in days (default 90). */
  days?: number;
  /** Hours past the deadline before an open problem is escalated (default 24). */
  escalationGraceHours?: number;
  log?: (message: string) => void;
}

export interface LoadDemoResult {
  streets: number;
  communities: number;
  blocks: number;
  problems: number;
  events: number;
  /** Open problems past their deadline at `now`. */
  overdue: number;
  /** Repair of the county outline, as the import reported it. */
  outline: ImportResult['repaired'];
  /** Milliseconds per step. */
  timings: Record<string, number>;
}

/** True when the demo county's synthetic blocks are in the database. */
export async function isDemoLoaded(db: Kysely<DB>): Promise<boolean> {
  const r = await sql<{ loaded: boolean }>`SELECT EXISTS (
      SELECT 1 FROM regions WHERE level = 'block' AND synthetic AND code LIKE ${`${DEMO_COUNTY_CODE}%`}) AS loaded`.execute(
    db,
  );
  return Boolean(r.rows[0]?.loaded);
}

/**
 * Empties problems, their record and the regions so the demo can be loaded again (`npm run seed --
 * --reset`). Users and categories stay. TRUNCATE, not DELETE: the record refuses row deletes by design.
 */
export async function resetDemoData(db: Kysely<DB>): Promise<void> {
  await sql`TRUNCATE problem_events, problems, regions RESTART IDENTITY CASCADE`.execute(db);
  await sql`UPDATE data_version SET regions = regions + 1, problems = problems + 1`.execute(db);
}

function readCsv<T>(name: string): T[] {
  return parse(readFileSync(dataFile(name)), { columns: true, skip_empty_lines: true, trim: true }) as T[];
}

/**
 * Loads the demo county (see the file comment) in one transaction: on any failure nothing stays.
 * Refuses a database that already holds regions or problems (reset it first).
 */
export async function loadDemo(db: Kysely<DB>, opts: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? new Date();
  const log = opts.log ?? (() => {});
  const timings: Record<string, number> = {};
  let t = Date.now();
  const lap = (step: string, message: string) => {
    const ms = Date.now() - t;
    timings[step] = ms;
    log(`${message} (${(ms / 1000).toFixed(1)} s)`);
    t = Date.now();
  };

  const used = await sql<{ regions: boolean; problems: boolean }>`
    SELECT EXISTS (SELECT 1 FROM regions) AS regions, EXISTS (SELECT 1 FROM problems) AS problems`.execute(db);
  if (used.rows[0]?.regions || used.rows[0]?.problems) {
    throw new Error(
      'the database already holds regions or problems: load the demo into an empty database (npm run seed -- --reset empties it)',
    );
  }

  // Pure work first, outside the transaction where possible; the partition needs the repaired outline.
  const county = JSON.parse(readFileSync(dataFile(`county-${DEMO_COUNTY_CODE}.geojson`), 'utf8'));
  const streets = readCsv<StreetInput>(`streets-${DEMO_COUNTY_CODE}.csv`);
  const communities = readCsv<CommunityInput>(`communities-${DEMO_COUNTY_CODE}.csv`).map((c) => ({
    ...c,
    name: shortRegionName(c.name),
  }));

  return db.transaction().execute(async (trx) => {
    await upsertCategories(trx, DEFAULT_CATEGORIES);
    const outline = await importRegions(
      trx,
      { type: 'FeatureCollection', features: [county] },
      // The outline itself is real (published data), so it is not flagged synthetic.
      { repair: true, actor: 'seed', synthetic: false },
    );
    const fix = outline.repaired[0];
    lap(
      'outline',
      fix
        ? `county outline repaired (${fix.reason}): ${(fix.area_after_m2 / 1e6).toFixed(1)} km²`
        : 'county outline imported',
    );

    // Partition the outline as stored (repaired), at the 6 decimals the partition itself rounds to.
    const stored = await sql<{
      geometry: AreaGeometry;
    }>`SELECT ST_AsGeoJSON(geom, 6)::json AS geometry FROM regions WHERE code = ${DEMO_COUNTY_CODE}`.execute(trx);
    const part = partitionCounty(stored.rows[0].geometry, streets, communities, {
      seed,
      blocks: opts.blocks ?? DEFAULT_BLOCKS,
    });
    lap(
      'partition',
      `partitioned into ${part.streets.length} streets, ${part.communities.length} communities, ${part.blocks.length} blocks`,
    );

    const synthetic = await importRegions(
      trx,
      { type: 'FeatureCollection', features: [...part.streets, ...part.communities, ...part.blocks] },
      { repair: true, toleranceM2: SEED_TOLERANCE_M2, actor: 'seed', synthetic: true },
    );
    lap(
      'regions',
      `imported ${synthetic.created} synthetic regions${synthetic.repaired.length ? `, ${synthetic.repaired.length} repaired` : ''}${synthetic.warnings.length ? `, ${synthetic.warnings.length} gap warning(s)` : ''}`,
    );

    const categories = await trx
      .selectFrom('categories')
      .select(['code', 'name', 'group_code', 'department', 'limit_value', 'clock'])
      .where('active', '=', true)
      .execute();
    const names = new Map<string, string>([...streets, ...communities].map((r) => [r.code, r.name]));
    const problems = generateProblems(part.blocks, categories, {
      seed,
      count: opts.problems ?? DEFAULT_PROBLEM_COUNT,
      now,
      days: opts.days ?? DEFAULT_PROBLEM_DAYS,
      urban: urbanStreetCodes(streets),
      names,
    });
    lap('generate', `generated ${problems.length} problems`);

    const overrides =
      await sql<DayOverride>`SELECT to_char(date, 'YYYY-MM-DD') AS date, kind, note FROM calendar_overrides`.execute(
        trx,
      );
    const calendar = createCalendar(overrides.rows.map((o) => ({ ...o, note: o.note ?? undefined })));
    const byCode = new Map(
      categories.map((c) => [
        c.code,
        { limit: Number(c.limit_value), clock: c.clock as ClockType, department: c.department },
      ]),
    );
    const grace = opts.escalationGraceHours ?? DEFAULT_GRACE_HOURS;
    const ids = await sql<{
      id: number;
    }>`SELECT nextval(pg_get_serial_sequence('problems', 'id')) AS id FROM generate_series(1, ${problems.length}::int) ORDER BY 1`.execute(
      trx,
    );
    const rows = problems.map((p, i) =>
      toRow(p, Number(ids.rows[i].id), byCode.get(p.category)!, calendar, now, grace),
    );
    const written = await insertProblems(trx, rows);
    const events = written.events;
    const overdue = rows.filter((r) => r.overdue).length;
    await sql`UPDATE data_version SET problems = problems + 1`.execute(trx);
    lap('problems', `inserted ${problems.length} problems with ${events} events (${overdue} overdue)`);
    return {
      streets: part.streets.length,
      communities: part.communities.length,
      blocks: part.blocks.length,
      problems: problems.length,
      events,
      overdue,
      outline: outline.repaired,
      timings,
    };
  });
}

// -------------------------------------------------------------------------------------------------

interface EventRow {
  at: Date;
  actor: string;
  action: string;
  from: ProblemStatus | null;
  to: ProblemStatus;
  note: string | null;
  /** jsonb text, as the live escalation sweep writes it. */
  data: string | null;
}

interface ProblemRow {
  id: number;
  p: SeedProblem;
  filed_at: Date | null;
  dispatched_at: Date | null;
  due_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  voided_at: Date | null;
  void_reason: string | null;
  escalated_at: Date | null;
  rework_count: number;
  updated_at: Date;
  version: number;
  overdue: boolean;
  events: EventRow[];
}

const VOID_REASON = '经核实不属于受理范围';
const REWORK_NOTE = '核查未通过，返工';

/** The action of one history step, and who plausibly took it (the demo has no real staff). */
function stepAction(
  from: ProblemStatus,
  to: ProblemStatus,
  department: string,
): { action: string; actor: string; note: string | null } {
  switch (to) {
    case 'filed':
      return { action: 'file', actor: '指挥中心', note: null };
    case 'dispatched':
      return { action: 'dispatch', actor: '指挥中心', note: null };
    case 'in_progress':
      return from === 'resolved'
        ? { action: 'rework', actor: '核查员', note: REWORK_NOTE }
        : { action: 'start', actor: department, note: null };
    case 'resolved':
      return { action: 'resolve', actor: department, note: null };
    case 'closed':
      return { action: 'close', actor: '核查员', note: null };
    case 'voided':
      return { action: 'void', actor: '指挥中心', note: VOID_REASON };
    default:
      return { action: to, actor: 'system', note: null };
  }
}

/** Timestamps, deadline, flags and record of one generated problem, consistent with its history. */
function toRow(
  p: SeedProblem,
  id: number,
  category: { limit: number; clock: ClockType; department: string },
  calendar: Calendar,
  now: Date,
  graceHours: number,
): ProblemRow {
  const first = (s: ProblemStatus) => p.history.find((h) => h.status === s)?.at ?? null;
  const last = (s: ProblemStatus) => [...p.history].reverse().find((h) => h.status === s)?.at ?? null;
  const filedAt = first('filed');
  // The deadline runs from filing, on the working calendar (调休 and holidays included).
  const dueAt = filedAt ? computeDueAt(filedAt, category.limit, category.clock, calendar) : null;
  const open = OPEN_STATUSES.includes(p.status);
  const overdue = isOverdue(dueAt, p.status, now);
  const escalateAt = dueAt ? new Date(dueAt.getTime() + graceHours * HOUR_MS) : null;
  const escalatedAt = open && escalateAt && escalateAt.getTime() < now.getTime() ? escalateAt : null;

  const events: EventRow[] = [
    { at: p.reported_at, actor: p.reporter, action: 'create', from: null, to: 'reported', note: null, data: null },
  ];
  let rework = 0;
  for (let i = 1; i < p.history.length; i++) {
    const from = p.history[i - 1].status;
    const to = p.history[i].status;
    const step = stepAction(from, to, category.department);
    if (step.action === 'rework') rework++;
    events.push({ at: p.history[i].at, actor: step.actor, action: step.action, from, to, note: step.note, data: null });
  }
  // As the live sweep (db/queries/escalation.ts) records it: actor 'system', status unchanged.
  if (escalatedAt) {
    events.push({
      at: escalatedAt,
      actor: 'system',
      action: 'escalate',
      from: p.status,
      to: p.status,
      note: `超期超过 ${graceHours} 小时，系统自动督办`,
      data: null,
    });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  // Event n (1-based, in time order) leaves the problem at version n.
  events.forEach((e, i) => {
    if (e.action === 'escalate')
      e.data = JSON.stringify({ due_at: dueAt!.toISOString(), grace_hours: graceHours, version: i + 1 });
  });
  const closedAt = p.status === 'closed' ? last('closed') : null;
  return {
    id,
    p,
    filed_at: filedAt,
    dispatched_at: first('dispatched'),
    due_at: dueAt,
    resolved_at: p.status === 'resolved' || p.status === 'closed' ? last('resolved') : null,
    closed_at: closedAt,
    voided_at: p.status === 'voided' ? last('voided') : null,
    void_reason: p.status === 'voided' ? VOID_REASON : null,
    escalated_at: escalatedAt,
    rework_count: rework,
    updated_at: events[events.length - 1].at,
    // Every transition bumps the version (optimistic concurrency), starting at 1 for the report.
    version: events.length,
    overdue,
    events,
  };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Set-based insert of the problems and their record. The rows go into a staging table in chunks
 * (unnest of parallel arrays, {@link CHUNK} per statement), get a GiST index, and are assigned
 * their region in one join with the regions as the outer loop: each block's polygon is prepared
 * once and probed against the points in its box (several times faster than one lookup per point).
 * Blocks are the finest level, so a block that covers the point is the answer; any point no block
 * covers falls back to the finest region of any level. ST_Covers so a point on a shared edge still
 * gets a block (the tie goes to the smaller code, as everywhere).
 */
async function insertProblems(db: Kysely<DB>, rows: ProblemRow[]): Promise<{ problems: number; events: number }> {
  await sql`CREATE TEMP TABLE seed_problem (
      id int8 PRIMARY KEY, geom geometry(Point, 4326) NOT NULL, category_code text, description text, address text, source text,
      severity int2, reporter text, status text, reported_at timestamptz, filed_at timestamptz, dispatched_at timestamptz,
      due_at timestamptz, resolved_at timestamptz, closed_at timestamptz, voided_at timestamptz, void_reason text,
      escalated_at timestamptz, rework_count int4, updated_at timestamptz, version int4) ON COMMIT DROP`.execute(db);
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const col = <T>(f: (r: ProblemRow) => T): T[] => chunk.map(f);
    await sql`INSERT INTO seed_problem
      SELECT id, ${pointSql(sql.ref('lon'), sql.ref('lat'))}, category_code, description, address, source, severity, reporter,
             status, reported_at, filed_at, dispatched_at, due_at, resolved_at, closed_at, voided_at, void_reason, escalated_at,
             rework_count, updated_at, version
        FROM unnest(
          ${col((r) => r.id)}::int8[], ${col((r) => r.p.lon)}::float8[], ${col((r) => r.p.lat)}::float8[],
          ${col((r) => r.p.category)}::text[], ${col((r) => r.p.description)}::text[], ${col((r) => r.p.address)}::text[],
          ${col((r) => r.p.source)}::text[], ${col((r) => r.p.severity)}::int2[], ${col((r) => r.p.reporter)}::text[],
          ${col((r) => r.p.status)}::text[], ${col((r) => r.p.reported_at.toISOString())}::timestamptz[],
          ${col((r) => iso(r.filed_at))}::timestamptz[], ${col((r) => iso(r.dispatched_at))}::timestamptz[],
          ${col((r) => iso(r.due_at))}::timestamptz[], ${col((r) => iso(r.resolved_at))}::timestamptz[],
          ${col((r) => iso(r.closed_at))}::timestamptz[], ${col((r) => iso(r.voided_at))}::timestamptz[],
          ${col((r) => r.void_reason)}::text[], ${col((r) => iso(r.escalated_at))}::timestamptz[],
          ${col((r) => r.rework_count)}::int4[], ${col((r) => r.updated_at.toISOString())}::timestamptz[], ${col((r) => r.version)}::int4[]
        ) AS s(id, lon, lat, category_code, description, address, source, severity, reporter, status, reported_at,
               filed_at, dispatched_at, due_at, resolved_at, closed_at, voided_at, void_reason, escalated_at,
               rework_count, updated_at, version)`.execute(db);
  }
  await sql`CREATE INDEX ON seed_problem USING gist (geom)`.execute(db);
  await sql`ANALYZE seed_problem`.execute(db);
  await sql`CREATE TEMP TABLE seed_block ON COMMIT DROP AS
      SELECT DISTINCT ON (p.id) p.id, r.code FROM regions r JOIN seed_problem p ON ST_Covers(r.geom, p.geom)
       WHERE r.level = 'block' ORDER BY p.id, r.code`.execute(db);
  await sql`CREATE UNIQUE INDEX ON seed_block (id)`.execute(db);
  const inserted = await sql<{ n: number }>`
    WITH ins AS (
      INSERT INTO problems (id, category_code, description, status, severity, source, reporter, address, geom, region_code,
                            reported_at, created_at, updated_at, filed_at, dispatched_at, due_at, resolved_at, closed_at,
                            voided_at, void_reason, escalated, escalated_at, rework_count, version)
      SELECT p.id, p.category_code, p.description, p.status, p.severity, p.source, p.reporter, p.address, p.geom,
             COALESCE(b.code, (SELECT r.code FROM regions r WHERE ST_Covers(r.geom, p.geom) ORDER BY length(r.code) DESC, r.code LIMIT 1)),
             p.reported_at, p.reported_at, p.updated_at, p.filed_at, p.dispatched_at, p.due_at, p.resolved_at, p.closed_at,
             p.voided_at, p.void_reason, p.escalated_at IS NOT NULL, p.escalated_at, p.rework_count, p.version
        FROM seed_problem p LEFT JOIN seed_block b ON b.id = p.id
       ORDER BY p.id
      RETURNING 1
    ) SELECT count(*)::int AS n FROM ins`.execute(db);
  const problems = Number(inserted.rows[0]?.n ?? 0);
  if (problems !== rows.length) throw new Error(`demo load: wrote ${problems} of ${rows.length} problems`);
  await sql`DROP TABLE seed_block, seed_problem`.execute(db);

  const ev = rows.flatMap((r) => r.events.map((e) => ({ id: r.id, ...e })));
  let events = 0;
  for (let start = 0; start < ev.length; start += CHUNK * 5) {
    const chunk = ev.slice(start, start + CHUNK * 5);
    const r = await sql<{ n: number }>`
      WITH ins AS (
        INSERT INTO problem_events (problem_id, at, actor, action, from_status, to_status, note, data)
        SELECT * FROM unnest(${chunk.map((e) => e.id)}::int8[], ${chunk.map((e) => e.at.toISOString())}::timestamptz[],
                             ${chunk.map((e) => e.actor)}::text[], ${chunk.map((e) => e.action)}::text[], ${chunk.map((e) => e.from)}::text[],
                             ${chunk.map((e) => e.to)}::text[], ${chunk.map((e) => e.note)}::text[], ${chunk.map((e) => e.data)}::jsonb[])
        RETURNING 1
      ) SELECT count(*)::int AS n FROM ins`.execute(db);
    events += Number(r.rows[0]?.n ?? 0);
  }
  if (events !== ev.length) throw new Error(`demo load: wrote ${events} of ${ev.length} events`);
  return { problems, events };
}
