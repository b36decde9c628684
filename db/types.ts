/**
 * Table types for Kysely. Geometry columns are `Geometry` (opaque): they are never selected raw
 * into JS — SQL converts them (ST_AsGeoJSON, ST_AsMVTGeom).
 */
import type { ColumnType, Generated } from 'kysely';
import type { RegionLevel } from '../domain/regions.js';
import type { ClockType } from '../domain/deadline.js';

export type Geometry = ColumnType<never, string, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type { RegionLevel };

export interface RegionsTable {
  id: Generated<number>;
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  manager_name: string | null;
  manager_phone: string | null;
  geom: Geometry;
  valid_from: ColumnType<Date | null, string | null | undefined, string | null>;
  valid_to: ColumnType<Date | null, string | null | undefined, string | null>;
  synthetic: Generated<boolean>;
  updated_at: DefaultTimestamp;
}

export interface CategoriesTable {
  code: string;
  name: string;
  group_code: string;
  group_name: string;
  department: string;
  limit_value: number;
  clock: ClockType;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  local: Generated<boolean>;
  legacy_code: string | null;
  active: Generated<boolean>;
  after_photo_required: Generated<boolean>;
  updated_at: DefaultTimestamp;
  /** Open311 service attributes (extra questions), an array of {@link ServiceAttribute}. */
  attributes: ColumnType<unknown, string | undefined, string>;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: 'admin' | 'leader' | 'manager' | 'inspector' | 'department';
  scope: ColumnType<string[], string[] | undefined, string[]>;
  department: string | null;
  password_hash: string;
  demo: Generated<boolean>;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export type IntakeSource = 'inspection' | 'citizen' | 'hotline' | 'other';

export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  user_id: number;
  key_hash: string;
  key_prefix: string;
  source: ColumnType<IntakeSource, IntakeSource | undefined, IntakeSource>;
  created_by: number | null;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ProblemIntakeTable {
  problem_id: number;
  channel: 'open311_key' | 'open311_public';
  api_key_id: number | null;
  token: string;
  media_url: string | null;
  contact: ColumnType<unknown, string | undefined, string>;
  attributes: ColumnType<unknown, string | undefined, string>;
  client_address: string | null;
  created_at: DefaultTimestamp;
}

export interface ProblemsTable {
  id: Generated<number>;
  category_code: string;
  description: Generated<string>;
  status: Generated<string>;
  severity: Generated<number>;
  source: Generated<string>;
  reporter: string | null;
  address: string | null;
  photos: ColumnType<string[], string[] | undefined, string[]>;
  geom: Geometry;
  region_code: string;
  reported_at: DefaultTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  filed_at: Timestamp | null;
  dispatched_at: Timestamp | null;
  due_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  voided_at: Timestamp | null;
  void_reason: string | null;
  escalated: Generated<boolean>;
  escalated_at: Timestamp | null;
  rework_count: Generated<number>;
  extension_count: Generated<number>;
  duplicate_of: number | null;
  recurrence_of: number | null;
  created_by: number | null;
  version: Generated<number>;
}

export interface ProblemEventsTable {
  id: Generated<number>;
  problem_id: number;
  at: DefaultTimestamp;
  actor: string;
  actor_id: number | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  photos: ColumnType<string[], string[] | undefined, string[]>;
  data: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface CalendarOverridesTable {
  date: ColumnType<string, string, string>;
  kind: 'workday' | 'holiday';
  note: string | null;
  updated_at: DefaultTimestamp;
}

export interface DataVersionTable {
  id: Generated<boolean>;
  regions: Generated<number>;
  problems: Generated<number>;
  points: Generated<number>;
}

export interface PointTypesTable {
  code: string;
  name: string;
  name_en: Generated<string>;
  sort: Generated<number>;
  active: Generated<boolean>;
  updated_at: DefaultTimestamp;
}

export interface PointsTable {
  id: Generated<number>;
  ref: string | null;
  type_code: string;
  name: string;
  address: string | null;
  unit: string | null;
  geom: Geometry;
  region_code: string;
  synthetic: Generated<boolean>;
  retired_at: Timestamp | null;
  retired_reason: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  created_by: number | null;
  version: Generated<number>;
  standing: Generated<'uninspected' | 'passed' | 'failed' | 'chronic'>;
  last_inspection_id: number | null;
  last_inspected_at: Timestamp | null;
  last_score: number | null;
  chronic_items: ColumnType<string[], string[] | undefined, string[]>;
}

export interface StandardsTable {
  id: Generated<number>;
  type_code: string;
  version: number;
  note: string | null;
  created_at: DefaultTimestamp;
  created_by: Generated<string>;
}

export interface StandardItemsTable {
  id: Generated<number>;
  standard_id: number;
  code: string;
  text: string;
  category_code: string;
  weight: number;
  photo_required: Generated<boolean>;
  sort: Generated<number>;
}

export interface SamplesTable {
  id: Generated<number>;
  name: string;
  seed: number;
  region_code: string;
  sizes: ColumnType<Record<string, number>, string, string>;
  strata: ColumnType<Record<string, number>, string, string>;
  due_at: Timestamp;
  created_at: DefaultTimestamp;
  created_by: number | null;
  created_by_name: string;
}

export interface SampleTasksTable {
  id: Generated<number>;
  sample_id: number;
  point_id: number;
  type_code: string;
  position: number;
  assignee_id: number | null;
}

export interface InspectionsTable {
  id: Generated<number>;
  point_id: number;
  standard_id: number;
  kind: Generated<'inspection' | 'unannounced' | 'mock'>;
  task_id: number | null;
  region_code: string;
  inspector_id: number | null;
  inspector: string;
  started_at: Timestamp | null;
  submitted_at: DefaultTimestamp;
  device_geom: ColumnType<never, string | null | undefined, never>;
  device_accuracy_m: number | null;
  note: string | null;
  checked_weight: number;
  passed_weight: number;
  failed_count: number;
}

export interface InspectionItemsTable {
  inspection_id: number;
  standard_item_id: number;
  result: 'pass' | 'fail' | 'na';
  note: string | null;
  photos: ColumnType<string[], string[] | undefined, string[]>;
  problem_id: number | null;
}

export interface CampaignsTable {
  id: Generated<number>;
  name: string;
  kind: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  category_groups: ColumnType<string[], string[] | undefined, string[]>;
  regions: ColumnType<string[], string[] | undefined, string[]>;
  point_types: ColumnType<string[], string[] | undefined, string[]>;
  lead_department: string | null;
  responsible_streets: ColumnType<string[], string[] | undefined, string[]>;
  /** JSON array of { kind, threshold } (domain/campaigns.ts). */
  targets: ColumnType<unknown, string | undefined, string>;
  /** JSON { weeks, list_size } (domain/campaigns.ts). */
  interview_rule: ColumnType<unknown, string | undefined, string>;
  archived: Generated<boolean>;
  created_by: number | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export type Channel = 'inbox' | 'email' | 'wecom' | 'dingtalk';

export interface SubscriptionsTable {
  id: Generated<number>;
  user_id: number | null;
  region_code: string | null;
  channel: Channel;
  address: string | null;
  secret: string | null;
  kinds: ColumnType<string[], string[] | undefined, string[]>;
  campaign_id: number | null;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
}

export interface MessagesTable {
  id: Generated<number>;
  kind: string;
  channel: Channel;
  user_id: number | null;
  region_code: string | null;
  subscription_id: number | null;
  address: string | null;
  subject: string;
  body: string;
  data: ColumnType<unknown, string | null | undefined, string | null>;
  status: 'delivered' | 'failed';
  error: string | null;
  created_at: DefaultTimestamp;
  read_at: Timestamp | null;
}

export interface JobRunsTable {
  id: Generated<number>;
  name: string;
  slot: string;
  attempt: Generated<number>;
  instance: string;
  started_at: DefaultTimestamp;
  finished_at: Timestamp | null;
  ok: boolean | null;
  error: string | null;
  result: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface PhotosTable {
  id: Generated<number>;
  sha256: string;
  size_bytes: number;
  mime: string;
  width: number;
  height: number;
  taken_at: Timestamp | null;
  exif_lon: number | null;
  exif_lat: number | null;
  device_lon: number | null;
  device_lat: number | null;
  device_accuracy_m: number | null;
  uploaded_at: DefaultTimestamp;
  uploaded_by: number;
  kind: 'report' | 'resolution' | 'reinspection' | 'inspection_item';
  owner_id: number | null;
  problem_id: number | null;
  event_id: number | null;
  region_code: string | null;
  flags: ColumnType<string[], string[] | undefined, string[]>;
  attached_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  user_id: number;
  key: string;
  request: string;
  problem_id: number | null;
  inspection_id: Generated<number | null>;
  status: number;
  created_at: DefaultTimestamp;
}

export interface DB {
  regions: RegionsTable;
  categories: CategoriesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  api_keys: ApiKeysTable;
  problem_intake: ProblemIntakeTable;
  problems: ProblemsTable;
  problem_events: ProblemEventsTable;
  calendar_overrides: CalendarOverridesTable;
  data_version: DataVersionTable;
  campaigns: CampaignsTable;
  subscriptions: SubscriptionsTable;
  messages: MessagesTable;
  job_runs: JobRunsTable;
  point_types: PointTypesTable;
  points: PointsTable;
  standards: StandardsTable;
  standard_items: StandardItemsTable;
  samples: SamplesTable;
  sample_tasks: SampleTasksTable;
  inspections: InspectionsTable;
  inspection_items: InspectionItemsTable;
  photos: PhotosTable;
  idempotency_keys: IdempotencyKeysTable;
}
