/**
 * Registers the service worker that vite-plugin-pwa (Workbox) builds: the shell and the assets
 * precached, the user's own area (regions, categories, tiles, their problems) cached as it is
 * read, so the app opens and shows the area without signal. Skipped in the dev server and in the
 * e2e build, where a worker caching the API would hide what the tests check.
 *
 * Not at the page's start: the worker's install precaches MapLibre's worker script (≈120 KB) and
 * the shell, and while the first map loads the page asks for the same script at the same moment,
 * so a first visit downloaded it twice. The map page registers once its first map is drawn
 * (views/map-view.ts); a page without a map (admin, campaigns) once it has loaded and is idle.
 */

let registered = false;

/**
 * Registers /sw.js, once per page. Not through `virtual:pwa-register`: in Chromium its lazily
 * imported workbox-window never registered the worker (checked in test/e2e/offline-shell.test.ts).
 * The worker itself skips waiting and claims the page (vite.config.ts), so no window-side helper
 * is needed; a new release takes over on the next load.
 */
export function registerServiceWorker(): void {
  if (registered || !import.meta.env.PROD || import.meta.env.MODE === 'e2e' || !('serviceWorker' in navigator))
    return;
  registered = true;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}

/** Registers after the page's `load` and the next idle moment (a view with no map to wait for). */
export function registerServiceWorkerWhenIdle(): void {
  const idle = () =>
    'requestIdleCallback' in window
      ? requestIdleCallback(registerServiceWorker, { timeout: 3000 })
      : setTimeout(registerServiceWorker, 1000);
  if (document.readyState === 'complete') idle();
  else window.addEventListener('load', idle, { once: true });
}
