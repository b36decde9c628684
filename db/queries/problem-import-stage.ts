/**
 * The bulk problem import at scale: rows arrive as a stream of validated batches (the CSV is parsed
 * while it is read), go into a per-import temporary staging table — by COPY on PostgreSQL, by
 * INSERT … FROM unnest(arrays) per batch on PGlite — and every heavy step (block assignment,
 * duplicates, recurrences) runs there, set-based, *outside* any transaction that touches
 * `problems`. Only the last step is one short transaction: INSERT … SELECT of the staged rows into
 * `problems` with their 'import' events (and, through the triggers, the rollups).
 *
 * Why not one transaction as before: the rollup triggers lock the street rows a write touches, so a
 * long import transaction made every create in those streets wait for it; and on PGlite (one
 * connection) a transaction holds the only connection — login and /readyz queued behind a 100,000
 * row import for ~30 s. Here, on PGlite, each batch is its own statement and the import yields to
 * the event loop between them, so other requests get the connection in between; on PostgreSQL the
 * import uses one dedicated connection of the pool for its temporary tables and COPY.
 *
 * The staging tables are TEMPORARY: invisible to every other session, gone with the connection if
 * the process dies; dropped explicitly at the end (the PostgreSQL connection is closed, PGlite's
 * tables are dropped) whether the import succeeded or not.
 *
 * All-or-nothing is unchanged: with `partial = false`, any bad row (from the parse or outside
 * coverage) means nothing is written. Duplicate and recurrence links are computed against the
 * problems as they were just before the publish (a problem closed during a long import's last
 * seconds is not linked: both are warnings or links, never refusals).
 */
import { sql, Kysely, PostgresDialect, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DB } from '../types.js';
import type { DbHandle } from '../index.js';
import type { ImportRow, Rejection } from '../../domain/problem-import.js';
import { OPEN_STATUS_SQL } from './filters.js';
import {
  bumpProblemsVersion,
  DUPLICATE_RADIUS_M,
  DUPLICATE_WINDOW_HOURS,
  RECURRENCE_RADIUS_M,
  RECURRENCE_WINDOW_DAYS,
  type Actor,
  type ImportResult,
} from './problems.js';

/** Staged rows per statement on PGlite (between two yields to the event loop). */
export const STAGE_BATCH_ROWS = 5000;
/** Statement timeout of the import's own PostgreSQL connection (the pool's 30 s would cut a million-row publish). */
const IMPORT_STATEMENT_TIMEOUT = '600s';
/** work_mem of that connection (PostgreSQL's memory, per sort or hash; the server process is not affected). */
const IMPORT_WORK_MEM = '128MB';

/** Lets other requests (a health check, a login) run between the batches of a long import. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let importCounter = 0;

/** A Kysely over one checked-out pg client (its temporary tables live in that session). */
function kyselyOnClient(client: pg.PoolClient): Kysely<DB> {
  const pool = {
    connect: async () => ({ query: (text: string, params?: unknown[]) => client.query(text, params), release() {} }),
    end: async () => {},
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
}

/** One field in COPY text format (tab-separated, `\N` for null). */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : v;
}

/** Photos travel as one string per row joined by the unit separator (U+001F, never in a URL). */
const PHOTO_SEP = '\u001f';

function copyLine(r: ImportRow): string {
  return `${r.line}\t${r.lon}\t${r.lat}\t${copyField(r.category_code)}\t${copyField(r.description)}\t${copyField(r.address)}\t${copyField(r.source)}\t${r.severity}\t${copyField(r.reporter)}\t${copyField(r.photos.join(PHOTO_SEP))}\t${r.reported_at.toISOString()}\n`;
}

const STAGE_COLUMNS =
  'line, lon, lat, category_code, description, address, source, severity, reporter, photos, reported_at';

export interface StreamImportOptions {
  partial: boolean;
  /** Rows refused by the parse so far (the parse fills it while the rows stream). */
  report: { rejected: Rejection[]; total: number };
}

/** Timings of the steps, milliseconds (for the bench and the log). */
export type ImportSteps = Record<string, number>;

/**
 * Imports a stream of validated rows (see the file comment). Returns `created: 0` when nothing was
 * written: a refused import (a bad row with `partial = false`, or nothing left to write), with
 * every row outside coverage in `outside`. `report` is read after the stream has ended, so parse
 * rejections of the whole file are known before deciding.
 */
export async function importProblemStream(
  handle: DbHandle,
  batches: AsyncIterable<ImportRow[]> | Iterable<ImportRow[]>,
  actor: Actor,
  opts: StreamImportOptions,
  steps: ImportSteps = {},
): Promise<ImportResult> {
  const name = `problem_import_${process.pid}_${++importCounter}`;
  const client = handle.backend === 'pg' && handle.pool ? await handle.pool.connect() : null;
  const db = client ? kyselyOnClient(client) : handle.db;
  const stage = sql.table(name);
  const region = sql.table(`${name}_region`);
  const links = sql.table(`${name}_links`);
  let failed: unknown;
  const time = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      steps[step] = Math.round(performance.now() - t);
    }
  };
  try {
    if (client) {
      // For this connection only (it is closed afterwards): no JIT — the tile-bin trigger's
      // ST_Transform cost estimate made PostgreSQL compile it for ~1 s on every publish, longer
      // than computing the bins — and sorts and hashes of a large file kept in memory rather than
      // spilled (the rollup trigger's GROUP BY of 100,000 rows spilled 5 MB at the default 4 MB).
      await client.query(
        `SET statement_timeout = '${IMPORT_STATEMENT_TIMEOUT}'; SET jit = off; SET work_mem = '${IMPORT_WORK_MEM}'`,
      );
    }
    await sql`CREATE TEMP TABLE ${stage} (
        line int NOT NULL, lon float8 NOT NULL, lat float8 NOT NULL, category_code text NOT NULL, description text NOT NULL,
        address text, source text NOT NULL, severity int NOT NULL, reporter text, photos text NOT NULL, reported_at timestamptz NOT NULL,
        geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED
      )`.execute(db);
    const staged = await time('stage', () =>
      client ? copyBatches(client, name, batches) : insertBatches(db, stage, batches),
    );
    if (staged === 0) return { created: 0, outside: [], possibleDuplicates: [] };
    await time('index', async () => {
      await sql`CREATE UNIQUE INDEX ON ${stage} (line)`.execute(db);
      await sql`CREATE INDEX ON ${stage} USING gist (geom)`.execute(db);
      await sql`ANALYZE ${stage}`.execute(db);
    });
    const ranges = client ? null : await lineRanges(db, stage);

    const outside = await time('assign', () => assignBlocks(db, stage, region, ranges));
    const refused = opts.report.rejected.length > 0 || outside.length > 0;
    if (refused && !opts.partial) return { created: 0, outside, possibleDuplicates: [] };
    if (outside.length === staged) return { created: 0, outside, possibleDuplicates: [] };

    const possibleDuplicates = await time('duplicates', () => findDuplicates(db, stage, region, ranges));
    await time('recurrences', () => linkRecurrences(db, stage, links, ranges));
    const created = await time('publish', () =>
      db.transaction().execute(async (trx) => {
        const r = await sql<{ created: number }>`
          WITH ins AS (
            INSERT INTO problems (category_code, description, severity, source, reporter, address, photos, geom, region_code, reported_at, created_by, recurrence_of)
            SELECT i.category_code, i.description, i.severity, i.source, i.reporter, i.address,
                   CASE WHEN i.photos = '' THEN '{}'::text[] ELSE string_to_array(i.photos, chr(31)) END,
                   i.geom, a.code, i.reported_at, ${actor.id}, l.id
            FROM ${stage} i JOIN ${region} a ON a.line = i.line
            LEFT JOIN ${links} l ON l.line = i.line
            -- Block by block rather than in file order: neighbouring rows then land in the same GiST
            -- and btree pages. Ids follow that order. Codes are digits: byte order (C) sorts them
            -- as the locale would, without its comparison cost (0.8 s of 100,000 rows).
            ORDER BY a.code COLLATE "C", i.line
            RETURNING id
          ), ev AS (
            INSERT INTO problem_events (problem_id, actor, actor_id, action, from_status, to_status)
            SELECT id, ${actor.username}, ${actor.id}, 'import', NULL, 'reported' FROM ins
            RETURNING 1
          )
          SELECT count(*)::int AS created FROM ev`.execute(trx);
        const n = r.rows[0]?.created ?? 0;
        if (n > 0) await bumpProblemsVersion(trx);
        return n;
      }),
    );
    return { created, outside, possibleDuplicates };
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    if (client) {
      // Closing the connection drops its temporary tables and its settings with it.
      client.release(failed instanceof Error ? failed : true);
    } else {
      await sql`DROP TABLE IF EXISTS ${stage}, ${region}, ${links}`.execute(db).catch(() => undefined);
    }
  }
}

/** PostgreSQL: one COPY … FROM STDIN for the whole stream, batch by batch with backpressure. */
async function copyBatches(
  client: pg.PoolClient,
  table: string,
  batches: AsyncIterable<ImportRow[]> | Iterable<ImportRow[]>,
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${STAGE_COLUMNS}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  // Never an unhandled rejection while the parse is still running.
  done.catch(() => undefined);
  let n = 0;
  try {
    for await (const batch of batches) {
      let chunk = '';
      for (const r of batch) chunk += copyLine(r);
      n += batch.length;
      if (!stream.write(chunk)) await Promise.race([new Promise((r) => stream.once('drain', r)), done]);
    }
  } catch (err) {
    // CopyFail: the server discards what it had; the connection is closed afterwards anyway.
    stream.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  stream.end();
  await done;
  return n;
}

/**
 * PGlite: one INSERT … FROM unnest(arrays) per {@link STAGE_BATCH_ROWS} rows, yielding to the event
 * loop in between. The parse hands on small batches (for the heap, see CSV_STREAM_BATCH); they are
 * gathered here so that each statement still carries STAGE_BATCH_ROWS rows.
 */
async function insertBatches(
  db: Kysely<DB>,
  stage: RawBuilder<unknown>,
  batches: AsyncIterable<ImportRow[]> | Iterable<ImportRow[]>,
): Promise<number> {
  let n = 0;
  let pending: ImportRow[] = [];
  const insert = async (chunk: ImportRow[]) => {
    await yieldToEventLoop();
    await sql`INSERT INTO ${stage} (${sql.raw(STAGE_COLUMNS)})
      SELECT * FROM unnest(${chunk.map((r) => r.line)}::int[], ${chunk.map((r) => r.lon)}::float8[], ${chunk.map((r) => r.lat)}::float8[],
                  ${chunk.map((r) => r.category_code)}::text[], ${chunk.map((r) => r.description)}::text[], ${chunk.map((r) => r.address)}::text[],
                  ${chunk.map((r) => r.source)}::text[], ${chunk.map((r) => r.severity)}::int[], ${chunk.map((r) => r.reporter)}::text[],
                  ${chunk.map((r) => r.photos.join(PHOTO_SEP))}::text[], ${chunk.map((r) => r.reported_at.toISOString())}::timestamptz[])`.execute(
      db,
    );
    n += chunk.length;
  };
  for await (const batch of batches) {
    for (const r of batch) pending.push(r);
    while (pending.length >= STAGE_BATCH_ROWS) {
      await insert(pending.slice(0, STAGE_BATCH_ROWS));
      pending = pending.slice(STAGE_BATCH_ROWS);
    }
  }
  if (pending.length > 0) await insert(pending);
  return n;
}

/** Disjoint [first, last] line ranges of STAGE_BATCH_ROWS staged rows each (PGlite's batches). */
async function lineRanges(db: Kysely<DB>, stage: RawBuilder<unknown>): Promise<[number, number][]> {
  const r = await sql<{ lo: number; hi: number }>`
    SELECT min(line) AS lo, max(line) AS hi FROM (SELECT line, (row_number() OVER (ORDER BY line) - 1) / ${STAGE_BATCH_ROWS} AS b FROM ${stage}) s
    GROUP BY b ORDER BY b`.execute(db);
  return r.rows.map((x) => [x.lo, x.hi]);
}

/** `AND i.line BETWEEN lo AND hi` for one range, or nothing (PostgreSQL: one statement). */
const inRange = (range: [number, number] | null) =>
  range ? sql`AND i.line BETWEEN ${range[0]} AND ${range[1]}` : sql``;

/** Runs `step` once (PostgreSQL) or once per range with a yield before each (PGlite). */
async function perRange(
  ranges: [number, number][] | null,
  step: (range: [number, number] | null) => Promise<void>,
): Promise<void> {
  if (!ranges) return step(null);
  for (const range of ranges) {
    await yieldToEventLoop();
    await step(range);
  }
}

/**
 * Every staged row's finest covering region into `region (line, code)`; returns the rows no region
 * covers. Blocks first, polygons as the outer side (LATERAL: each block probes the staging table's
 * GiST index once and its prepared polygon is reused for every candidate point — planned the other
 * way round, every point probed the regions index and re-prepared its polygon), the lower code on a
 * shared edge; then the rare point in a gap between blocks goes to the finest region covering it.
 */
async function assignBlocks(
  db: Kysely<DB>,
  stage: RawBuilder<unknown>,
  region: RawBuilder<unknown>,
  ranges: [number, number][] | null,
): Promise<Rejection[]> {
  await sql`CREATE TEMP TABLE ${region} (line int NOT NULL, code text NOT NULL)`.execute(db);
  await perRange(ranges, async (range) => {
    await sql`INSERT INTO ${region}
      SELECT h.line, min(h.code) FROM (
        SELECT i.line, r.code FROM regions r
        CROSS JOIN LATERAL (SELECT i.line FROM ${stage} i WHERE i.geom && r.geom AND ST_Covers(r.geom, i.geom) ${inRange(range)} OFFSET 0) i
        WHERE r.level = 'block'
      ) h GROUP BY h.line`.execute(db);
  });
  await sql`CREATE UNIQUE INDEX ON ${region} (line)`.execute(db);
  await sql`INSERT INTO ${region}
    WITH gap AS MATERIALIZED (
      SELECT i.line, i.geom FROM ${stage} i WHERE NOT EXISTS (SELECT 1 FROM ${region} a WHERE a.line = i.line)
    )
    SELECT DISTINCT ON (g.line) g.line, r.code
    FROM gap g JOIN regions r ON ST_Covers(r.geom, g.geom)
    ORDER BY g.line, length(r.code) DESC, r.code`.execute(db);
  await sql`ANALYZE ${region}`.execute(db);
  const outside = await sql<{ line: number }>`SELECT i.line FROM ${stage} i
    WHERE NOT EXISTS (SELECT 1 FROM ${region} a WHERE a.line = i.line) ORDER BY i.line`.execute(db);
  return outside.rows.map(({ line }) => ({
    line,
    reason: 'outside every region (no block covers this point)',
    code: 'outside_coverage' as const,
    params: {},
  }));
}

/**
 * Possible duplicates among the problems already on file, one per covered staged row at most: the
 * nearest open problem of the same category within {@link DUPLICATE_RADIUS_M} m and
 * {@link DUPLICATE_WINDOW_HOURS} h. The open problems reported in the file's time window drive the
 * join and probe the staging table's GiST index.
 */
async function findDuplicates(
  db: Kysely<DB>,
  stage: RawBuilder<unknown>,
  region: RawBuilder<unknown>,
  ranges: [number, number][] | null,
): Promise<ImportResult['possibleDuplicates']> {
  const out: ImportResult['possibleDuplicates'] = [];
  await perRange(ranges, async (range) => {
    const r = await sql<{ line: number; id: number; distance_m: number }>`
      WITH recent AS MATERIALIZED (
        SELECT q.id, q.geom, q.category_code, q.reported_at FROM problems q
        WHERE q.status IN ${OPEN_STATUS_SQL}
          AND q.reported_at >= (SELECT min(reported_at) FROM ${stage}) - make_interval(hours => ${DUPLICATE_WINDOW_HOURS})
          AND q.reported_at <= (SELECT max(reported_at) FROM ${stage}) + make_interval(hours => ${DUPLICATE_WINDOW_HOURS})
      )
      SELECT DISTINCT ON (i.line) i.line, r.id, round(ST_Distance(r.geom::geography, i.geom::geography)::numeric, 1) AS distance_m
      FROM recent r JOIN ${stage} i
        ON i.category_code = r.category_code
       AND abs(extract(epoch FROM i.reported_at - r.reported_at)) <= ${DUPLICATE_WINDOW_HOURS * 3600}
       AND ${near(sql`i.geom`, sql`r.geom`, DUPLICATE_RADIUS_M)}
       ${inRange(range)}
      JOIN ${region} a ON a.line = i.line
      ORDER BY i.line, ST_Distance(r.geom::geography, i.geom::geography), r.id`.execute(db);
    // Not push(...rows): a file imported twice has a duplicate per row, and more than ~120,000
    // arguments overflow the stack (a 400,000-row file answered 500).
    for (const row of r.rows) out.push(row);
  });
  return out;
}

/**
 * Links each staged row to the problem it recurs: same category, within {@link RECURRENCE_RADIUS_M}
 * m of one closed in the {@link RECURRENCE_WINDOW_DAYS} days before the row's report — bounded on
 * both sides, so only the problems closed within the file's own window (plus 30 days) are read.
 *
 * Set-based as a hash join on (category, grid cell), not a spatial index probe per row: every
 * closed problem in the window and every staged row fall in cells twice the search box wide
 * (degrees, at the file's highest latitude, so a cell is never narrower than the box anywhere in
 * the file), and each staged row looks in the 2 × 2 cells of the quadrant it sits in — every point
 * within the box of it lies in one of those four. Before, each of the ~175,000 closed problems
 * of an S county probed the staging GiST index (6.4 s per 100,000 rows; the grid join 2.6 s, same
 * links); the exact test (box, then `ST_DWithin` on the spheroid) is unchanged.
 */
async function linkRecurrences(
  db: Kysely<DB>,
  stage: RawBuilder<unknown>,
  links: RawBuilder<unknown>,
  ranges: [number, number][] | null,
): Promise<void> {
  await sql`CREATE TEMP TABLE ${links} (line int NOT NULL, id int8 NOT NULL)`.execute(db);
  await perRange(ranges, async (range) => {
    await sql`INSERT INTO ${links}
      WITH g AS MATERIALIZED (
        -- Cells 2.04 box half-widths wide (1 % beyond near()'s margin: rounding never makes a
        -- cell narrower than twice the box); east–west at the file's highest latitude + 1° (a
        -- problem within 30 m of a row is at most 0.0003° further), one column near the poles.
        SELECT 2.04 * ${RECURRENCE_RADIUS_M}::float8 / 110574 AS dy,
               CASE WHEN greatest(abs(min(i.lat)), abs(max(i.lat))) >= 88 THEN 360
                    ELSE 2.04 * ${RECURRENCE_RADIUS_M}::float8 / (111320 * cos(radians(greatest(abs(min(i.lat)), abs(max(i.lat))) + 1))) END AS dx,
               min(i.reported_at) - make_interval(days => ${RECURRENCE_WINDOW_DAYS}) AS lo, max(i.reported_at) AS hi
        FROM ${stage} i WHERE true ${inRange(range)}
      ), closed AS MATERIALIZED (
        SELECT q.id, q.geom, q.category_code, q.closed_at, floor(ST_X(q.geom) / g.dx)::int AS gx, floor(ST_Y(q.geom) / g.dy)::int AS gy
        FROM problems q, g
        WHERE q.status = 'closed' AND q.closed_at >= g.lo AND q.closed_at <= g.hi
      ), cell AS MATERIALIZED (
        -- Materialized, so the planner cannot turn the join back into a staging-index probe per
        -- closed problem (it did when the problems' statistics underestimated the closed ones:
        -- 11.8 s instead of 2.3 s per 100,000 rows).
        SELECT i.line, i.geom, i.category_code, i.reported_at, i.lon / g.dx AS fx, i.lat / g.dy AS fy
        FROM ${stage} i, g WHERE true ${inRange(range)}
      ), probe AS (
        -- The row's own cell and its neighbours towards the quadrant it is in.
        SELECT i.line, i.geom, i.category_code, i.reported_at,
               floor(i.fx)::int + o.x * CASE WHEN i.fx - floor(i.fx) < 0.5 THEN -1 ELSE 1 END AS gx,
               floor(i.fy)::int + o.y * CASE WHEN i.fy - floor(i.fy) < 0.5 THEN -1 ELSE 1 END AS gy
        FROM cell i CROSS JOIN (VALUES (0, 0), (1, 0), (0, 1), (1, 1)) o(x, y)
      )
      SELECT DISTINCT ON (i.line) i.line, c.id
      FROM closed c JOIN probe i
        ON i.category_code = c.category_code AND i.gx = c.gx AND i.gy = c.gy
       AND c.closed_at >= i.reported_at - make_interval(days => ${RECURRENCE_WINDOW_DAYS})
       AND c.closed_at <= i.reported_at
       AND ${near(sql`i.geom`, sql`c.geom`, RECURRENCE_RADIUS_M)}
      ORDER BY i.line, ST_Distance(c.geom::geography, i.geom::geography), c.id`.execute(db);
  });
  await sql`CREATE UNIQUE INDEX ON ${links} (line)`.execute(db);
}

/** Within `metres` of `point` (degree box for the GiST index, then the exact spheroid test). */
function near(column: RawBuilder<unknown>, point: RawBuilder<unknown>, metres: number): RawBuilder<boolean> {
  return sql<boolean>`(${column} && ST_Expand(${point}, ${metres}::float8 / (111320 * cos(radians(ST_Y(${point})))) * 1.01, ${metres}::float8 / 110574 * 1.01)
    AND ST_DWithin(${column}::geography, ${point}::geography, ${metres}::float8))`;
}
