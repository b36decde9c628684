/**
 * The maintained rollups follow every write path: a seeded random mix of creates, workflow
 * transitions, edits (move, recategorise), CSV imports, a block renamed (ON UPDATE CASCADE), direct
 * SQL updates and deletes — then the recount from `problems` finds zero differences. The check
 * itself is shown able to fail.
 */
import { describe, expect, it } from 'vitest';
import { truncateWithRecord } from '../../../db/maintenance.js';
import { sql, type RawBuilder } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, BLOCKS, centre, type RoleName } from '../../helpers/world.js';
import { insertProblemRows } from '../../helpers/problems.js';
import { checkRollups, rebuildRollups } from '../../../db/queries/rollups.js';
import { rngFor, pick, intBetween } from '../../../domain/random.js';

/** The seed of the random workload; a failure names it so the run can be repeated. */
const WORKLOAD_SEED = 20261201;
const CATEGORIES = ['06010', '06012', '09006', '07001'];
const ACTIONS: [RoleName, string, Record<string, unknown>][] = [
  ['admin', 'file', {}],
  ['admin', 'dispatch', {}],
  ['admin', 'start', {}],
  ['admin', 'resolve', { note: '已清理' }],
  ['admin', 'close', {}],
  ['admin', 'rework', { note: '核查未通过' }],
  ['admin', 'void', { note: '不属于受理范围' }],
  ['admin', 'extend', { note: '需要协调', due_at: '2030-01-01T00:00:00Z' }],
  ['leader', 'escalate', { note: '督办' }],
];

const FORWARD: Record<string, string[]> = {
  reported: ['file', 'file', 'void'],
  filed: ['dispatch', 'dispatch', 'extend'],
  dispatched: ['start', 'resolve'],
  in_progress: ['resolve'],
  resolved: ['close', 'close', 'rework'],
};

describe.each(BACKENDS)('problem rollups on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const rollups = async () =>
    (
      await sql<{
        region_code: string;
        category_code: string;
        status: string;
        day: string;
        due_day: string;
        n: number;
      }>`
        SELECT region_code, category_code, status, to_char(day, 'YYYY-MM-DD') AS day,
               CASE WHEN due_day = 'infinity' THEN 'infinity' ELSE to_char(due_day, 'YYYY-MM-DD') END AS due_day, n
        FROM problem_rollups ORDER BY 1, 2, 3, 4, 5`.execute(ctx.handle.db)
    ).rows;

  it('counts rows by block, category, status, Shanghai report day and due day, and drops keys that reach zero', async () => {
    /** The expected rollup row of block 0, category 06010. */
    const row = (status: string, day: string, due_day: string, n: number) => ({
      region_code: BLOCKS[0].code,
      category_code: '06010',
      status,
      day,
      due_day,
      n,
    });
    await insertProblemRows(ctx.handle.db, [
      // 23:30 in Shanghai is still 2026-03-05 there (15:30 UTC).
      { block: BLOCKS[0].code, status: 'filed', reported: '2026-03-05 23:30', due: '2026-03-07 18:00' },
      { block: BLOCKS[0].code, status: 'filed', reported: '2026-03-05 08:00', due: '2026-03-07 09:00' },
      // The next Shanghai day, although the same UTC day as the first.
      {
        block: BLOCKS[0].code,
        status: 'closed',
        reported: '2026-03-06 00:30',
        due: '2026-03-08 09:00',
        closed: '2026-03-07 10:00',
      },
    ]);
    expect(await rollups()).toEqual([
      row('closed', '2026-03-06', 'infinity', 1),
      row('filed', '2026-03-05', '2026-03-07', 2),
    ]);
    await sql`UPDATE problems SET status = 'voided' WHERE status = 'filed'`.execute(ctx.handle.db);
    expect(await rollups()).toEqual([
      row('closed', '2026-03-06', 'infinity', 1),
      row('voided', '2026-03-05', 'infinity', 2),
    ]);
    await sql`DELETE FROM problems WHERE status = 'voided'`.execute(ctx.handle.db);
    expect(await rollups()).toEqual([row('closed', '2026-03-06', 'infinity', 1)]);
    await truncateWithRecord(ctx.handle.db, ['problems']);
    expect(await rollups()).toEqual([]);
  });

  it('the check finds a tampered count and a missing key', async () => {
    await insertProblemRows(ctx.handle.db, [
      { block: BLOCKS[1].code, status: 'reported', reported: '2026-03-05 10:00', filed: null },
      { block: BLOCKS[2].code, status: 'reported', reported: '2026-03-05 10:00', filed: null },
    ]);
    expect((await checkRollups(ctx.handle.db)).total).toBe(0);
    await sql`UPDATE problem_rollups SET n = 5 WHERE region_code = ${BLOCKS[1].code}`.execute(ctx.handle.db);
    await sql`DELETE FROM problem_rollups WHERE region_code = ${BLOCKS[2].code}`.execute(ctx.handle.db);
    const check = await checkRollups(ctx.handle.db);
    expect(check.total).toBe(2);
    expect(check.differences.map((d) => [d.region_code, d.stored, d.actual])).toEqual([
      [BLOCKS[1].code, 5, 1],
      [BLOCKS[2].code, 0, 1],
    ]);
    // The problem-tile bins are checked the same way.
    expect(check.bins.total).toBe(0);
    await sql`UPDATE problem_tile_bins SET n = 7 WHERE region_code = ${BLOCKS[1].code}`.execute(ctx.handle.db);
    const bins = await checkRollups(ctx.handle.db);
    expect(bins.total).toBe(3);
    expect(bins.bins.differences.map((d) => [d.region_code, d.status, d.stored, d.actual])).toEqual([
      [BLOCKS[1].code, 'reported', 7, 1],
    ]);
    // And the open totals per region: a wrong count, and a region left with a zero row.
    await sql`UPDATE problem_open_totals SET n = 4 WHERE region_code = ${BLOCKS[1].code}`.execute(ctx.handle.db);
    await sql`INSERT INTO problem_open_totals (region_code, n) VALUES (${BLOCKS[3].code}, 0)`.execute(ctx.handle.db);
    const totals = await checkRollups(ctx.handle.db);
    expect(totals.openTotals.differences.map((d) => [d.region_code, d.stored, d.actual])).toEqual([
      [BLOCKS[1].code, 4, 1],
      [BLOCKS[3].code, 0, 0],
    ]);
    expect(totals.total).toBe(5);
    await rebuildRollups(ctx.handle.db);
    expect((await checkRollups(ctx.handle.db)).total).toBe(0);
  });

  it('keeps the open problems per region: creates, transitions out of and back into open, moves, deletes', async () => {
    const totals = async () =>
      (
        await sql<{ region_code: string; n: number }>`
          SELECT region_code, n FROM problem_open_totals ORDER BY 1`.execute(ctx.handle.db)
      ).rows;
    const [a, b] = [BLOCKS[0].code, BLOCKS[1].code];
    await insertProblemRows(ctx.handle.db, [
      { block: a, status: 'reported', reported: '2026-03-05 10:00', filed: null },
      { block: a, status: 'in_progress', reported: '2026-03-05 11:00' },
      { block: a, status: 'closed', reported: '2026-03-04 10:00', closed: '2026-03-05 10:00' },
      { block: b, status: 'resolved', reported: '2026-03-05 12:00' },
    ]);
    // Closed problems are not open.
    expect(await totals()).toEqual([
      { region_code: a, n: 2 },
      { region_code: b, n: 1 },
    ]);
    // b's only open problem closes: its row goes; a closed one of a is reworked back into progress.
    await sql`UPDATE problems SET status = 'closed' WHERE region_code = ${b}`.execute(ctx.handle.db);
    await sql`UPDATE problems SET status = 'in_progress' WHERE region_code = ${a} AND status = 'closed'`.execute(
      ctx.handle.db,
    );
    expect(await totals()).toEqual([{ region_code: a, n: 3 }]);
    // One of a's open problems moves to b; an edit that changes nothing counted leaves them.
    await sql`UPDATE problems SET region_code = ${b} WHERE id = (SELECT min(id) FROM problems WHERE region_code = ${a})`.execute(
      ctx.handle.db,
    );
    await sql`UPDATE problems SET description = 'edited'`.execute(ctx.handle.db);
    expect(await totals()).toEqual([
      { region_code: a, n: 2 },
      { region_code: b, n: 1 },
    ]);
    await sql`DELETE FROM problems WHERE region_code = ${a} AND status = 'in_progress'`.execute(ctx.handle.db);
    expect(await totals()).toEqual([{ region_code: b, n: 1 }]);
  });

  it(`stays equal to the recount after a random mix of writes through the API and SQL (seed ${WORKLOAD_SEED})`, async () => {
    const rng = rngFor(WORKLOAD_SEED, 'rollup-workload');
    const ids: number[] = [];
    const tally: Record<string, number> = {};
    const count = (what: string) => (tally[what] = (tally[what] ?? 0) + 1);
    const jitter = () => (rng() - 0.5) * 0.004;
    const current = (id: number) =>
      ctx.handle.db.selectFrom('problems').select(['version', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
    for (let step = 0; step < 160; step++) {
      const r = rng();
      if (r < 0.3 || ids.length < 5) {
        const [lon, lat] = centre(pick(rng, BLOCKS).code);
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/api/problems',
          headers: auth(ctx.world.tokens.inspector),
          payload: {
            lon: lon + jitter(),
            lat: lat + jitter(),
            category: pick(rng, CATEGORIES),
            description: `随机${step}`,
          },
        });
        expect(res.statusCode, res.body).toBe(201);
        ids.push(res.json().id);
        count('create');
      } else if (r < 0.75) {
        const id = pick(rng, ids);
        const { version, status } = await current(id);
        // Mostly the next step of the closed loop, sometimes any action (often illegal).
        const forward = FORWARD[status];
        const next = forward && rng() < 0.75 ? pick(rng, forward) : null;
        const [role, action, extra] = next ? ACTIONS.find((a) => a[1] === next)! : pick(rng, ACTIONS);
        const res = await ctx.app.inject({
          method: 'POST',
          url: `/api/problems/${id}/transitions`,
          headers: auth(ctx.world.tokens[role]),
          payload: { action, version, ...extra },
        });
        // Illegal transitions (409) are part of the mix: they must change nothing.
        expect([200, 409], res.body).toContain(res.statusCode);
        count(res.statusCode === 200 ? `transition ${action}` : 'refused transition');
      } else if (r < 0.87) {
        const id = pick(rng, ids);
        const [lon, lat] = centre(pick(rng, BLOCKS).code);
        const { version } = await current(id);
        const payload =
          rng() < 0.5
            ? { version, lon: lon + jitter(), lat: lat + jitter() }
            : { version, category: pick(rng, CATEGORIES) };
        const res = await ctx.app.inject({
          method: 'PATCH',
          url: `/api/problems/${id}`,
          headers: auth(ctx.world.tokens.admin),
          payload,
        });
        // A closed or voided problem cannot be edited (409): also part of the mix.
        expect([200, 409], res.body).toContain(res.statusCode);
        count(res.statusCode === 200 ? 'edit' : 'refused edit');
      } else if (r < 0.94) {
        const rows = Array.from({ length: intBetween(rng, 1, 4) }, (_, i) => {
          const [lon, lat] = centre(pick(rng, BLOCKS).code);
          return `${(lon + jitter()).toFixed(6)},${(lat + jitter()).toFixed(6)},${pick(rng, CATEGORIES)},导入${step}-${i},2026-0${intBetween(rng, 1, 9)}-1${intBetween(rng, 0, 9)} 09:30`;
        });
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/api/problems/import',
          headers: { ...auth(ctx.world.tokens.inspector), 'content-type': 'text/csv' },
          payload: `lon,lat,category,description,reported_at\n${rows.join('\n')}\n`,
        });
        expect(res.statusCode, res.body).toBe(201);
        count('import');
      } else {
        const id = pick(rng, ids);
        await sql`UPDATE problems SET reported_at = reported_at - interval '1 day' * ${intBetween(rng, 1, 40)},
                  due_at = coalesce(due_at, now()) - interval '3 days' WHERE id = ${id}`.execute(ctx.handle.db);
        count('sql update');
      }
    }
    // A block renamed: the code cascades onto its problems.
    const renamed = '430121002002009';
    await sql`UPDATE regions SET code = ${renamed} WHERE code = '430121002002002'`.execute(ctx.handle.db);
    // The workload did reach each kind of write (else the test would prove little).
    expect(Object.keys(tally).sort()).toEqual(
      expect.arrayContaining(['create', 'edit', 'import', 'sql update', 'transition close', 'transition file']),
    );
    const check = await checkRollups(ctx.handle.db);
    expect(check.differences, `seed ${WORKLOAD_SEED}`).toEqual([]);
    expect(check.bins.differences, `seed ${WORKLOAD_SEED}`).toEqual([]);
    expect(check.bins.keys).toBeGreaterThan(10);
    expect(check.openTotals.differences, `seed ${WORKLOAD_SEED}`).toEqual([]);
    expect(check.openTotals.keys).toBeGreaterThan(3);
    expect(check.total).toBe(0);
    expect(check.problems).toBeGreaterThan(50);
    const one = async (q: RawBuilder<{ n: number }>) => (await q.execute(ctx.handle.db)).rows[0].n;
    const moved = await one(
      sql<{ n: number }>`SELECT coalesce(sum(n), 0)::int AS n FROM problem_rollups WHERE region_code = ${renamed}`,
    );
    const actual = await one(
      sql<{ n: number }>`SELECT count(*)::int AS n FROM problems WHERE region_code = ${renamed}`,
    );
    expect(moved).toBe(actual);
    expect(moved).toBeGreaterThan(0);
  });
});
