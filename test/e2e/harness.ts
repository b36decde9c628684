/**
 * What the browser tests and bench/web-first-load.ts share: build the page if stale, serve the
 * app on a free loopback port, create users through the API, launch Debian's Chromium (never a
 * downloaded browser), count the bytes a page transfers from CDP network events, and wait until
 * the map has applied its numbers and drawn its tiles.
 */
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page, type CDPSession } from 'playwright-core';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { hashToken } from '../../server/plugins/auth.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds dist/web with Vite when it is missing or older than web/ (what `npm start` does). */
export function ensureWebBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-web.mjs')], { stdio: 'inherit', cwd: ROOT });
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
  private constructor(readonly cdp: CDPSession) {}

  static async attach(page: Page): Promise<TransferMeter> {
    const cdp = await page.context().newCDPSession(page);
    const meter = new TransferMeter(cdp);
    await cdp.send('Network.enable');
    // A cold first load: nothing from the HTTP cache.
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    cdp.on('Network.requestWillBeSent', (e) => meter.urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e) => {
      const url = meter.urls.get(e.requestId);
      if (!url) return;
      meter.seen.add(url);
      meter.count(url, e.encodedDataLength);
    });
    page.on('requestfinished', (request) => meter.others.push(request));
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
 * every visible source has drawn its tiles.
 */
export async function waitForMap(
  page: Page,
  opts: { level?: string; afterSeq?: number; timeout?: number } = {},
): Promise<number> {
  const handle = await page.waitForFunction(
    ({ level, afterSeq }) => {
      const pm = (
        window as unknown as {
          __problemMap?: {
            map?: { loaded(): boolean; areTilesLoaded(): boolean; isMoving(): boolean };
            lastStats?: () => { level: string; seq: number } | null;
            statsLoading?: boolean;
          };
        }
      ).__problemMap;
      const s = pm?.lastStats?.();
      if (!pm?.map || !s || pm.statsLoading) return false;
      if (level && s.level !== level) return false;
      if (afterSeq !== undefined && s.seq <= afterSeq) return false;
      if (pm.map.isMoving() || !pm.map.loaded() || !pm.map.areTilesLoaded()) return false;
      return s.seq;
    },
    { level: opts.level, afterSeq: opts.afterSeq },
    { timeout: opts.timeout ?? 30_000, polling: 100 },
  );
  return (await handle.jsonValue()) as number;
}

/** Moves the map and waits for the next `idle` (every tile of the new view requested and drawn). */
export async function jumpAndSettle(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(
    ([c, z]) =>
      new Promise<void>((resolve) => {
        const map = (window as any).__problemMap.map;
        map.once('idle', () => resolve());
        map.jumpTo({ center: c, zoom: z });
      }),
    [center, zoom] as const,
  );
}
