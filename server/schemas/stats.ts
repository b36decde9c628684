/** Schemas of the region statistics routes (GET /api/stats/regions, GET /api/stats/regions/:code). */
import { Type, type Static, type TInteger, type TNumber, type TNull, type TUnion } from 'typebox';
import { Nullable, RegionCode, RegionLevel, RegionRef } from './common.js';
import { ProblemFilterQuery } from './filters.js';
import { COUNT_KEYS, RATE_KEYS } from '../../domain/indicators.js';

const DateOrDateTime = (description: string) => Type.String({ format: 'date-time-or-date', description });

/** The period of a statistics request; the previous period has the same length and ends where it starts. */
export const PeriodQuery = {
  period_from: Type.Optional(
    DateOrDateTime('start of the period, inclusive (a date = 00:00 Asia/Shanghai); default: period_to − 30 days'),
  ),
  period_to: Type.Optional(
    DateOrDateTime('end of the period (a date is inclusive: the next 00:00 Asia/Shanghai); default: now'),
  ),
};

export const RegionStatsQuery = Type.Object({
  ...ProblemFilterQuery.properties,
  ...PeriodQuery,
  level: Type.Optional(
    Type.Union(RegionLevel.anyOf, { default: 'street', description: 'level of the regions listed' }),
  ),
  parent: Type.Optional(Type.String({ ...RegionCode, description: 'only regions under this region (its code)' })),
});
export type RegionStatsQuery = Static<typeof RegionStatsQuery>;

export const RegionPanelQuery = Type.Object({ ...ProblemFilterQuery.properties, ...PeriodQuery });
export type RegionPanelQuery = Static<typeof RegionPanelQuery>;

export const RegionCodeParams = Type.Object({ code: RegionCode });

type NullableNumber = TUnion<[TNumber, TNull]>;
const countProps = Object.fromEntries(COUNT_KEYS.map((k) => [k, Type.Integer({ minimum: 0 })])) as unknown as Record<
  (typeof COUNT_KEYS)[number],
  TInteger
>;
const rateProps = Object.fromEntries(
  RATE_KEYS.map((k) => [k, Nullable(Type.Number({ description: 'fraction 0–1; null when the denominator is 0' }))]),
) as unknown as Record<(typeof RATE_KEYS)[number], NullableNumber>;
const changeProps = Object.fromEntries(
  [...COUNT_KEYS, ...RATE_KEYS, 'median_hours_to_close'].map((k) => [k, Nullable(Type.Number())]),
) as unknown as Record<
  (typeof COUNT_KEYS)[number] | (typeof RATE_KEYS)[number] | 'median_hours_to_close',
  NullableNumber
>;

/** current − previous period for every count, rate (fraction points) and the median (hours). */
export const StatsChange = Type.Object(changeProps);

export const StatsValues = {
  ...countProps,
  ...rateProps,
  median_hours_to_close: Nullable(
    Type.Number({ description: 'median hours from report to closure of the cases closed in the period' }),
  ),
  change: StatsChange,
};

export const StatsRow = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: RegionLevel,
  ...StatsValues,
});
export type StatsRow = Static<typeof StatsRow>;

const Period = Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) });

export const RegionStatsResponse = Type.Object({
  level: RegionLevel,
  parent: Nullable(Type.String()),
  period: Period,
  previous: Period,
  /** The instant open/overdue counts were judged at (the period's end, or now if earlier). */
  as_of: Type.String({ format: 'date-time' }),
  regions: Type.Array(StatsRow),
});

export const RegionPanelResponse = Type.Object({
  region: Type.Object({
    code: Type.String(),
    name: Type.String(),
    level: RegionLevel,
    chain: Type.Array(RegionRef, { description: 'county first, the region itself last' }),
  }),
  period: Period,
  previous: Period,
  as_of: Type.String({ format: 'date-time' }),
  totals: Type.Object({
    ...StatsValues,
    closed_in_period: Type.Integer({ minimum: 0, description: 'same as closed' }),
  }),
  categories: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), count: Type.Integer() }), {
    description: 'open problems by category',
  }),
  trend: Type.Array(
    Type.Object({
      date: Type.String({ description: 'Asia/Shanghai date' }),
      reported: Type.Integer(),
      closed: Type.Integer(),
    }),
  ),
  oldest_overdue: Type.Array(
    Type.Object({
      id: Type.Integer(),
      category_code: Type.String(),
      category_name: Type.String(),
      description: Type.String(),
      due_at: Type.String({ format: 'date-time' }),
      region_code: Type.String(),
      hours_overdue: Type.Number(),
    }),
  ),
  children: Type.Array(StatsRow, { description: 'the regions one level down, most open first' }),
});
