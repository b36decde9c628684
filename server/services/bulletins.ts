/**
 * The weekly bulletin (通报), per campaign or for the whole county: headline numbers, the 红黑榜,
 * the per-street table with each target, the oldest overdue items, and the units to be 约谈 (in
 * the black list for `weeks` weeks running). One computation feeds the JSON route, the Word
 * document, the workbook and the weekly job, so their numbers are the same by construction; the
 * per-street numbers come from the same statement as GET /api/stats/regions (a test compares).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import type { Campaign } from '../../db/queries/campaigns.js';
import { codeInScope, type Scope } from '../../db/queries/scope.js';
import { oldestOverdue } from '../../db/queries/stats.js';
import { firstReportPhotos, photoThumbUrl } from '../../db/queries/photos.js';
import { countyName } from '../../db/queries/rankings.js';
import { redBlackLists, interviewUnits, weekStart, weekWindow, type InterviewRule } from '../../domain/campaigns.js';
import type { IndicatorConfig, IndicatorValues } from '../../domain/indicators.js';
import { addDays, toShanghaiDate } from '../../domain/time.js';
import { campaignProgress, rankedCampaignUnits, type CampaignProgress, type UnitProgress } from './campaigns.js';

export interface BulletinItem {
  id: number;
  category_name: string;
  description: string;
  region_code: string;
  region_name: string;
  due_at: Date;
  hours_overdue: number;
  /** The thumbnail address of the item's first report photo (/api/photos/<id>/thumb); empty without one. */
  photos: string[];
  /** The first report photo, whose thumbnail the Word document embeds; null without photos. */
  first_photo: { id: number; sha256: string } | null;
}

export interface Bulletin {
  title: string;
  scope: 'campaign' | 'county';
  campaign_id: number | null;
  campaign: Campaign | null;
  week: string;
  period: { from: Date; to: Date };
  headline: IndicatorValues;
  streets: UnitProgress[];
  red: UnitProgress[];
  black: UnitProgress[];
  interview: { code: string; name: string; weeks: number }[];
  oldest_overdue: BulletinItem[];
  /** The progress behind it (burn-down for the chart). */
  progress: CampaignProgress;
}

export interface BulletinRequest {
  campaign: Campaign | null;
  /** Any day of the week reported on. */
  week: string;
  scope: Scope;
  now: Date;
  config: IndicatorConfig;
  /** The 约谈 rule for the county bulletin (a campaign brings its own). */
  countyRule: InterviewRule;
  /** Oldest overdue items listed. */
  itemLimit?: number;
}

/** Week number label: 第 N 周 of the campaign, or ISO-like week of the year for the county. */
function weekLabel(monday: string, campaign: Campaign | null): string {
  if (campaign) {
    const first = weekStart(toShanghaiDate(campaign.starts_at));
    const n = Math.round((Date.parse(monday) - Date.parse(first)) / (7 * 86_400_000)) + 1;
    return `第${Math.max(1, n)}周`;
  }
  const jan1 = `${monday.slice(0, 4)}-01-01`;
  const n = Math.floor((Date.parse(monday) - Date.parse(weekStart(jan1))) / (7 * 86_400_000)) + 1;
  return `第${n}周`;
}

export async function computeBulletin(db: Kysely<DB>, r: BulletinRequest): Promise<Bulletin> {
  const monday = weekStart(r.week);
  const window = weekWindow(monday);
  const rule = r.campaign?.interview_rule ?? r.countyRule;
  const progress = await campaignProgress(db, {
    campaign: r.campaign,
    level: 'street',
    scope: r.scope,
    now: r.now,
    config: r.config,
    window,
    listSize: rule.list_size,
  });

  // The black lists of the rule's weeks (oldest first), county-wide, then cut to the caller's view.
  const blackLists: string[][] = [];
  for (let k = rule.weeks - 1; k >= 0; k--) {
    const w = weekWindow(addDays(monday, -7 * k));
    if (w.to > new Date(r.now.getTime() + 7 * 86_400_000)) continue;
    const { ranked } = await rankedCampaignUnits(db, {
      campaign: r.campaign,
      level: 'street',
      scope: r.scope,
      now: r.now,
      config: r.config,
      window: w,
    });
    blackLists.push(redBlackLists(ranked, rule.list_size).black.map((u) => u.code));
  }
  const names = new Map(progress.units.map((u) => [u.code, u.name]));
  const interview = interviewUnits(blackLists, rule)
    .filter((code) => codeInScope(r.scope, code))
    .map((code) => ({ code, name: names.get(code) ?? code, weeks: rule.weeks }));

  const county = await countyName(db);
  const overdue = await oldestOverdue(
    db,
    {
      code: '',
      window,
      now: r.now,
      filters: r.campaign ? { campaign: r.campaign.id } : {},
      scope: r.scope,
    },
    r.itemLimit ?? 10,
  );
  const codes = [...new Set(overdue.map((o) => o.region_code))];
  const regionNames = new Map(
    codes.length
      ? (await db.selectFrom('regions').select(['code', 'name']).where('code', 'in', codes).execute()).map((x) => [
          x.code,
          x.name,
        ])
      : [],
  );
  const photos = await firstReportPhotos(
    db,
    overdue.map((o) => o.id),
  );

  const periodText = `${toShanghaiDate(window.from)} 至 ${toShanghaiDate(new Date(window.to.getTime() - 1))}`;
  const title = r.campaign
    ? `${r.campaign.name}工作通报（${weekLabel(monday, r.campaign)}，${periodText}）`
    : `${county ?? ''}创文巩卫工作周通报（${weekLabel(monday, null)}，${periodText}）`;

  return {
    title,
    scope: r.campaign ? 'campaign' : 'county',
    campaign_id: r.campaign?.id ?? null,
    campaign: r.campaign,
    week: monday,
    period: window,
    headline: progress.totals,
    streets: progress.units,
    red: progress.red,
    black: progress.black,
    interview,
    oldest_overdue: overdue.map((o) => ({
      id: o.id,
      category_name: o.category_name,
      description: o.description,
      region_code: o.region_code,
      region_name: regionNames.get(o.region_code) ?? o.region_code,
      due_at: o.due_at,
      hours_overdue: o.hours_overdue,
      photos: photos.has(o.id) ? [photoThumbUrl(photos.get(o.id)!.id)] : [],
      first_photo: photos.get(o.id) ?? null,
    })),
    progress,
  };
}

/** A fraction as the bulletin prints it: one decimal percent, '—' for no data. */
export const percent = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
