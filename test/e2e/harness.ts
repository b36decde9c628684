/**
 * What the browser tests and bench/web-first-load.ts share: `startE2e` builds the page if stale,
 * opens and fills the database, serves the app on a free loopback port, creates users through the
 * API and launches Debian's Chromium (never a downloaded browser); its pages are zh-CN in
 * Asia/Shanghai and log in through the form. Besides: count the bytes a page transfers from CDP
 * network events, and wait until the map has applied its numbers and drawn its tiles (read from
 * the map element's data attributes, which every build has).
 *
 * The browser tests run the e2e build (`vite build --mode e2e` → dist/web-e2e), the only build
 * where `window.__e2eMap` is the MapLibre object, for what only the canvas shows (feature state,
 * rendered labels, pixel positions). The benchmark measures the production build (dist/web).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
  type CDPSession,
} from 'playwright-core';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import type { DbHandle } from '../../db/index.js';
import { buildApp } from '../../server/app.js';
import type { Config } from '../../server/config.js';
import { hashToken } from '../../server/plugins/auth.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The e2e build of the page, which the browser tests serve (`webDir` of buildApp). */
export const E2E_WEB_DIR = join(ROOT, 'dist', 'web-e2e');
/** The production build (with its service worker), as `npm start` serves it. */
export const PRODUCTION_WEB_DIR = join(ROOT, 'dist', 'web');
/** Where the browser tests leave their screenshots (startE2e creates it). */
export const RESULTS = join(ROOT, 'test-results');
/** The password of every user startE2e creates. */
export const E2E_PASSWORD = 'e2e-password-1';

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/**
 * Builds the page with Vite when it is missing or older than web/ or domain/: dist/web (what
 * `npm start` does), or with `e2e` the test build in dist/web-e2e.
 */
export function ensureWebBuilt(mode: 'production' | 'e2e' = 'production'): void {
  const args = [join(ROOT, 'scripts', 'ensure-web.mjs'), ...(mode === 'e2e' ? ['--e2e'] : [])];
  execFileSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
}

/** Listens on 127.0.0.1 with a port the OS picks; resolves to the page's origin. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * An admin with a ready API token, inserted directly (the users API needs an admin to start
 * with). Returns the token.
 */
export async function insertAdminToken(db: Kysely<DB>, username = 'e2e-admin'): Promise<string> {
  const row = await db
    .insertInto('users')
    .values({
      username,
      display_name: 'E2E 管理员',
      role: 'admin',
      scope: [],
      department: null,
      password_hash: '!no-login',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = `e2e-token-${username}`;
  await db
    .insertInto('api_tokens')
    .values({ user_id: row.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + 86_400_000) })
    .execute();
  return token;
}

export interface NewUser {
  username: string;
  display_name: string;
  role: 'leader' | 'manager' | 'inspector' | 'admin' | 'department';
  scope?: string[];
  password: string;
}

export interface E2eOptions<Seeded> {
  /**
   * The page the app serves: 'e2e' (dist/web-e2e, where `window.__e2eMap` is the map) or
   * 'production' (dist/web, with its service worker). Built first when missing or stale.
   */
  web: 'e2e' | 'production';
  /** Opens the migrated database; `close()` closes it. Default: the tests' PGlite (BACKENDS[0]). */
  open?: () => Promise<DbHandle>;
  /** The app's config. Default: the tests' `testConfig()`. */
  config?: Config;
  /** Fills the database before the app is built; what it resolves to is `seeded`. */
  seed?: (db: Kysely<DB>) => Promise<Seeded>;
  /** Users created through POST /api/users (as an admin would), all with E2E_PASSWORD. */
  users?: Omit<NewUser, 'password'>[] | ((seeded: Seeded) => Omit<NewUser, 'password'>[]);
  /** The admin inserted directly, whose token creates the users (unique per run on a kept database). */
  adminName?: string;
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Where the browser says it is (geolocation granted), [lon, lat] in degrees (WGS 84). */
  at?: [number, number];
  /** A phone's touch screen and mobile viewport. */
  touch?: boolean;
  /** Anything else for the browser context (e.g. `acceptDownloads`). */
  context?: BrowserContextOptions;
}

export interface OpenOptions extends PageOptions {
  /** Where the page opens; default '/'. */
  path?: string;
  /** The level whose numbers the map must show first; false: the page has no map to wait for. */
  map?: string | false;
}

/** A page of the running app: its context, and every URL it requested. */
export interface E2ePage {
  context: BrowserContext;
  page: Page;
  requests: string[];
}

/** The running app and browser of one browser-test file (or the benchmark). */
export interface E2e<Seeded = unknown> {
  readonly handle: DbHandle;
  readonly app: FastifyInstance;
  /** The page's origin, http://127.0.0.1:<port>. */
  readonly origin: string;
  readonly browser: Browser;
  readonly adminToken: string;
  readonly seeded: Seeded;
  /** An API token for a created user, through POST /api/auth/login. */
  tokenOf(username: string): Promise<string>;
  /**
   * A fresh browser context (zh-CN, Asia/Shanghai: nothing shared with other pages) and a page in
   * it, every request recorded; `close()` closes it.
   */
  newPage(options?: PageOptions): Promise<E2ePage>;
  /** A new page at `path`, logged in as `username` through the form, its map drawn (see waitForMap). */
  openAs(username: string, options?: OpenOptions): Promise<E2ePage>;
  /** Closes the pages, the browser, the app and the database; what was never opened is skipped. */
  close(): Promise<void>;
}

/**
 * Starts what a browser test needs, in this order: builds the page when stale, opens the database,
 * runs `seed`, inserts an admin, builds the app (never owning the database), creates `users`,
 * listens on a free loopback port and launches Chromium. When a step fails, what was started is
 * closed before the error is thrown.
 */
export async function startE2e<Seeded = void>(options: E2eOptions<Seeded>): Promise<E2e<Seeded>> {
  ensureWebBuilt(options.web);
  mkdirSync(RESULTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  let handle: DbHandle | undefined;
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    await browser?.close();
    await app?.close();
    await handle?.close();
  };
  try {
    // The defaults are imported here, not at the top: test/helpers needs the vitest runner, and
    // bench/web-first-load.ts (which passes its own) runs without one.
    const open = options.open ?? (await import('../helpers/db.js')).BACKENDS[0].open;
    const config = options.config ?? (await import('../helpers/app.js')).testConfig();
    handle = await open();
    const seeded = (await options.seed?.(handle.db)) as Seeded;
    const adminToken = await insertAdminToken(handle.db, options.adminName);
    const webDir = options.web === 'e2e' ? E2E_WEB_DIR : PRODUCTION_WEB_DIR;
    app = await buildApp({ config, db: handle, ownsDb: false, logger: false, webDir });
    const users = typeof options.users === 'function' ? options.users(seeded) : (options.users ?? []);
    for (const user of users) await createUser(app, adminToken, { ...user, password: E2E_PASSWORD });
    const origin = await listen(app);
    browser = await launchChromium();
    const [h, a, b] = [handle, app, browser];
    const newPage = async ({ viewport = DESKTOP, at, touch = false, context: extra }: PageOptions = {}) => {
      const context = await b.newContext({
        viewport,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        ...(at && { permissions: ['geolocation'], geolocation: { longitude: at[0], latitude: at[1], accuracy: 8 } }),
        ...(touch && { isMobile: true, hasTouch: true }),
        ...extra,
      });
      contexts.push(context);
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      return { context, page, requests };
    };
    return {
      handle: h,
      app: a,
      origin,
      browser: b,
      adminToken,
      seeded,
      async tokenOf(username) {
        const res = await a.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password: E2E_PASSWORD },
        });
        if (res.statusCode !== 200) throw new Error(`logging in ${username}: ${res.statusCode} ${res.body}`);
        return (res.json() as { token: string }).token;
      },
      newPage,
      async openAs(username, { path = '/', map, ...pageOptions } = {}) {
        const opened = await newPage(pageOptions);
        await opened.page.goto(`${origin}${path}`);
        await loginThroughForm(opened.page, username, E2E_PASSWORD);
        if (map !== false) await waitForMap(opened.page, { level: map });
        return opened;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/** Creates a user through POST /api/users, as an admin would in the admin page. */
export async function createUser(app: FastifyInstance, adminToken: string, user: NewUser): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers: { authorization: `Bearer ${adminToken}` },
    payload: user,
  });
  if (res.statusCode !== 201 && res.statusCode !== 200)
    throw new Error(`creating ${user.username}: ${res.statusCode} ${res.body}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Bytes a page transfers (headers included, as on the wire), from CDP
 * `Network.loadingFinished.encodedDataLength`. Chromium reports a dedicated worker's own script
 * load on the worker's target, which the page's CDP session does not see; such requests (seen by
 * Playwright, not by CDP) are added from their response headers and Content-Length.
 */
export class TransferMeter {
  bytes = 0;
  requests = 0;
  readonly byUrl = new Map<string, number>();
  private readonly urls = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly others: import('playwright-core').Request[] = [];
  /** When each request was sent and finished (performance.now() here, as the events arrive). */
  readonly timeline: { url: string; sent: number; done?: number }[] = [];
  private readonly byId = new Map<string, { url: string; sent: number; done?: number }>();
  private constructor(readonly cdp: CDPSession) {}

  static async attach(page: Page): Promise<TransferMeter> {
    const cdp = await page.context().newCDPSession(page);
    const meter = new TransferMeter(cdp);
    await cdp.send('Network.enable');
    // A cold first load: nothing from the HTTP cache.
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    cdp.on('Network.requestWillBeSent', (e) => {
      meter.urls.set(e.requestId, e.request.url);
      const entry = { url: e.request.url, sent: performance.now() };
      meter.byId.set(e.requestId, entry);
      meter.timeline.push(entry);
    });
    cdp.on('Network.loadingFinished', (e) => {
      const entry = meter.byId.get(e.requestId);
      if (entry) entry.done = performance.now();
      const url = meter.urls.get(e.requestId);
      if (!url) return;
      meter.seen.add(url);
      meter.count(url, e.encodedDataLength);
    });
    page.on('requestfinished', (request) => meter.others.push(request));
    // The requests CDP's page session does not report (those of MapLibre's worker: the tiles) join
    // the timeline from Playwright's events.
    const pending = new Map<import('playwright-core').Request, { url: string; sent: number; done?: number }>();
    page.on('request', (request) => {
      if (request.url().startsWith('data:')) return;
      pending.set(request, { url: request.url(), sent: performance.now() });
    });
    page.on('requestfinished', (request) => {
      const entry = pending.get(request);
      pending.delete(request);
      if (!entry || meter.timeline.some((t) => t.url === entry.url && Math.abs(t.sent - entry.sent) < 50)) return;
      entry.done = performance.now();
      meter.timeline.push(entry);
    });
    return meter;
  }

  private count(url: string, n: number): void {
    this.bytes += n;
    this.requests += 1;
    const key = url.replace(/\?.*$/, '').replace(/\/tiles\/(\w+)\/.*$/, '/tiles/$1/*');
    this.byUrl.set(key, (this.byUrl.get(key) ?? 0) + n);
  }

  /** Adds the requests CDP did not report (the worker's script). Call once, at the end. */
  async settle(): Promise<void> {
    for (const request of this.others.splice(0)) {
      if (this.seen.has(request.url())) continue;
      const response = await request.response();
      if (!response) continue;
      const sizes = await request.sizes();
      const length = Number((await response.allHeaders())['content-length'] ?? 0);
      this.count(request.url(), sizes.responseHeadersSize + Math.max(sizes.responseBodySize, length));
    }
  }

  /** The largest transfers, for the report. */
  top(n = 8): [string, number][] {
    return [...this.byUrl].sort((a, b) => b[1] - a[1]).slice(0, n);
  }
}

/** Logs in through the login form. */
export async function loginThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#login-form input[name=username]').fill(username);
  await page.locator('#login-form input[name=password]').fill(password);
  await page.locator('#login-form button[type=submit]').click();
}

/**
 * Waits until the map shows `level` with its numbers applied (after `afterSeq`, when given) and
 * every tile of the view drawn, as the map element says (`data-level`, `data-stats`,
 * `data-stats-seq`, `data-idle`). Resolves to the applied numbers' sequence number.
 */
export async function waitForMap(
  page: Page,
  opts: { level?: string; afterSeq?: number; timeout?: number } = {},
): Promise<number> {
  const handle = await page.waitForFunction(
    ({ level, afterSeq }) => {
      const el = document.getElementById('map');
      if (!el || el.dataset.stats !== 'ready' || el.dataset.idle !== 'true') return false;
      const seq = Number(el.dataset.statsSeq);
      if (level && el.dataset.level !== level) return false;
      if (afterSeq !== undefined && !(seq > afterSeq)) return false;
      return seq;
    },
    { level: opts.level, afterSeq: opts.afterSeq },
    { timeout: opts.timeout ?? 30_000, polling: 100 },
  );
  return (await handle.jsonValue()) as number;
}

/** The sequence number of the numbers the map shows now (see waitForMap). */
export async function statsSeq(page: Page): Promise<number> {
  return Number(await page.locator('#map').getAttribute('data-stats-seq'));
}

/** The map position the page wrote into its URL: `#map=zoom/lat/lon`. */
export function positionOf(url: string): { zoom: number; lat: number; lon: number } {
  const m = /#map=([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)/.exec(url);
  if (!m) throw new Error(`no map position in ${url}`);
  return { zoom: Number(m[1]), lat: Number(m[2]), lon: Number(m[3]) };
}

/**
 * Moves the map and waits for the next `idle` (every tile of the new view requested and drawn).
 * Needs the e2e build's map object.
 */
export async function jumpAndSettle(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(
    ([c, z]) =>
      new Promise<void>((resolve) => {
        const map = (window as any).__e2eMap;
        map.once('idle', () => resolve());
        map.jumpTo({ center: c, zoom: z });
      }),
    [center, zoom] as const,
  );
}
