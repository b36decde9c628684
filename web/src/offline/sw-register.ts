/**
 * Registers the service worker that vite-plugin-pwa (Workbox) builds: the shell and the assets
 * precached, the user's own area (regions, categories, tiles, their problems) cached as it is
 * read, so the app opens and shows the area without signal. Skipped in the dev server and in the
 * e2e build, where a worker caching the API would hide what the tests check.
 */
import { registerSW } from 'virtual:pwa-register';

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || import.meta.env.MODE === 'e2e' || !('serviceWorker' in navigator)) return;
  registerSW({ immediate: true });
}
