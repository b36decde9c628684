import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { insertProblemRows } from '../../helpers/problems.js';
import { CAMPAIGN_ROWS } from '../../fixtures/campaign-problems.js';
import { campaignMemberIds, inCampaignSql, insertCampaign, openAtInstants } from '../../../db/queries/campaigns.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';
import { fromShanghai } from '../../../domain/time.js';

const PERIOD = { starts_at: fromShanghai('2026-10-05'), ends_at: fromShanghai('2026-10-19') };

describe.each(BACKENDS)('campaign membership on $name', (backend) => {
  const t = useApp(backend, { world: 'once' });
  let id: Record<string, number>;
  let a: number, b: number, c: number;

  it('loads the hand-made data set', async () => {
    await insertProblemRows(t.handle.db, CAMPAIGN_ROWS);
    const { rows } = await sql<{ id: number }>`SELECT id FROM problems ORDER BY id`.execute(t.handle.db);
    id = Object.fromEntries(CAMPAIGN_ROWS.map((r, i) => [r.key, Number(rows[i].id)]));
    a = await insertCampaign(
      t.handle.db,
      { name: '暴露垃圾攻坚', kind: '市容环境', ...PERIOD, categories: ['06010'], regions: ['430121001'] },
      null,
    );
    b = await insertCampaign(
      t.handle.db,
      { name: '交通秩序', kind: '交通秩序', ...PERIOD, category_groups: ['09'] },
      null,
    );
    c = await insertCampaign(
      t.handle.db,
      { name: '社区全域', kind: '背街小巷', ...PERIOD, regions: ['430121001001'] },
      null,
    );
  });

  it('selects exactly the problems the rule names (category × region × period; closed-before, after-end and voided excluded)', async () => {
    const ids = (...keys: string[]) => keys.map((k) => id[k]).sort((x, y) => x - y);
    expect(await campaignMemberIds(t.handle.db, a, FULL_SCOPE)).toEqual(ids('p1', 'p2', 'p8', 'p9'));
    expect(await campaignMemberIds(t.handle.db, b, FULL_SCOPE)).toEqual(ids('p5'));
    expect(await campaignMemberIds(t.handle.db, c, FULL_SCOPE)).toEqual(ids('p1', 'p5', 'p9'));
  });

  it('lets one problem count for several campaigns, and stores nothing on the problem', async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_name = 'problems' AND column_name LIKE '%campaign%'`.execute(t.handle.db);
    expect(rows[0].n).toBe(0);
    expect(await campaignMemberIds(t.handle.db, a, FULL_SCOPE)).toContain(id.p1);
    expect(await campaignMemberIds(t.handle.db, c, FULL_SCOPE)).toContain(id.p1);
  });

  it('applies a changed rule at once (membership is computed, not copied)', async () => {
    await sql`UPDATE campaigns SET regions = '{430121001002}' WHERE id = ${a}`.execute(t.handle.db);
    expect(await campaignMemberIds(t.handle.db, a, FULL_SCOPE)).toEqual([id.p2, id.p8].sort((x, y) => x - y));
    await sql`UPDATE campaigns SET regions = '{430121001}' WHERE id = ${a}`.execute(t.handle.db);
  });

  it('keeps a manager to their own block', async () => {
    expect(await campaignMemberIds(t.handle.db, a, { regions: ['430121001001001'], department: null })).toEqual(
      [id.p1, id.p9].sort((x, y) => x - y),
    );
  });

  it('counts open members at day ends for the burn-down (hand-computed)', async () => {
    const at = ['2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-19'].map((d) =>
      fromShanghai(d),
    );
    // End of 10-05: p9, p2 · 10-06: + p1 · 10-07: p2 closed · 10-08: + p8 · 10-09: p8 closed · 10-18: p1, p9.
    expect(await openAtInstants(t.handle.db, at, inCampaignSql(a, 'p'))).toEqual([2, 3, 2, 3, 2, 2]);
  });
});
