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
  status: number;
  created_at: DefaultTimestamp;
}

export interface DB {
  regions: RegionsTable;
  categories: CategoriesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  problems: ProblemsTable;
  problem_events: ProblemEventsTable;
  calendar_overrides: CalendarOverridesTable;
  data_version: DataVersionTable;
  photos: PhotosTable;
  idempotency_keys: IdempotencyKeysTable;
}
