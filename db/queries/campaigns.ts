/**
 * Campaigns (集中攻坚) and their membership rule. A problem belongs to a campaign when
 *   its category is one of the campaign's categories or in one of its category groups (neither
 *   given = every category), AND its block lies under one of the campaign's regions (none = the
 *   whole county), AND it was live during the period: reported before the period ends and not
 *   closed before it began (voided reports never count).
 * The rule is evaluated in SQL against the campaigns row every time (campaignMemberSql); nothing
 * is copied onto problems, so a problem may count for several campaigns and a changed rule
 * applies at once.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../types.js';
import { prefixPatterns, type Scope } from './scope.js';
import { DEFAULT_INTERVIEW_RULE, type InterviewRule, type Target } from '../../domain/campaigns.js';

export interface Campaign {
  id: number;
  name: string;
  kind: string;
  starts_at: Date;
  ends_at: Date;
  categories: string[];
  category_groups: string[];
  regions: string[];
  point_types: string[];
  lead_department: string | null;
  responsible_streets: string[];
  targets: Target[];
  interview_rule: InterviewRule;
  archived: boolean;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface CampaignInput {
  name: string;
  kind: string;
  starts_at: Date;
  ends_at: Date;
  categories?: string[];
  category_groups?: string[];
  regions?: string[];
  point_types?: string[];
  lead_department?: string | null;
  responsible_streets?: string[];
  targets?: Target[];
  interview_rule?: InterviewRule;
  archived?: boolean;
}

/**
 * SQL predicate: the problem row `p` belongs to the campaign row `c` (aliases are our own
 * constant identifiers). Region match is a prefix match on the block code, so a street, community
 * or block may be named.
 */
export function campaignMemberSql(c: string, p: string): RawBuilder<boolean> {
  const C = (col: string) => sql.ref(`${c}.${col}`);
  const P = (col: string) => sql.ref(`${p}.${col}`);
  return sql<boolean>`(
    ${P('status')} <> 'voided'
    AND ((cardinality(${C('categories')}) = 0 AND cardinality(${C('category_groups')}) = 0)
         OR ${P('category_code')} = ANY (${C('categories')})
         OR ${P('category_code')} IN (SELECT cat.code FROM categories cat WHERE cat.group_code = ANY (${C('category_groups')})))
    AND (cardinality(${C('regions')}) = 0
         OR ${P('region_code')} LIKE ANY (SELECT rc || '%' FROM unnest(${C('regions')}) rc))
    AND ${P('reported_at')} < ${C('ends_at')}
    AND (${P('status')} <> 'closed' OR ${P('closed_at')} IS NULL OR ${P('closed_at')} >= ${C('starts_at')})
  )`;
}

/** SQL predicate for the problem filter `campaign=<id>`: the row `p` is a member of campaign `id`. */
export function inCampaignSql(id: number, p: string): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM campaigns cm WHERE cm.id = ${id} AND ${campaignMemberSql('cm', p)})`;
}

const COLUMNS = [
  'id',
  'name',
  'kind',
  'starts_at',
  'ends_at',
  'categories',
  'category_groups',
  'regions',
  'point_types',
  'lead_department',
  'responsible_streets',
  'targets',
  'interview_rule',
  'archived',
  'created_by',
  'created_at',
  'updated_at',
] as const;

function rowOf(r: Record<string, unknown>): Campaign {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    ...(r as unknown as Campaign),
    targets: (parse(r.targets) as Target[]) ?? [],
    interview_rule: { ...DEFAULT_INTERVIEW_RULE, ...(parse(r.interview_rule) as InterviewRule) },
  };
}

/**
 * SQL predicate: the campaign row `c` touches the scope's regions (a campaign region contains a
 * scope region or lies inside one; a campaign without regions covers the county).
 */
function campaignTouchesScopeSql(scope: Scope): RawBuilder<boolean> {
  if (scope.regions === null) return sql<boolean>`TRUE`;
  return sql<boolean>`(cardinality(c.regions) = 0 OR EXISTS (
      SELECT 1 FROM unnest(c.regions) cr, unnest(${scope.regions}::text[]) sr
      WHERE sr LIKE cr || '%' OR cr LIKE sr || '%'))`;
}

/** Campaigns the scope touches, newest period first; archived ones only when asked. */
export async function listCampaigns(
  db: Kysely<DB>,
  scope: Scope,
  opts: { includeArchived?: boolean } = {},
): Promise<Campaign[]> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${sql.join(COLUMNS.map((k) => sql.ref(`c.${k}`)))} FROM campaigns c
    WHERE ${campaignTouchesScopeSql(scope)} AND (${opts.includeArchived ?? false} OR NOT c.archived)
    ORDER BY c.starts_at DESC, c.id DESC`.execute(db);
  return rows.map(rowOf);
}

/** One campaign if the scope touches it; null otherwise (a miss and out-of-scope look the same). */
export async function findCampaign(db: Kysely<DB>, id: number, scope: Scope): Promise<Campaign | null> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${sql.join(COLUMNS.map((k) => sql.ref(`c.${k}`)))} FROM campaigns c
    WHERE c.id = ${id} AND ${campaignTouchesScopeSql(scope)}`.execute(db);
  return rows[0] ? rowOf(rows[0]) : null;
}

const values = (input: Partial<CampaignInput>) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    out[k] = k === 'targets' || k === 'interview_rule' ? JSON.stringify(v) : v;
  }
  return out;
};

export async function insertCampaign(db: Kysely<DB>, input: CampaignInput, createdBy: number | null): Promise<number> {
  const row = await db
    .insertInto('campaigns')
    .values({ ...(values(input) as unknown as CampaignInput & { targets: string }), created_by: createdBy } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Updates the given fields; false when there is no such campaign. A changed rule changes what
 * the `campaign` filter selects, so the map's data version moves with it (tiles key on it).
 */
export async function updateCampaign(db: Kysely<DB>, id: number, input: Partial<CampaignInput>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('campaigns')
      .set({ ...(values(input) as Record<string, never>), updated_at: new Date() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await sql`UPDATE data_version SET problems = problems + 1`.execute(trx);
    return true;
  });
}

/** Ids of the campaign's member problems inside the scope (for tests and the map's list). */
export async function campaignMemberIds(db: Kysely<DB>, id: number, scope: Scope): Promise<number[]> {
  const regionPart =
    scope.regions === null ? sql`TRUE` : sql`p.region_code LIKE ANY (${prefixPatterns(scope.regions)}::text[])`;
  const { rows } = await sql<{ id: number }>`
    SELECT p.id FROM problems p
    WHERE ${inCampaignSql(id, 'p')} AND ${regionPart}
    ORDER BY p.id`.execute(db);
  return rows.map((r) => Number(r.id));
}

/**
 * The burn-down: how many problems matching `where` (over `p`) were open at each instant of `at`
 * (open = reported by then and not closed or voided by then). One statement.
 */
export async function openAtInstants(
  db: Kysely<DB>,
  at: readonly Date[],
  where: RawBuilder<boolean>,
): Promise<number[]> {
  if (at.length === 0) return [];
  const { rows } = await sql<{ i: number; n: number }>`
    SELECT t.i::int AS i, count(p.id)::int AS n
    FROM unnest(${at.map((d) => d.toISOString())}::timestamptz[]) WITH ORDINALITY AS t(at, i)
    LEFT JOIN problems p ON ${where}
      AND p.reported_at <= t.at
      AND (CASE WHEN p.status IN ('closed', 'voided') THEN coalesce(p.closed_at, p.voided_at, p.updated_at) END IS NULL
           OR CASE WHEN p.status IN ('closed', 'voided') THEN coalesce(p.closed_at, p.voided_at, p.updated_at) END > t.at)
    GROUP BY t.i
    ORDER BY t.i`.execute(db);
  return rows.map((r) => Number(r.n));
}
