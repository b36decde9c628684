/**
 * The zh-CN page's English check shared by the browser tests: the Latin words a Chinese page may
 * show, and the scan of the visible text for any other.
 */
import type { Page } from 'playwright-core';

/**
 * Latin words the zh-CN page may show: coordinate system names, units, the map library's and
 * the data's attribution. Anything else in Latin letters is English that should be Chinese.
 */
export const ALLOWED_LATIN = new Set([
  'WGS',
  'CGCS',
  'MapLibre',
  'OpenStreetMap',
  'km',
  'MB',
  // file formats on the export buttons, and the language switch's own name
  'CSV',
  'XLSX',
  'GEOJSON',
  'GeoJSON',
  'English',
]);

/** Latin words in the page's visible text that are not on the allowed list. */
export async function englishOn(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  return [...new Set(words.filter((w) => !ALLOWED_LATIN.has(w)))];
}

/**
 * Collects, step by step, the English a zh-CN page shows: `check(page, step)` after each step,
 * then `expect(found).toEqual({})` once at the end, so one failure names every step at fault.
 */
export function englishCollector(): {
  found: Record<string, string[]>;
  check(page: Page, step: string): Promise<void>;
} {
  const found: Record<string, string[]> = {};
  return {
    found,
    async check(page, step) {
      const words = await englishOn(page);
      if (words.length) found[step] = words;
    },
  };
}
