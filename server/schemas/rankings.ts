/** Schemas of GET /api/rankings and GET /api/exports/rankings.xlsx. */
import { Type, type Static, type TInteger, type TNull, type TNumber, type TOptional, type TUnion } from 'typebox';
import { Nullable, RegionCode } from './common.js';
import { ProblemFilterQuery } from './filters.js';
import { COUNT_KEYS, RATE_KEYS, WEIGHT_KEYS } from '../../domain/indicators.js';

type NullableNumber = TUnion<[TNumber, TNull]>;

export const RankingLevel = Type.Union([Type.Literal('street'), Type.Literal('community'), Type.Literal('block')], {
  default: 'street',
  description: 'the units ranked',
});

export const RankingsQuery = Type.Object({
  ...ProblemFilterQuery.properties,
  level: Type.Optional(RankingLevel),
  period: Type.Optional(
    Type.String({
      format: 'evaluation-period',
      description:
        'month YYYY-MM, quarter YYYY-Qn (n 1–4) or year YYYY (Asia/Shanghai, years 1900–2199); default: the current month',
    }),
  ),
  parent: Type.Optional(Type.String({ ...RegionCode, description: 'rank only the units under this region' })),
});
export type RankingsQuery = Static<typeof RankingsQuery>;

const countProps = Object.fromEntries(COUNT_KEYS.map((k) => [k, Type.Integer({ minimum: 0 })])) as unknown as Record<
  (typeof COUNT_KEYS)[number],
  TInteger
>;
const rateProps = Object.fromEntries(RATE_KEYS.map((k) => [k, Nullable(Type.Number())])) as unknown as Record<
  (typeof RATE_KEYS)[number],
  NullableNumber
>;

export const RankedUnit = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: Type.String(),
  ...countProps,
  ...rateProps,
  median_hours_to_close: Nullable(Type.Number()),
  point_checked_weight: Type.Number({ minimum: 0, description: 'Σ weight of the point items checked in the month' }),
  point_passed_weight: Type.Number({ minimum: 0, description: 'Σ weight of the point items passed in the month' }),
  point_pass_rate: Nullable(
    Type.Number({ description: '点位达标率 = passed / checked item weight, 0–1; null when no item was checked' }),
  ),
  score: Nullable(Type.Number({ description: '综合指标值, 0–100; null when nothing was due' })),
  grade: Type.Union([
    Type.Literal('A'),
    Type.Literal('B'),
    Type.Literal('C'),
    Type.Literal('D'),
    Type.Literal('E'),
    Type.Null(),
  ]),
  rank: Nullable(Type.Integer({ minimum: 1 })),
  previous_score: Nullable(Type.Number()),
  previous_rank: Nullable(Type.Integer({ minimum: 1 })),
  rank_change: Nullable(Type.Integer({ description: 'previous_rank − rank: positive = moved up' })),
});

export const RankingsResponse = Type.Object({
  level: Type.String(),
  parent: Type.Union([Type.String(), Type.Null()]),
  period: Type.String({ description: 'YYYY-MM, YYYY-Qn or YYYY, as asked' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  previous_period: Type.String({ description: 'the period before, of the same kind' }),
  weights: Type.Record(Type.String(), Type.Number()),
  grades: Type.Record(Type.String(), Type.Number()),
  /** How many units were ranked (a manager receives only their own rows, ranked among all). */
  units_total: Type.Integer({ minimum: 0 }),
  units: Type.Array(RankedUnit),
});

const Weight = Type.Number({ minimum: 0, description: 'a number ≥ 0' });
const Threshold = Type.Number({ minimum: 0, maximum: 100, description: 'a number in 0–100' });

/**
 * The weights file (config/indicator-weights.json, INDICATOR_WEIGHTS_FILE): relative weights per
 * rate and the lowest score of grades A–D (E is everything below D); `$…` members are comments.
 */
export const IndicatorWeightsFile = Type.Object(
  {
    weights: Type.Optional(
      Type.Object(
        Object.fromEntries(WEIGHT_KEYS.map((k) => [k, Type.Optional(Weight)])) as Record<
          (typeof WEIGHT_KEYS)[number],
          TOptional<typeof Weight>
        >,
        { additionalProperties: false, description: 'an object of indicator weights' },
      ),
    ),
    grades: Type.Optional(
      Type.Object(
        {
          A: Type.Optional(Threshold),
          B: Type.Optional(Threshold),
          C: Type.Optional(Threshold),
          D: Type.Optional(Threshold),
        },
        { additionalProperties: false, description: 'an object of grade thresholds A–D' },
      ),
    ),
    comment: Type.Optional(Type.String()),
  },
  { additionalProperties: false, patternProperties: { '^\\$': {} }, description: 'a JSON object' },
);
export type IndicatorWeightsFile = Static<typeof IndicatorWeightsFile>;
