/**
 * A leader creates a campaign in the page, sees its progress (targets per street, burn-down chart)
 * and downloads the weekly bulletin (Word), on a desktop and on a phone. PGlite, the hand-made
 * county of test/helpers/world.ts with the campaign data set of test/fixtures/campaign-problems.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../helpers/world.js';
import { insertProblemRows } from '../helpers/problems.js';
import { CAMPAIGN_ROWS } from '../fixtures/campaign-problems.js';
import { DESKTOP, PHONE, startE2e, type E2e } from './harness.js';

describe('campaigns in Chromium (pglite)', () => {
  let e2e: E2e;
  const dir = mkdtempSync(join(tmpdir(), 'e2e-campaign-'));

  beforeAll(async () => {
    e2e = await startE2e({
      web: 'e2e',
      seed: async (db) => {
        await createWorld(db);
        await insertProblemRows(db, CAMPAIGN_ROWS);
      },
      users: [{ username: 'e2e-campaign-leader', display_name: '王主任', role: 'leader' }],
    });
  }, 300_000);

  afterAll(async () => {
    await e2e?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (viewport: { width: number; height: number }) =>
    (
      await e2e.openAs('e2e-campaign-leader', {
        path: '/campaigns',
        viewport,
        map: false,
        context: { acceptDownloads: true },
      })
    ).page;

  it('a leader creates a campaign, sees its progress per street and downloads the bulletin', async () => {
    const page = await open(DESKTOP);
    const form = page.locator('#campaign-form');
    await form.waitFor();
    await form.locator('input[name=name]').fill('暴露垃圾百日攻坚');
    await form.locator('input[name=kind]').fill('市容环境');
    await form.locator('input[name=period_from]').fill('2026-10-05');
    await form.locator('input[name=period_to]').fill('2026-10-18');
    await form.locator('input[name=categories]').fill('06010');
    await form.locator('input[name=regions]').fill('430121001');
    await form.locator('input[name=lead_department]').fill('城管局');
    await form.locator('#campaign-create').click();
    await page.locator('#campaign-form-status.good').waitFor();
    await expect(page.locator('#campaign-name').textContent()).resolves.toContain('暴露垃圾百日攻坚');
    // Hand-computed (test/server/routes/campaigns.test.ts): 2 open at the end, both overdue; street 1 closed 2 of 4.
    const totals = page.locator('#campaign-totals');
    await expect(totals.getAttribute('data-open')).resolves.toBe('2');
    await expect(totals.getAttribute('data-overdue')).resolves.toBe('2');
    const street = page.locator('#campaign-units tr[data-code="430121001"]');
    await expect(street.locator('td').nth(4).textContent()).resolves.toBe('50%');
    await expect(street.locator('td.target[data-kind="closure_rate"]').getAttribute('class')).resolves.toContain(
      'missed',
    );
    await page.locator('.burn-down[data-rendered="true"] svg').waitFor();
    expect(await page.locator('.burn-down svg path').count()).toBeGreaterThan(1);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#campaign-bulletin-docx').click(),
    ]);
    // Without a week, a finished campaign's bulletin reports its last week (Monday 2026-10-12).
    expect(download.suggestedFilename()).toBe('bulletin-2026-10-12.docx');
    const file = join(dir, 'bulletin.docx');
    await download.saveAs(file);
    const xml = execFileSync('unzip', ['-p', file, 'word/document.xml']).toString('utf8');
    expect(xml).toContain('暴露垃圾百日攻坚');
    expect(xml).toContain('2026-10-12 至 2026-10-18');
    expect(readFileSync(file).subarray(0, 2).toString('latin1')).toBe('PK');
  }, 120_000);

  it('on a phone (390×844) the progress fits the width; wide tables scroll inside their box', async () => {
    const page = await open(PHONE);
    await page.locator('#campaign-name').waitFor();
    await page.locator('#campaign-units').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.locator('#campaign-targets').waitFor();
  }, 120_000);
});
