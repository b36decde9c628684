/**
 * Configuration, read once at start-up from the environment (see `.env.example`). A bad value
 * stops the process with the variable's name.
 */
import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  /** PostgreSQL URL; when unset the embedded PGlite database under `dataDir` is used. */
  databaseUrl: string | null;
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
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return value;
}

function str(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

function trustProxy(env: NodeJS.ProcessEnv): boolean | number | string {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === null || raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const demoRaw = (env.DEMO ?? 'auto').toLowerCase();
  const demo =
    demoRaw === '1' || demoRaw === 'true' ? 'always' : demoRaw === '0' || demoRaw === 'false' ? 'never' : demoRaw;
  if (demo !== 'auto' && demo !== 'always' && demo !== 'never')
    throw new Error(`DEMO must be auto, 1 or 0, got ${JSON.stringify(env.DEMO)}`);
  const databaseUrl = str(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  return {
    host: env.HOST ?? '127.0.0.1',
    port: int(env, 'PORT', 3000, 0),
    databaseUrl,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    demo,
    nodeEnv: env.NODE_ENV ?? 'development',
    adminPassword: str(env, 'ADMIN_PASSWORD'),
    escalationGraceHours: num(env, 'ESCALATION_GRACE_HOURS', 24),
    tokenTtlHours: num(env, 'TOKEN_TTL_HOURS', 12),
    tiandituKey: str(env, 'TIANDITU_KEY'),
    basemapUrl: str(env, 'BASEMAP_URL'),
    bodyLimit: int(env, 'BODY_LIMIT_MB', 64, 1) * 1024 * 1024,
    logLevel: env.LOG_LEVEL ?? 'info',
    indicatorWeightsFile: str(env, 'INDICATOR_WEIGHTS_FILE'),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1),
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 1),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 60_000, 0),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 15_000, 0),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 1_200, 0),
    rateLimitWindowMs: int(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1),
    loginLimitPerUser: int(env, 'LOGIN_LIMIT_PER_USER', 10, 1),
    loginLimitPerAddress: int(env, 'LOGIN_LIMIT_PER_ADDRESS', 30, 1),
    loginLimitWindowMs: int(env, 'LOGIN_LIMIT_WINDOW_MS', 15 * 60_000, 1),
    corsOrigins: (str(env, 'CORS_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: trustProxy(env),
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
