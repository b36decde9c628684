#!/usr/bin/env node
/**
 * `npm start` runs this first: builds the web map into dist/web with Vite when the build is
 * missing or older than any file under web/ or domain/ (or vite.config.ts), so a new user needs only
 * `npm install && npm start`. Exits non-zero with Vite's message when the build fails.
 *
 * The browser tests build the same page with `--mode e2e` into dist/web-e2e (the only build that
 * hands the tests the MapLibre object; see web/src/views/map-view.ts). `npm start` never serves it.
 *
 * Usage: node scripts/ensure-web.mjs [--force] [--e2e]
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where each build mode goes. */
export const OUT_DIRS = { production: join(root, 'dist', 'web'), e2e: join(root, 'dist', 'web-e2e') };

/** Newest modification time (ms) of any file under `dir`, recursively. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    if (t > latest) latest = t;
  }
  return latest;
}

/** True when the build of `mode` is missing or older than its sources. */
export function webIsStale(mode = 'production') {
  const stamp = join(OUT_DIRS[mode], 'index.html');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  // The page imports the rules in domain/ too.
  const sources = Math.max(
    newest(join(root, 'web')),
    newest(join(root, 'domain')),
    statSync(join(root, 'vite.config.ts')).mtimeMs,
  );
  return sources > built;
}

/** Builds the page of `mode` when stale (or always with `force`). Resolves to true when it built. */
export async function ensureWeb({ force = false, mode = 'production', log = console.log } = {}) {
  if (!force && !webIsStale(mode)) return false;
  const outDir = OUT_DIRS[mode];
  log(`building the web map (vite build --mode ${mode} → ${outDir.slice(root.length + 1)})…`);
  const t = Date.now();
  // Vite makes a production build (import.meta.env.PROD, dependencies' production code) only
  // when NODE_ENV is 'production' or unset, and vitest sets it to 'test': a page built for the
  // browser tests then had no service worker at all. Both builds are what ships.
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  await build({
    configFile: join(root, 'vite.config.ts'),
    root: join(root, 'web'),
    mode,
    logLevel: 'warn',
    build: { outDir },
  });
  log(`web map built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureWeb({
    force: process.argv.includes('--force'),
    mode: process.argv.includes('--e2e') ? 'e2e' : 'production',
  }).catch((err) => {
    console.error(`web build failed: ${err?.message ?? err}`);
    process.exit(1);
  });
}
