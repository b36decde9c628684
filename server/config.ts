/**
 * Configuration, read once at start-up from the environment (see `.env.example`). A bad value
 * stops the process with the variable's name.
 */
import { join, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { schemaProblems } from './schemas/check.js';

/** pino's levels (Fastify's logger). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Config {
  host: string;
  port: number;
  /** PostgreSQL URL; when unset the embedded PGlite database under `dataDir` is used. */
  databaseUrl: string | null;
  /** PostgreSQL streaming replica for reads (statistics, lists, hotspots, rankings); null = the primary. */
  readDatabaseUrl: string | null;
  dataDir: string;
  /** Load the demo county: 'auto' = only into an empty embedded database. */
  demo: 'auto' | 'always' | 'never';
  nodeEnv: string;
  /** First admin's password in production (created once if no admin exists). */
  adminPassword: string | null;
  /** Hours an item may be overdue before it is flagged escalated (督办). */
  escalationGraceHours: number;
  /** Lifetime of a login token in hours. */
  tokenTtlHours: number;
  tiandituKey: string | null;
  basemapUrl: string | null;
  /** Maximum body size in bytes (imports of 100 000 rows need ~10 MB). */
  bodyLimit: number;
  logLevel: string;
  /** Path of a JSON file overriding the ranking weights. */
  indicatorWeightsFile: string | null;
  /** Run the scheduled jobs (bulletin, reminders, escalation) in this process (default: on, off in tests). */
  jobs: boolean;
  /** SMTP server for email delivery, e.g. smtp://user:pass@mail.example.org:587; null = no email. */
  smtpUrl: string | null;
  /** From address of the emails. */
  smtpFrom: string;
  /** Wall-clock time (Asia/Shanghai) of the daily reminder. */
  reminderTime: string;
  /** Wall-clock time (Asia/Shanghai) of the Monday bulletin. */
  bulletinTime: string;
  /** County bulletin's 约谈 rule: weeks in a row in the black list, and the size of each list. */
  interviewWeeks: number;
  blackListSize: number;
  /** Public (account-less) reports one client address may post per window; 0 turns public reporting off. */
  publicReportMax: number;
  /** The window of {@link publicReportMax}, minutes. */
  publicReportWindowMinutes: number;
  /** OGC API – Features: items per page when the client gives no `limit`, and the largest it may ask. */
  ogcLimitDefault: number;
  ogcLimitMax: number;
  /** PostgreSQL connections per instance (the health check has one more of its own). */
  dbPoolMax: number;
  /** Milliseconds to wait for a PostgreSQL connection before answering 503 DB_UNAVAILABLE. */
  dbConnectTimeoutMs: number;
  /** PostgreSQL statement_timeout, milliseconds (0 = the server's setting). */
  dbStatementTimeoutMs: number;
  /** On SIGTERM, milliseconds to let requests in flight finish before exiting anyway. */
  shutdownTimeoutMs: number;
  /** Requests per address per window on every route (0 = no global limit). */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Login attempts per user name, and per address, per login window. */
  loginLimitPerUser: number;
  loginLimitPerAddress: number;
  loginLimitWindowMs: number;
  /** Origins allowed to call the API from another site (CORS); empty = CORS off. */
  corsOrigins: string[];
  /** Trust X-Forwarded-For from these proxies (Fastify trustProxy: true, a hop count, or addresses). */
  trustProxy: boolean | number | string;
  /** Folder of uploaded photos (content-addressed files); default `<dataDir>/photos`. */
  photoDir: string;
  /** Largest photo upload in bytes. */
  photoMaxBytes: number;
  /** Evidence check: an after-photo farther than this from the problem is flagged, metres. */
  evidenceMaxDistanceM: number;
}

const text = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));
const matching = (pattern: string, description: string) => Type.Optional(Type.String({ pattern, description }));
const NON_NEGATIVE_NUMBER = '^[0-9]+(\\.[0-9]+)?$';
const HH_MM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** The variables read, as strings (an empty value counts as unset); `.env.example` has the defaults. */
const Env = Type.Object({
  HOST: text('a host name or address'),
  PORT: matching('^[0-9]+$', 'an integer ≥ 0'),
  DATABASE_URL: matching('^postgres(ql)?://', 'a URL starting with postgres:// or postgresql://'),
  READ_DATABASE_URL: matching('^postgres(ql)?://', 'a URL starting with postgres:// or postgresql://'),
  DATA_DIR: text('a folder'),
  DEMO: matching('^(auto|always|never|1|0|true|false)$', 'auto, 1 or 0'),
  NODE_ENV: text('an environment name'),
  ADMIN_PASSWORD: text('a password'),
  ESCALATION_GRACE_HOURS: matching(NON_NEGATIVE_NUMBER, 'a non-negative number'),
  TOKEN_TTL_HOURS: matching(NON_NEGATIVE_NUMBER, 'a non-negative number'),
  TIANDITU_KEY: text('a Tianditu key'),
  BASEMAP_URL: text('an XYZ tile URL'),
  BODY_LIMIT_MB: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  LOG_LEVEL: Type.Optional(
    Type.Union(
      LOG_LEVELS.map((l) => Type.Literal(l)),
      { description: `one of ${LOG_LEVELS.join(', ')}` },
    ),
  ),
  INDICATOR_WEIGHTS_FILE: text('a file path'),
  JOBS: matching('^(1|0|true|false|on|off)$', 'on or off'),
  SMTP_URL: matching('^smtps?://', 'a URL starting with smtp:// or smtps://'),
  SMTP_FROM: text('an email address, e.g. 问题地图 <noreply@example.org>'),
  REMINDER_TIME: matching(HH_MM, 'a time HH:MM'),
  BULLETIN_TIME: matching(HH_MM, 'a time HH:MM'),
  INTERVIEW_WEEKS: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  BLACK_LIST_SIZE: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  PUBLIC_REPORT_MAX: matching('^[0-9]+$', 'an integer ≥ 0'),
  PUBLIC_REPORT_WINDOW_MINUTES: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  OGC_LIMIT_DEFAULT: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  OGC_LIMIT_MAX: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  DB_POOL_MAX: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  DB_CONNECT_TIMEOUT_MS: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  DB_STATEMENT_TIMEOUT_MS: matching('^[0-9]+$', 'an integer ≥ 0'),
  SHUTDOWN_TIMEOUT_MS: matching('^[0-9]+$', 'an integer ≥ 0'),
  RATE_LIMIT_MAX: matching('^[0-9]+$', 'an integer ≥ 0'),
  RATE_LIMIT_WINDOW_MS: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  LOGIN_LIMIT_PER_USER: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  LOGIN_LIMIT_PER_ADDRESS: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  LOGIN_LIMIT_WINDOW_MS: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  CORS_ORIGINS: text('comma-separated origins, e.g. https://gis.example.org'),
  TRUST_PROXY: text('true, a hop count, or proxy addresses'),
  PHOTO_DIR: text('a folder'),
  PHOTO_MAX_MB: matching('^[1-9][0-9]*$', 'an integer ≥ 1'),
  EVIDENCE_MAX_DISTANCE_M: matching(NON_NEGATIVE_NUMBER, 'a non-negative number'),
});
type Env = Static<typeof Env>;

function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * Reads and checks the environment against {@link Env}. Throws one Error naming every bad
 * variable, what it must be and the value it had.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(Env.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '')
      raw[name] = name === 'DEMO' || name === 'JOBS' ? value.toLowerCase() : value;
  }
  const problems = schemaProblems(Env, raw);
  if (problems.length > 0)
    throw new Error(problems.map((p) => `${p.message}, got ${JSON.stringify(env[p.path.slice(1)])}`).join('; '));
  const e = raw as Env;
  const ogcLimitDefault = Number(e.OGC_LIMIT_DEFAULT ?? 100);
  const ogcLimitMax = Number(e.OGC_LIMIT_MAX ?? 10_000);
  if (ogcLimitDefault > ogcLimitMax)
    throw new Error(`OGC_LIMIT_DEFAULT (${ogcLimitDefault}) must not exceed OGC_LIMIT_MAX (${ogcLimitMax})`);
  if (e.READ_DATABASE_URL && !e.DATABASE_URL)
    throw new Error('READ_DATABASE_URL needs DATABASE_URL (a replica of which primary?)');
  const demo = e.DEMO === '1' || e.DEMO === 'true' ? 'always' : e.DEMO === '0' || e.DEMO === 'false' ? 'never' : e.DEMO;
  return {
    host: e.HOST ?? '127.0.0.1',
    port: Number(e.PORT ?? 3000),
    databaseUrl: e.DATABASE_URL ?? null,
    readDatabaseUrl: e.READ_DATABASE_URL ?? null,
    dataDir: resolve(e.DATA_DIR ?? './data'),
    demo: (demo ?? 'auto') as Config['demo'],
    nodeEnv: e.NODE_ENV ?? 'development',
    adminPassword: e.ADMIN_PASSWORD ?? null,
    escalationGraceHours: Number(e.ESCALATION_GRACE_HOURS ?? 24),
    tokenTtlHours: Number(e.TOKEN_TTL_HOURS ?? 12),
    tiandituKey: e.TIANDITU_KEY ?? null,
    basemapUrl: e.BASEMAP_URL ?? null,
    bodyLimit: Number(e.BODY_LIMIT_MB ?? 64) * 1024 * 1024,
    logLevel: e.LOG_LEVEL ?? 'info',
    indicatorWeightsFile: e.INDICATOR_WEIGHTS_FILE ?? null,
    jobs: e.JOBS === undefined ? e.NODE_ENV !== 'test' : ['1', 'true', 'on'].includes(e.JOBS),
    smtpUrl: e.SMTP_URL ?? null,
    smtpFrom: e.SMTP_FROM ?? '问题地图 <noreply@localhost>',
    reminderTime: e.REMINDER_TIME ?? '08:00',
    bulletinTime: e.BULLETIN_TIME ?? '09:00',
    interviewWeeks: Number(e.INTERVIEW_WEEKS ?? 3),
    blackListSize: Number(e.BLACK_LIST_SIZE ?? 3),
    publicReportMax: Number(e.PUBLIC_REPORT_MAX ?? 5),
    publicReportWindowMinutes: Number(e.PUBLIC_REPORT_WINDOW_MINUTES ?? 60),
    ogcLimitDefault,
    ogcLimitMax,
    dbPoolMax: Number(e.DB_POOL_MAX ?? 10),
    dbConnectTimeoutMs: Number(e.DB_CONNECT_TIMEOUT_MS ?? 5_000),
    dbStatementTimeoutMs: Number(e.DB_STATEMENT_TIMEOUT_MS ?? 60_000),
    shutdownTimeoutMs: Number(e.SHUTDOWN_TIMEOUT_MS ?? 15_000),
    rateLimitMax: Number(e.RATE_LIMIT_MAX ?? 1_200),
    rateLimitWindowMs: Number(e.RATE_LIMIT_WINDOW_MS ?? 60_000),
    loginLimitPerUser: Number(e.LOGIN_LIMIT_PER_USER ?? 10),
    loginLimitPerAddress: Number(e.LOGIN_LIMIT_PER_ADDRESS ?? 30),
    loginLimitWindowMs: Number(e.LOGIN_LIMIT_WINDOW_MS ?? 15 * 60_000),
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: trustProxy(e.TRUST_PROXY),
    photoDir: resolve(e.PHOTO_DIR ?? join(e.DATA_DIR ?? './data', 'photos')),
    photoMaxBytes: Number(e.PHOTO_MAX_MB ?? 15) * 1024 * 1024,
    evidenceMaxDistanceM: Number(e.EVIDENCE_MAX_DISTANCE_M ?? 100),
  };
}

/** loadConfig for entry points: a bad value prints the variable's problem and exits with 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    console.error(`configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
}
