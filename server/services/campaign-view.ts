/** Campaign rows and bulletins as the API returns them (JSON-ready), shared by routes and jobs. */
import type { Campaign } from '../../db/queries/campaigns.js';
import type { Bulletin } from './bulletins.js';
import type { CampaignProgress } from './campaigns.js';
import { toShanghaiDate } from '../../domain/time.js';

export const campaignJson = (c: Campaign) => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  period_from: toShanghaiDate(c.starts_at),
  period_to: toShanghaiDate(new Date(c.ends_at.getTime() - 1)),
  starts_at: c.starts_at.toISOString(),
  ends_at: c.ends_at.toISOString(),
  categories: c.categories,
  category_groups: c.category_groups,
  regions: c.regions,
  point_types: c.point_types,
  lead_department: c.lead_department,
  responsible_streets: c.responsible_streets,
  targets: c.targets,
  interview_rule: c.interview_rule,
  archived: c.archived,
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
});

const period = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

export const progressJson = (c: Campaign, p: CampaignProgress) => ({
  campaign: campaignJson(c),
  level: p.level,
  period: period(p.period),
  previous: period(p.previous),
  as_of: p.as_of.toISOString(),
  totals: p.totals,
  targets: p.targets,
  units: p.units,
  red: p.red,
  black: p.black,
  overdue_by_unit: p.overdue_by_unit,
  burn_down: p.burn_down,
  units_total: p.units_total,
});

export const bulletinJson = (b: Bulletin) => ({
  title: b.title,
  scope: b.scope,
  campaign_id: b.campaign_id,
  week: b.week,
  period: period(b.period),
  headline: b.headline,
  streets: b.streets,
  red: b.red,
  black: b.black,
  interview: b.interview,
  oldest_overdue: b.oldest_overdue.map(({ first_photo: _first, ...o }) => ({ ...o, due_at: o.due_at.toISOString() })),
});
