/**
 * The Content-Security-Policy against the real page in headless Chromium: the map (MapLibre with
 * its blob: worker, tiles, numbers) and the API docs load with no CSP violation and no console
 * error, and the policy really is enforced (an inline script is blocked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadDemo } from '../../db/seed/load.js';
import { E2E_PASSWORD, loginThroughForm, startE2e, waitForMap, type E2e } from './harness.js';

/** Records CSP violations (reported in the page) and console errors. */
async function watch(page: Page): Promise<{ violations: () => Promise<string[]>; errors: string[] }> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { violations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), errors };
}

describe('CSP in Chromium (pglite, small demo county)', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'production',
      seed: (db) => loadDemo(db, { blocks: 40, problems: 300 }),
      users: [{ username: 'csp-leader', display_name: '领导', role: 'leader' }],
    });
  });
  afterAll(() => e2e?.close());

  it('the map loads, draws its tiles in the MapLibre worker and shows numbers with no CSP violation or console error', async () => {
    const { context, page } = await e2e.newPage();
    const seen = await watch(page);
    const tiles: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/tiles/')) tiles.push(r.status());
    });
    const response = await page.goto(e2e.origin);
    expect(response?.headers()['content-security-policy']).toContain("worker-src 'self' blob:");
    await loginThroughForm(page, 'csp-leader', E2E_PASSWORD);
    await waitForMap(page, { level: 'street' });
    // Tiles arrived, and the map went idle: MapLibre's (blob:) worker parsed and drew them.
    expect(tiles.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(await seen.violations()).toEqual([]);
    expect(seen.errors).toEqual([]);

    // And the policy is enforced: an injected inline script does not run.
    const ran = await page.evaluate(() => {
      (window as any).__injected = false;
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.appendChild(s);
      return (window as any).__injected;
    });
    expect(ran).toBe(false);
    expect((await seen.violations()).some((v) => v.startsWith('script-src'))).toBe(true);
    await context.close();
  });

  it('the API docs (Swagger UI) load with no CSP violation', async () => {
    const { context, page } = await e2e.newPage();
    const seen = await watch(page);
    await page.goto(`${e2e.origin}/api/docs`);
    await page.waitForSelector('.swagger-ui .info', { timeout: 30_000 });
    expect(await seen.violations()).toEqual([]);
    await context.close();
  });
});
