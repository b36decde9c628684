/**
 * Configuration, read once at start-up from the environment (see `.env.example`). A bad value
 * stops the process with the variable's name.
 */
import { join, resolve } from 'node:path';

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
  /** Folder of uploaded photos (content-addressed files); default `<dataDir>/photos`. */
  photoDir: string;
  /** Largest photo upload in bytes. */
  photoMaxBytes: number;
  /** Evidence check: an after-photo farther than this from the problem is flagged, metres. */
  evidenceMaxDistanceM: number;
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
    photoDir: resolve(env.PHOTO_DIR || join(env.DATA_DIR ?? './data', 'photos')),
    photoMaxBytes: int(env, 'PHOTO_MAX_MB', 15, 1) * 1024 * 1024,
    evidenceMaxDistanceM: num(env, 'EVIDENCE_MAX_DISTANCE_M', 100),
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
