/**
 * Builds the web map (web/) into dist/web, which server/app.ts serves with an SPA fallback.
 *
 * Every emitted text asset also gets a `.gz` and a `.br` twin: the county view's first load is
 * mostly MapLibre (≈1.6 MB raw, ≈0.45 MB gzip), so serving pre-compressed files
 * (`@fastify/static` `preCompressed: true`) is what keeps it under 2 MB on the wire.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Writes `<file>.gz` and `<file>.br` beside every compressible asset larger than 1 KiB, from the
 * files as written. Not from the chunks in `generateBundle`: Vite fills in its dynamic-import
 * preload list (`__VITE_PRELOAD__`) after user plugins' `generateBundle`, so twins made there
 * carried the placeholder, and the browser (sent the `.br`) failed on the first `import()` with
 * "__VITE_PRELOAD__ is not defined" while the `.js` on disk was right.
 */
function precompress(): Plugin {
  return {
    name: 'problem-map-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? dirname(options.file ?? '');
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(m?js|css|html|svg|json|pbf)$/.test(fileName)) continue;
        const path = join(dir, fileName);
        const raw = readFileSync(path);
        if (raw.length < 1024) continue;
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(raw, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
          }),
        );
      }
    },
  };
}

export default defineConfig({
  root: 'web',
  publicDir: 'public',
  build: {
    outDir: process.env.WEB_OUT_DIR ?? '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1600,
    // Brotli at quality 11 is slow by design (done once per build); rolldown's timing notice about
    // it only alarms a new user on the first `npm start`.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  plugins: [
    // Installable app (manifest) with a Workbox service worker: the shell precached; the user's own
    // area (categories, region geometry, tiles, their problems) NetworkFirst, so it opens without
    // signal with what was last seen. Writes never go through the cache: the page's outbox
    // (web/src/offline/outbox.ts) keeps them in IndexedDB and sends them with idempotency keys.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: '问题地图 Problem Map',
        short_name: '问题地图',
        lang: 'zh-CN',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#c0392b',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        // mjs: MapLibre's worker (without it the map cannot draw offline).
        globPatterns: ['**/*.{js,mjs,css,html,svg,woff2}'],
        // Not the ECharts chunk: precached, it would be downloaded on the first visit anyway (the
        // install fetches it in the background, ≈150 KB brotli) though the first view draws no
        // chart. It is kept on first use instead (the `lazy-chunks` rule below), so the charts a
        // user has seen work offline; one never opened with signal says it is unavailable.
        globIgnores: ['**/echarts-setup-*.js'],
        // Take over the page on the first visit, so the area is cached before the signal goes.
        clientsClaim: true,
        skipWaiting: true,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/(api|tiles|ogc|open311)\//],
        runtimeCaching: [
          {
            // Hashed, so a name never changes content: from the cache without asking once kept.
            urlPattern: ({ url, request }) => request.method === 'GET' && /^\/assets\/[^/]+\.js$/.test(url.pathname),
            handler: 'CacheFirst',
            options: { cacheName: 'lazy-chunks', expiration: { maxEntries: 20, maxAgeSeconds: 90 * 24 * 3600 } },
          },
          {
            urlPattern: ({ url, request }) =>
              request.method === 'GET' &&
              /^\/(api\/(categories|regions|problems|stats|queues|auth\/me|meta)|tiles\/)/.test(url.pathname),
            handler: 'NetworkFirst',
            options: {
              cacheName: 'my-area',
              networkTimeoutSeconds: 4,
              expiration: { maxEntries: 2000, maxAgeSeconds: 7 * 24 * 3600 },
            },
          },
          {
            urlPattern: ({ url }) => /^\/api\/photos\/\d+/.test(url.pathname),
            handler: 'CacheFirst',
            options: { cacheName: 'photos', expiration: { maxEntries: 500, maxAgeSeconds: 30 * 24 * 3600 } },
          },
        ],
      },
    }),
    precompress(),
  ],
  server: {
    // `npx vite` during development: the API runs on PORT (default 3000) via `npm run dev`.
    proxy: { '/api': 'http://127.0.0.1:3000', '/tiles': 'http://127.0.0.1:3000' },
  },
});
