/**
 * The browser's client of the JSON API: one `request` that adds `Authorization: Bearer`, turns
 * `{error:{code,message,details}}` into an ApiError, and sends the user back to the login page on
 * 401. Response types come from the server's TypeBox schemas (type-only imports) where they exist.
 */
import type { Static } from 'typebox';
import type {
  PublicUser as PublicUserSchema,
  LoginResponse as LoginResponseSchema,
} from '../../server/schemas/auth.js';
import type { AdminUser as AdminUserSchema } from '../../server/schemas/users.js';
import type { Category as CategorySchema } from '../../server/schemas/categories.js';
import type { Day as DaySchema } from '../../server/schemas/calendar.js';
import type {
  ProblemDetailFeature as ProblemDetailSchema,
  ProblemEvent as ProblemEventSchema,
} from '../../server/schemas/workflow.js';
import type {
  StatsRow as StatsRowSchema,
  RegionStatsResponse as RegionStatsResponseSchema,
  MapNumbersResponse as MapNumbersResponseSchema,
  RegionPanelResponse as RegionPanelResponseSchema,
} from '../../server/schemas/stats.js';
import type {
  CreateProblemResponse as CreateProblemResponseSchema,
  CreateProblemBody as CreateProblemBodySchema,
  ProblemCollection as ProblemCollectionSchema,
  EditProblemBody as EditProblemBodySchema,
} from '../../server/schemas/problems.js';
import type {
  Campaign as CampaignSchema,
  CampaignBody as CampaignBodySchema,
  ProgressResponse as ProgressResponseSchema,
} from '../../server/schemas/campaigns.js';
import type { InboxResponse as InboxResponseSchema, JobList as JobListSchema } from '../../server/schemas/messages.js';
import type { Photo as PhotoSchema } from '../../server/schemas/photos.js';
import type { RankingsResponse as RankingsResponseSchema } from '../../server/schemas/rankings.js';
import type { QueueResponse as QueueResponseSchema } from '../../server/schemas/queues.js';
import type {
  SubmitInspectionBody as SubmitInspectionBodySchema,
  SubmitInspectionResponse as SubmitInspectionResponseSchema,
} from '../../server/schemas/inspections.js';
import type { Level } from './state/url.js';

export type Photo = Static<typeof PhotoSchema>;
export type Rankings = Static<typeof RankingsResponseSchema>;
export type RankedUnit = Rankings['units'][number];
export type PhotoKind = Photo['kind'];
export type QueueResponse = Static<typeof QueueResponseSchema>;
export type QueueItem = QueueResponse['items'][number];
/** POST /api/inspections body and answer. */
export type InspectionBody = Static<typeof SubmitInspectionBodySchema>;
export type SubmittedInspection = Static<typeof SubmitInspectionResponseSchema>;

/** Where the device was when a photo was taken (browsers strip EXIF GPS). */
export interface DevicePosition {
  lon: number;
  lat: number;
  accuracy?: number | null;
}

export type PublicUser = Static<typeof PublicUserSchema>;
export type LoginResponse = Static<typeof LoginResponseSchema>;
export type AdminUser = Static<typeof AdminUserSchema>;
export type Category = Static<typeof CategorySchema>;
export type CalendarDay = Static<typeof DaySchema>;
/**
 * One problem as its detail route, a transition and an edit answer it: the GeoJSON feature with
 * its region chain and the actions the caller may take.
 */
export type ProblemDetail = Static<typeof ProblemDetailSchema>;
/** A problem as a feature of the list (GET /api/problems). */
export type ProblemFeature = ProblemCollection['features'][number];
export type ProblemEvent = Static<typeof ProblemEventSchema>;

export interface ChainItem {
  code: string;
  name: string;
  level: string;
}

export type RegionStats = Static<typeof StatsRowSchema>;
export type StatsResponse = Static<typeof RegionStatsResponseSchema>;
/** GET /api/stats/map: one measure per region as parallel arrays (regions not listed have 0). */
export type MapNumbers = Static<typeof MapNumbersResponseSchema>;
export type RegionPanelResponse = Static<typeof RegionPanelResponseSchema>;
export type CreatedProblem = Static<typeof CreateProblemResponseSchema>;
export type CreateProblemBody = Static<typeof CreateProblemBodySchema>;
export type ProblemCollection = Static<typeof ProblemCollectionSchema>;
/** PATCH /api/problems/:id body. */
export type EditBody = Static<typeof EditProblemBodySchema>;
export type Campaign = Static<typeof CampaignSchema>;
export type CampaignBody = Static<typeof CampaignBodySchema>;
export type CampaignProgress = Static<typeof ProgressResponseSchema>;
export type Inbox = Static<typeof InboxResponseSchema>;
export type JobList = Static<typeof JobListSchema>;

export interface RegionSearchHit {
  code: string;
  name: string;
  level: string;
  chain_names?: string[] | string;
  /** [minLon, minLat, maxLon, maxLat], WGS84 degrees. */
  bbox: [number, number, number, number];
}

export interface Meta {
  name: string;
  version: string;
  backend: string;
  basemap: { tianditu_key: string | null; url: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Values the page renders the code with (web/src/i18n/errors.ts). */
    readonly params: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'pm.token';
const USER_KEY = 'pm.user';

/** Where the token lives: localStorage when "keep me signed in", else sessionStorage. */
export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
  },
  user(): PublicUser | null {
    const raw = sessionStorage.getItem(USER_KEY) ?? localStorage.getItem(USER_KEY);
    try {
      return raw ? (JSON.parse(raw) as PublicUser) : null;
    } catch {
      return null;
    }
  },
  save(token: string, user: PublicUser, remember: boolean): void {
    const store = remember ? localStorage : sessionStorage;
    store.setItem(TOKEN_KEY, token);
    store.setItem(USER_KEY, JSON.stringify(user));
  },
  clear(): void {
    for (const s of [localStorage, sessionStorage]) {
      s.removeItem(TOKEN_KEY);
      s.removeItem(USER_KEY);
    }
  },
};

let onUnauthorized: () => void = () => {};
/** Called once by main.ts: what to do when the token is refused (expired, revoked). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function authHeaders(): Record<string, string> {
  const token = session.token();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; details?: unknown; params?: Record<string, unknown> } } = {};
  try {
    body = await res.json();
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(
    res.status,
    body.error?.code ?? `HTTP_${res.status}`,
    body.error?.message ?? res.statusText,
    body.error?.details,
    body.error?.params ?? {},
  );
}

/** JSON request to the API. Throws ApiError on any non-2xx answer. */
export async function request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) };
  const raw = body instanceof Blob || body instanceof FormData || typeof body === 'string';
  if (body !== undefined && !raw) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    ...init,
    method,
    headers,
    body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
  });
  if (res.status === 401 && !path.startsWith('/api/auth/login')) {
    onUnauthorized();
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, init?: RequestInit) => request<T>('GET', path, undefined, init);

function qs(params: URLSearchParams | Record<string, string | number | undefined>): string {
  const q =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(
          Object.entries(params)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        );
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * A chosen date range is also the statistics period, so "closed this period" and the rates cover
 * the same days as the problems shown; without one the server's default (last 30 days) applies.
 */
export function withPeriod(filters: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams(filters);
  const from = q.get('from');
  const to = q.get('to');
  if (from) q.set('period_from', from);
  if (to) q.set('period_to', to);
  return q;
}

/** The last /api/stats/map answer per URL with its ETag: revalidated with If-None-Match, reused on 304. */
const mapNumbersHeld = new Map<string, { etag: string; body: MapNumbers }>();

/**
 * The map's one number per region (open or overdue now) from /api/stats/map, revalidated with
 * If-None-Match: an unchanged answer costs a 304 and no body. `no-store` keeps the browser's own
 * cache out of the way, so the 304 reaches this code.
 */
async function fetchMapNumbers(
  level: Level,
  measure: 'open' | 'overdue',
  filters: URLSearchParams,
): Promise<MapNumbers> {
  const q = new URLSearchParams(filters);
  q.set('level', level);
  q.set('measure', measure);
  const path = `/api/stats/map?${q}`;
  const held = mapNumbersHeld.get(path);
  const res = await fetch(path, {
    headers: { ...authHeaders(), ...(held ? { 'if-none-match': held.etag } : {}) },
    cache: 'no-store',
  });
  if (res.status === 304 && held) return held.body;
  if (res.status === 401) onUnauthorized();
  if (!res.ok) throw await errorFrom(res);
  const body = (await res.json()) as MapNumbers;
  const etag = res.headers.get('etag');
  if (etag) mapNumbersHeld.set(path, { etag, body });
  return body;
}

/** Fixed simplification zoom per level, so each level's geometry URL is one cacheable resource. */
export const GEOMETRY_ZOOM: Record<Level | 'county', number> = { county: 10, street: 11, community: 12, block: 14 };

export const api = {
  meta: () => get<Meta>('/api/meta'),
  login: (username: string, password: string) =>
    request<LoginResponse>('POST', '/api/auth/login', { username, password }),
  logout: () => request<unknown>('POST', '/api/auth/logout').catch(() => undefined),
  me: () => get<PublicUser>('/api/auth/me'),
  categories: () => get<{ categories: Category[] }>('/api/categories'),
  /** Region geometry of one level (ETag-cached by the browser: `cache: 'no-cache'` revalidates with 304). */
  regionsUrl: (level: Level | 'county', parent?: string) =>
    `/api/regions${qs({ level, zoom: GEOMETRY_ZOOM[level], parent })}`,
  region: (code: string) =>
    get<GeoJSON.Feature & { properties: { code: string; name: string; level: string; chain: ChainItem[] } }>(
      `/api/regions/${code}`,
    ),
  searchRegions: (q: string) => get<{ regions: RegionSearchHit[] }>(`/api/regions/search${qs({ q })}`),
  stats: (level: Level, filters: URLSearchParams) => {
    const q = withPeriod(filters);
    q.set('level', level);
    return get<StatsResponse>(`/api/stats/regions?${q}`);
  },
  mapNumbers: fetchMapNumbers,
  regionPanel: (code: string, filters: URLSearchParams) =>
    get<RegionPanelResponse>(`/api/stats/regions/${code}${qs(withPeriod(filters))}`),
  /** GET /api/rankings: `level`, `period` (YYYY-MM, YYYY-Qn or YYYY) and the problem filters. */
  rankings: (params: URLSearchParams) => get<Rankings>(`/api/rankings?${params}`),
  problems: (params: URLSearchParams) => get<ProblemCollection>(`/api/problems?${params}`),
  problem: (id: number) => get<ProblemDetail>(`/api/problems/${id}`),
  events: (id: number) => get<{ events: ProblemEvent[] }>(`/api/problems/${id}/events`),
  transition: (
    id: number,
    body: {
      action: string;
      version: number;
      note?: string;
      due_at?: string;
      duplicate_of?: number;
      photo_ids?: number[];
    },
    idempotencyKey?: string,
  ) =>
    request<ProblemDetail>('POST', `/api/problems/${id}/transitions`, body, {
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    }),
  /** Uploads one photo (multipart); attach it by id when reporting or transitioning. */
  uploadPhoto: (file: Blob, kind: PhotoKind, position: DevicePosition | null) => {
    const fd = new FormData();
    fd.append('kind', kind);
    if (position) {
      fd.append('lon', String(position.lon));
      fd.append('lat', String(position.lat));
      if (position.accuracy != null) fd.append('accuracy', String(Math.round(position.accuracy)));
    }
    fd.append('file', file, 'photo.jpg');
    return request<Photo>('POST', '/api/photos', fd);
  },
  problemPhotos: (id: number) => get<{ photos: Photo[] }>(`/api/problems/${id}/photos`),
  /** Submits an inspection once (photos uploaded first, by id per item). */
  submitInspection: (body: InspectionBody, idempotencyKey?: string) =>
    request<SubmittedInspection>('POST', '/api/inspections', body, {
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    }),
  todo: () => get<QueueResponse>('/api/queues/todo'),
  recheck: (near: { lon: number; lat: number } | null) =>
    get<QueueResponse>(`/api/queues/recheck${near ? qs({ sort: 'nearest', lon: near.lon, lat: near.lat }) : ''}`),
  /** PATCH /api/problems/:id: correct or move a problem; answers the updated Feature (as `problem`). */
  editProblem: (id: number, body: EditBody) => request<ProblemDetail>('PATCH', `/api/problems/${id}`, body),
  createProblem: (
    body: Partial<CreateProblemBody> & Pick<CreateProblemBody, 'lon' | 'lat' | 'category'>,
    idempotencyKey?: string,
  ) =>
    request<CreatedProblem>('POST', '/api/problems', body, {
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    }),
  users: () => get<{ users: AdminUser[] }>('/api/users'),
  createUser: (body: {
    username: string;
    display_name: string;
    role: string;
    scope?: string[];
    department?: string | null;
    password: string;
  }) => request<AdminUser>('POST', '/api/users', body),
  patchUser: (
    id: number,
    body: Partial<{
      display_name: string;
      role: string;
      scope: string[];
      department: string | null;
      active: boolean;
      password: string;
    }>,
  ) => request<AdminUser>('PATCH', `/api/users/${id}`, body),
  patchCategory: (
    code: string,
    body: Partial<{ limit_value: number; clock: string; department: string; active: boolean }>,
  ) => request<Category>('PATCH', `/api/categories/${code}`, body),
  calendar: (from: string, to: string) =>
    get<{ days: CalendarDay[]; official_years?: number[] }>(`/api/calendar${qs({ from, to })}`),
  putDay: (date: string, kind: 'workday' | 'holiday', note: string | null) =>
    request<unknown>('PUT', `/api/calendar/${date}`, { kind, note }),
  deleteDay: (date: string) => request<unknown>('DELETE', `/api/calendar/${date}`),
  campaigns: () => get<{ campaigns: Campaign[] }>('/api/campaigns'),
  createCampaign: (body: CampaignBody) => request<Campaign>('POST', '/api/campaigns', body),
  campaignProgress: (id: number, level: 'street' | 'community' | 'block') =>
    get<CampaignProgress>(`/api/campaigns/${id}/progress${qs({ level })}`),
  inbox: () => get<Inbox>('/api/inbox'),
  markRead: (id: number) => request<unknown>('POST', `/api/inbox/${id}/read`),
  jobs: () => get<JobList>('/api/jobs'),
  runJob: (name: string) => request<unknown>('POST', `/api/jobs/${name}/run`),
};

/** Fetches GeoJSON region geometry, letting the browser revalidate its cached copy by ETag. */
export async function fetchRegions(level: Level | 'county', parent?: string): Promise<GeoJSON.FeatureCollection> {
  return get<GeoJSON.FeatureCollection>(api.regionsUrl(level, parent), { cache: 'no-cache' });
}

/**
 * Downloads an export with the Authorization header and saves it under the server's file name
 * (Content-Disposition) or `fallback`.
 */
export async function download(path: string, fallback: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw await errorFrom(res);
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1] ?? m[2]) : fallback;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export interface UploadResult<T> {
  status: number;
  body: T;
}

/**
 * POSTs a file with XMLHttpRequest so the page can show upload progress (fetch has no upload
 * progress events). Resolves for any status; the caller decides what a 422 means.
 */
export function upload<T>(
  path: string,
  file: Blob,
  contentType: string,
  onProgress: (fraction: number) => void,
): Promise<UploadResult<T>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      onProgress(1);
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { error: { code: `HTTP_${xhr.status}`, message: xhr.statusText || xhr.responseText } };
      }
      if (xhr.status === 401) onUnauthorized();
      resolve({ status: xhr.status, body: body as T });
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error'));
    xhr.send(file);
  });
}
