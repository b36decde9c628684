/** Mock assessments (模拟测评): samples, their tasks and the expected score. */
import { Type, type Static } from 'typebox';
import { RegionCode, Nullable } from './common.js';

export const DrawSampleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 4294967295, description: 'recorded; default: a random one' }),
    ),
    region: Type.Optional(RegionCode),
    sizes: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' }), Type.Integer({ minimum: 0, maximum: 10000 }), {
        description: 'points per type; default: the reference minimum for the population, shared by type',
      }),
    ),
    total: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'total when sizes are not given' })),
    population: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'urban population for the default total (default: the demo county, 1.4 million)',
      }),
    ),
    due_at: Type.String({ format: 'date-time-or-date', description: 'a date is the end of that Asia/Shanghai day' }),
    assignees: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 200, default: [] }),
  },
  { additionalProperties: false },
);
export type DrawSampleBody = Static<typeof DrawSampleBody>;

export const Sample = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  seed: Type.Integer(),
  region_code: Type.String(),
  sizes: Type.Record(Type.String(), Type.Integer()),
  strata: Type.Record(Type.String(), Type.Integer()),
  due_at: Type.String(),
  created_at: Type.String(),
  created_by: Type.String(),
  tasks_total: Type.Integer(),
  tasks_done: Type.Integer(),
});

export const Task = Type.Object({
  id: Type.Integer(),
  sample_id: Type.Integer(),
  sample_name: Type.String(),
  position: Type.Integer(),
  point_id: Type.Integer(),
  point_name: Type.String(),
  point_ref: Nullable(Type.String()),
  type_code: Type.String(),
  type_name: Type.String(),
  address: Nullable(Type.String()),
  region_code: Type.String(),
  lon: Type.Number(),
  lat: Type.Number(),
  assignee_id: Nullable(Type.Integer()),
  assignee: Nullable(Type.String()),
  due_at: Type.String(),
  inspection_id: Nullable(Type.Integer()),
  done_at: Nullable(Type.String()),
  score: Nullable(Type.Number()),
  overdue: Type.Boolean(),
});

const EstimateFields = {
  n: Type.Integer(),
  population: Type.Integer(),
  score: Nullable(Type.Number({ description: 'expected 达标率, percent' })),
  margin: Nullable(Type.Number({ description: 'half-width of the 95 % interval, percentage points' })),
  low: Nullable(Type.Number()),
  high: Nullable(Type.Number()),
  grade: Nullable(Type.String()),
};

export const SampleEstimate = Type.Object({
  overall: Type.Object({ ...EstimateFields, complete: Type.Boolean() }),
  by_type: Type.Array(Type.Object({ ...EstimateFields, type_code: Type.String(), type_name: Type.String() })),
  by_street: Type.Array(Type.Object({ ...EstimateFields, code: Type.String(), name: Type.String() })),
});

export const SampleDetail = Type.Object({
  sample: Sample,
  tasks: Type.Array(Task),
  estimate: SampleEstimate,
});
export const SampleList = Type.Object({ samples: Type.Array(Sample) });
export const TaskList = Type.Object({ tasks: Type.Array(Task) });
export const TasksQuery = Type.Object({
  open: Type.Optional(Type.Boolean({ description: 'only tasks not yet inspected' })),
  all: Type.Optional(Type.Boolean({ description: 'every task in the caller’s area, not only their own' })),
});
