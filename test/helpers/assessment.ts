/**
 * Assessment fixtures on createWorld's county: a bus stop in the manager's block and one in the
 * neighbour block, one inspection of each (the manager's fails one item, so it has a problem; the
 * neighbour's passes, so the matrix's problem counts of that block stay as written), and a
 * sample drawing both, with a task each, handed to the inspector. Written through the query
 * functions the routes use.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { FULL_SCOPE } from '../../db/queries/scope.js';
import { createPoint } from '../../db/queries/points.js';
import { submitInspection } from '../../db/queries/inspections.js';
import { createSample, sampleStrata } from '../../db/queries/samples.js';
import { centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type World } from './world.js';

export interface AssessmentFixture {
  minePoint: number;
  neighPoint: number;
  mineInspection: number;
  neighInspection: number;
  sample: number;
  mineTask: number;
  neighTask: number;
  /** The bus-stop standard (current) and its item ids. */
  standard: number;
  items: number[];
  /** Current version of a point (edits need it). */
  pointVersion(id: number): Promise<number>;
  /** A fresh active point in a far block (street 2), for writes such as retire. */
  freshPoint(): Promise<number>;
}

export const MINE_POINT_NAME = '本网格公交站';
export const NEIGH_POINT_NAME = '邻居网格公交站甲乙';

/** Registers a bus stop (测评点位) at `at` [lon, lat] as `actor`, county-wide; its id. */
export async function addBusStop(
  db: Kysely<DB>,
  at: [number, number],
  name: string,
  actor: { id: number },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const r = await createPoint(
      trx,
      {
        type_code: 'BUS_STOP',
        name,
        address: null,
        unit: null,
        ref: null,
        geometry: { type: 'Point', coordinates: at },
      },
      FULL_SCOPE,
      actor,
    );
    if (r.kind !== 'ok') throw new Error(`fixture point: ${r.kind}`);
    return r.id;
  });
}

export async function loadAssessment(db: Kysely<DB>, world: World): Promise<AssessmentFixture> {
  const actor = { id: world.userIds.admin, username: 'admin', role: 'admin' as const };
  let n = 0;
  const point = (at: [number, number], name: string) => addBusStop(db, at, name, actor);
  const [mx, my] = centre(MANAGER_BLOCK);
  const [nx, ny] = centre(NEIGHBOUR_BLOCK);
  const minePoint = await point([mx + 0.001, my + 0.003], MINE_POINT_NAME);
  const neighPoint = await point([nx + 0.001, ny + 0.003], NEIGH_POINT_NAME);
  const std = await sql<{
    id: number;
  }>`SELECT id FROM standards WHERE type_code = 'BUS_STOP' ORDER BY version DESC LIMIT 1`.execute(db);
  const standard = Number(std.rows[0].id);
  const items = (
    await db.selectFrom('standard_items').select('id').where('standard_id', '=', standard).orderBy('sort').execute()
  ).map((r) => r.id);
  const inspect = (pointId: number, failFirst: boolean) =>
    db.transaction().execute(async (trx) => {
      const o = await submitInspection(
        trx,
        {
          point_id: pointId,
          standard_id: standard,
          kind: 'inspection',
          task_id: null,
          // The first item (站台整洁, 06012 道路不洁, 城管局) fails when asked.
          items: items.map((id, i) => ({ item_id: id, result: failFirst && i === 0 ? 'fail' : 'pass', photos: [] })),
        },
        FULL_SCOPE,
        actor,
      );
      if (o.kind !== 'ok') throw new Error(`fixture inspection: ${o.kind}`);
      return o.id;
    });
  const mineInspection = await inspect(minePoint, true);
  const neighInspection = await inspect(neighPoint, false);
  const strata = await sampleStrata(db, FULL_SCOPE, '430121');
  const sample = await db.transaction().execute((trx) =>
    createSample(
      trx,
      {
        name: '矩阵抽样',
        seed: 42,
        region: '430121',
        sizes: { BUS_STOP: 2 },
        due_at: new Date(Date.now() + 7 * 86_400_000),
        assignees: [world.userIds.inspector],
      },
      strata,
      actor,
    ),
  );
  const tasks = await db
    .selectFrom('sample_tasks')
    .select(['id', 'point_id'])
    .where('sample_id', '=', sample.id)
    .execute();
  return {
    minePoint,
    neighPoint,
    mineInspection,
    neighInspection,
    sample: sample.id,
    mineTask: tasks.find((t) => t.point_id === minePoint)!.id,
    neighTask: tasks.find((t) => t.point_id === neighPoint)!.id,
    standard,
    items,
    pointVersion: async (id) =>
      (await db.selectFrom('points').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version,
    freshPoint: () => point(centre('430121002002002'), `新点位${++n}`),
  };
}
