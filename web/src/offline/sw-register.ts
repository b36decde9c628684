/**
 * Registers the service worker that vite-plugin-pwa (Workbox) builds: the shell and the assets
 * precached, the user's own area (regions, categories, tiles, their problems) cached as it is
 * read, so the app opens and shows the area without signal. Skipped in the dev server and in the
 * e2e build, where a worker caching the API would hide what the tests check.
 */

/**
 * Registers /sw.js at once. Not through `virtual:pwa-register`: in Chromium its lazily imported
 * workbox-window never registered the worker (checked in test/e2e/offline-shell.test.ts). The
 * worker itself skips waiting and claims the page (vite.config.ts), so no window-side helper is
 * needed; a new release takes over on the next load.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || import.meta.env.MODE === 'e2e' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}
