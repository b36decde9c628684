/**
 * A campaign's progress: per unit (street, community or block) the value of each target and
 * whether it is met, the composite score and rank, the 红黑榜, overdue items by unit, the trend
 * against the previous period of the same length, and the burn-down of open items over the
 * period. Shared by the campaign routes, the bulletin and the weekly job.
 *
 * Scope: units are ranked over the whole county (only the department part of the caller's scope
 * applies, as in the monthly rankings), then the caller sees only units inside their area; the
 * totals and the burn-down count only the caller's own area.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { codeInScope, problemScopeSql, type Scope } from '../../db/queries/scope.js';
import { regionCounts, type RegionCountsRow, type Window } from '../../db/queries/stats.js';
import { inCampaignSql, openAtInstants, type Campaign } from '../../db/queries/campaigns.js';
import { unitPointCounts } from '../../db/queries/inspections.js';
import type { ProblemFilters } from '../../db/queries/filters.js';
import { sql } from 'kysely';
import {
  indicatorValues,
  rankUnits,
  sumCounts,
  type IndicatorConfig,
  type IndicatorValues,
  type RankedUnit,
} from '../../domain/indicators.js';
import {
  NO_POINTS,
  TARGET_KINDS,
  burnDownDays,
  judgeTarget,
  redBlackLists,
  targetValue,
  type PointCounts,
  type Target,
  type TargetResult,
} from '../../domain/campaigns.js';
import type { RegionLevel } from '../../domain/regions.js';

export interface UnitProgress extends RankedUnit {
  targets: TargetResult[];
  /** How many of the judged targets are met / judged. */
  targets_met: number;
  targets_judged: number;
}

export interface CampaignProgress {
  level: RegionLevel;
  period: Window;
  previous: Window;
  as_of: Date;
  totals: IndicatorValues;
  targets: TargetResult[];
  units: UnitProgress[];
  red: UnitProgress[];
  black: UnitProgress[];
  overdue_by_unit: { code: string; name: string; overdue: number; escalated: number }[];
  burn_down: { date: string; open: number; ideal: number }[];
  /** Units in the ranking (county-wide), whether or not the caller sees them. */
  units_total: number;
}

export interface ProgressRequest {
  /** null = every problem of the county (the county bulletin). */
  campaign: Campaign | null;
  level: RegionLevel;
  scope: Scope;
  now: Date;
  config: IndicatorConfig;
  /** Default: the campaign's own period (required without a campaign). */
  window?: Window;
  /** Size of the red and black lists (default: the campaign's rule, else 3). */
  listSize?: number;
}

const filtersFor = (c: Campaign | null): ProblemFilters => (c ? { campaign: c.id } : {});

/** The window before `w`, of the same length. */
export const previousWindow = (w: Window): Window => ({
  from: new Date(2 * w.from.getTime() - w.to.getTime()),
  to: w.from,
});

function judgeAll(
  targets: readonly Target[],
  values: IndicatorValues | RegionCountsRow['current'],
  points: PointCounts = NO_POINTS,
): TargetResult[] {
  return targets.map((t) => judgeTarget(t, targetValue(t.kind, values, points)));
}

const sumPoints = (rows: readonly PointCounts[]): PointCounts =>
  rows.reduce(
    (a, r) => ({
      points: a.points + r.points,
      covered: a.covered + r.covered,
      checked: a.checked + r.checked,
      passed: a.passed + r.passed,
    }),
    { ...NO_POINTS },
  );

/**
 * Point figures per unit code of `level` (and summed for the totals), for the campaign's period,
 * regions and point types; only read when a target needs them.
 */
async function pointCountsFor(
  db: Kysely<DB>,
  campaign: Campaign | null,
  level: RegionLevel,
  scope: Scope,
  window: Window,
): Promise<Map<string, PointCounts>> {
  if (!campaign || !campaign.targets.some((t) => TARGET_KINDS[t.kind].source === 'points')) return new Map();
  const rows = await unitPointCounts(db, scope, {
    level,
    period: window,
    regions: campaign.regions,
    types: campaign.point_types,
  });
  return new Map(rows.map((r) => [r.code, r]));
}

/** Unit rows ranked county-wide (department scope only); see the file comment. */
export async function rankedCampaignUnits(
  db: Kysely<DB>,
  r: ProgressRequest,
): Promise<{ rows: RegionCountsRow[]; ranked: RankedUnit[]; window: Window; previous: Window }> {
  const window = r.window ?? (r.campaign ? { from: r.campaign.starts_at, to: r.campaign.ends_at } : null);
  if (!window) throw new RangeError('a window is needed without a campaign');
  const previous = previousWindow(window);
  const rows = await regionCounts(db, {
    level: r.level,
    current: window,
    previous,
    now: r.now,
    filters: filtersFor(r.campaign),
    problemScope: { regions: null, department: r.scope.department },
    regionScope: null,
  });
  return { rows, ranked: rankUnits(rows, r.config), window, previous };
}

export async function campaignProgress(db: Kysely<DB>, r: ProgressRequest): Promise<CampaignProgress> {
  const { rows, ranked, window, previous } = await rankedCampaignUnits(db, r);
  const countsOf = new Map(rows.map((row) => [row.code, row]));
  // Point figures: per unit county-wide (as the ranking), totals over the caller's own area.
  const pointsOf = await pointCountsFor(db, r.campaign, r.level, { regions: null, department: null }, window);
  const ownPoints = sumPoints([...(await pointCountsFor(db, r.campaign, 'county', r.scope, window)).values()]);
  const units: UnitProgress[] = ranked
    .filter((u) => codeInScope(r.scope, u.code))
    .map((u) => {
      const targets = judgeAll(r.campaign?.targets ?? [], countsOf.get(u.code)!.current, pointsOf.get(u.code));
      const judged = targets.filter((t) => t.met !== null);
      return { ...u, targets, targets_met: judged.filter((t) => t.met).length, targets_judged: judged.length };
    });
  const listSize = r.listSize ?? r.campaign?.interview_rule.list_size ?? 3;
  // The lists are drawn county-wide, then cut to what the caller may see.
  const lists = redBlackLists(ranked, listSize);
  const visible = (list: RankedUnit[]) =>
    list.filter((u) => codeInScope(r.scope, u.code)).map((u) => units.find((x) => x.code === u.code)!);

  // Totals over the caller's own area (a manager's numbers are their area's only).
  const own = await regionCounts(db, {
    level: 'county',
    current: window,
    previous,
    now: r.now,
    filters: filtersFor(r.campaign),
    problemScope: r.scope,
    regionScope: null,
  });
  const totalsCurrent = sumCounts(own.map((o) => o.current));
  const totalsPrevious = sumCounts(own.map((o) => o.previous));
  const totals = indicatorValues(totalsCurrent, totalsPrevious);

  const days = burnDownDays(window.from, window.to, r.now);
  const member = r.campaign ? inCampaignSql(r.campaign.id, 'p') : sql<boolean>`p.status <> 'voided'`;
  const open = await openAtInstants(
    db,
    days.map((d) => d.at),
    sql<boolean>`${member} AND ${problemScopeSql(r.scope, 'p.region_code', 'p.category_code')}`,
  );
  // The ideal line runs from the open count at the end of the first day to zero at the period's end.
  const totalDays = Math.max(1, burnDownDays(window.from, window.to, window.to).length - 1);
  const start = open[0] ?? 0;
  const burn_down = days.map((d, i) => ({
    date: d.date,
    open: open[i],
    ideal: Math.round(start * Math.max(0, 1 - i / totalDays) * 10) / 10,
  }));

  return {
    level: r.level,
    period: window,
    previous,
    as_of: new Date(Math.min(window.to.getTime(), r.now.getTime())),
    totals,
    targets: judgeAll(r.campaign?.targets ?? [], totalsCurrent, ownPoints),
    units,
    red: visible(lists.red),
    black: visible(lists.black),
    overdue_by_unit: units
      .filter((u) => u.overdue > 0)
      .map((u) => ({ code: u.code, name: u.name, overdue: u.overdue, escalated: u.escalated }))
      .sort((a, b) => b.overdue - a.overdue || (a.code < b.code ? -1 : 1)),
    burn_down,
    units_total: ranked.length,
  };
}
