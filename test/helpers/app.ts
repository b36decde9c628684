/** Builds the app on a test database (never listens; use app.inject). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { DbHandle } from '../../db/index.js';
import type { TestBackend } from './db.js';
import { createWorld, type World } from './world.js';

/** Photos uploaded by tests land in the system temp folder, never in the working copy's data/. */
const TEST_PHOTO_DIR = join(tmpdir(), `problem-map-test-photos-${process.pid}`);

/**
 * The config tests build apps with. The global request limit is off (every injected request comes
 * from 127.0.0.1, and a suite sends thousands); test/server/security.test.ts turns it on.
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ DEMO: '0', NODE_ENV: 'test', RATE_LIMIT_MAX: '0' }),
    photoDir: TEST_PHOTO_DIR,
    ...overrides,
  };
}

export function buildTestApp(
  db: DbHandle,
  overrides: Partial<Config> = {},
  logger: false | object = false,
  webDir?: string,
): Promise<FastifyInstance> {
  return buildApp({ config: testConfig(overrides), db, ownsDb: false, logger, webDir });
}

export interface UseAppOptions {
  /**
   * When to (re)create the test world: 'once' before the block's tests, 'each' before every test
   * (for tests that write problems), or false when nested blocks create their own (assign `world`).
   */
  world?: 'once' | 'each' | false;
  /** Config overrides for the app. */
  config?: Partial<Config>;
}

/** What useApp's hooks fill in; reading a member before its hook ran throws instead of giving undefined. */
export interface TestApp {
  readonly handle: DbHandle;
  readonly app: FastifyInstance;
  /** Settable so a nested block can start again from a fresh world. */
  world: World;
}

/**
 * The setup every route test shares, for use inside `describe.each(BACKENDS)`: opens the backend
 * (one open per block: it costs ~3 s) and builds the app in beforeAll, creates the world as asked,
 * and closes the app, then the database, in afterAll. A block's own beforeAll/beforeEach hooks run after
 * these (so they can use handle, app and world); its own afterAll hooks run before (vitest stacks them).
 */
export function useApp(backend: TestBackend, { world: when = 'once', config = {} }: UseAppOptions = {}): TestApp {
  let handle: DbHandle | undefined;
  let app: FastifyInstance | undefined;
  let world: World | undefined;
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useApp: ${name} read before its hook ran`);
    return value;
  };
  beforeAll(async () => {
    handle = await backend.open();
    app = await buildTestApp(handle, config);
    if (when === 'once') world = await createWorld(handle.db);
  });
  afterAll(async () => {
    // Either may be missing when beforeAll failed part-way; closing what exists keeps that error the one reported.
    await app?.close();
    await handle?.close();
  });
  if (when === 'each')
    beforeEach(async () => {
      world = await createWorld(ready(handle, 'handle').db);
    });
  return {
    get handle() {
      return ready(handle, 'handle');
    },
    get app() {
      return ready(app, 'app');
    },
    get world() {
      return ready(world, 'world');
    },
    set world(w: World) {
      world = w;
    },
  };
}
