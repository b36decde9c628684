/** Schemas of the campaign routes (集中攻坚), their progress and the bulletin (通报). */
import { Type, type Static } from 'typebox';
import { RegionCode } from './common.js';
import { StatsValues } from './stats.js';
import { RankedUnit } from './rankings.js';
import { TARGET_KIND_KEYS } from '../../domain/campaigns.js';

const N = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const DateOnly = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });

export const TargetKind = Type.Unsafe<(typeof TARGET_KIND_KEYS)[number]>({
  type: 'string',
  enum: TARGET_KIND_KEYS,
  description:
    'closure_rate 结案率, on_time_rate 按期结案率, rework_rate 返工率 (fractions); open_at_end 期末未结案数, overdue 超期数 (counts); point_pass_rate 点位达标率, inspection_coverage 检查覆盖率 (assessment points)',
});

export const Target = Type.Object(
  {
    kind: TargetKind,
    threshold: Type.Number({
      minimum: 0,
      description: 'rates: fraction 0–1 (min for good rates, max for 返工率); counts: max items',
    }),
  },
  { additionalProperties: false },
);

export const InterviewRule = Type.Object(
  {
    weeks: Type.Integer({ minimum: 1, maximum: 52, description: 'consecutive weeks in the black list before 约谈' }),
    list_size: Type.Integer({ minimum: 1, maximum: 20, description: 'units on each of the red and black lists' }),
  },
  { additionalProperties: false },
);

const Codes = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 200, description });

const CampaignFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.String({
    minLength: 1,
    maxLength: 50,
    description: 'e.g. 占道经营, 背街小巷, 农贸市场, 交通秩序, 病媒生物防制',
  }),
  period_from: DateOnly('first day (Asia/Shanghai)'),
  period_to: DateOnly('last day, inclusive (Asia/Shanghai)'),
  categories: Type.Optional(Codes('category codes in its sights')),
  category_groups: Type.Optional(Codes('category group codes (e.g. 09)')),
  regions: Type.Optional(
    Type.Array(RegionCode, { maxItems: 200, description: 'regions in its sights; empty = the whole county' }),
  ),
  point_types: Type.Optional(Codes('assessment point types (e.g. FARMERS_MARKET)')),
  lead_department: Type.Optional(
    Type.Union([Type.String({ maxLength: 50 }), Type.Null()], { description: '牵头部门 (条)' }),
  ),
  responsible_streets: Type.Optional(Type.Array(RegionCode, { maxItems: 100, description: '责任街道 (块)' })),
  targets: Type.Optional(Type.Array(Target, { maxItems: 7 })),
  interview_rule: Type.Optional(InterviewRule),
};

export const CampaignBody = Type.Object(CampaignFields, { additionalProperties: false });
export type CampaignBody = Static<typeof CampaignBody>;

export const CampaignPatch = Type.Partial(Type.Object({ ...CampaignFields, archived: Type.Boolean() }), {
  additionalProperties: false,
});
export type CampaignPatch = Static<typeof CampaignPatch>;

export const Campaign = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  period_from: Type.String(),
  period_to: Type.String(),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.String({ format: 'date-time' }),
  categories: Type.Array(Type.String()),
  category_groups: Type.Array(Type.String()),
  regions: Type.Array(Type.String()),
  point_types: Type.Array(Type.String()),
  lead_department: Type.Union([Type.String(), Type.Null()]),
  responsible_streets: Type.Array(Type.String()),
  targets: Type.Array(Target),
  interview_rule: InterviewRule,
  archived: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const CampaignList = Type.Object({ campaigns: Type.Array(Campaign) });
export const CampaignIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const CampaignListQuery = Type.Object({
  archived: Type.Optional(Type.Boolean({ description: 'include archived' })),
});

export const UnitLevel = Type.Union([Type.Literal('street'), Type.Literal('community'), Type.Literal('block')], {
  default: 'street',
});

export const ProgressQuery = Type.Object({ level: Type.Optional(UnitLevel) });

export const TargetResult = Type.Object({
  kind: TargetKind,
  threshold: Type.Number(),
  value: N(Type.Number()),
  met: Type.Union([Type.Boolean(), Type.Null()]),
  status: Type.Union([Type.Literal('met'), Type.Literal('missed'), Type.Literal('no_data'), Type.Literal('pending')], {
    description: 'no_data: nothing to judge (no denominator, e.g. no point of the campaign types inspected)',
  }),
});

export const UnitProgress = Type.Object({
  ...RankedUnit.properties,
  targets: Type.Array(TargetResult),
  targets_met: Type.Integer(),
  targets_judged: Type.Integer(),
});

const Period = Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) });

export const ProgressResponse = Type.Object({
  campaign: Campaign,
  level: Type.String(),
  period: Period,
  previous: Period,
  as_of: Type.String({ format: 'date-time' }),
  totals: Type.Object(StatsValues),
  targets: Type.Array(TargetResult),
  units: Type.Array(UnitProgress),
  red: Type.Array(UnitProgress),
  black: Type.Array(UnitProgress),
  overdue_by_unit: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), overdue: Type.Integer(), escalated: Type.Integer() }),
  ),
  burn_down: Type.Array(Type.Object({ date: Type.String(), open: Type.Integer(), ideal: Type.Number() })),
  units_total: Type.Integer(),
});

export const BulletinQuery = Type.Object({
  week: Type.Optional(DateOnly('any day of the week reported on (Monday–Sunday); default: last complete week')),
});

export const BulletinItem = Type.Object({
  id: Type.Integer(),
  category_name: Type.String(),
  description: Type.String(),
  region_code: Type.String(),
  region_name: Type.String(),
  due_at: Type.String({ format: 'date-time' }),
  hours_overdue: Type.Number(),
  photos: Type.Array(Type.String(), { description: "thumbnail address of the item's first report photo (none: [])" }),
});

export const BulletinResponse = Type.Object({
  title: Type.String(),
  scope: Type.Union([Type.Literal('campaign'), Type.Literal('county')]),
  campaign_id: Type.Union([Type.Integer(), Type.Null()]),
  week: Type.String({ description: 'Monday of the week (Asia/Shanghai)' }),
  period: Period,
  headline: Type.Object(StatsValues),
  streets: Type.Array(UnitProgress),
  red: Type.Array(UnitProgress),
  black: Type.Array(UnitProgress),
  interview: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), weeks: Type.Integer() })),
  oldest_overdue: Type.Array(BulletinItem),
});
export type BulletinResponse = Static<typeof BulletinResponse>;
