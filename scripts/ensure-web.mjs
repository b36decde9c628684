#!/usr/bin/env node
/**
 * `npm start` runs this first: builds the web map into dist/web with Vite when the build is
 * missing or older than any file under web/ (or vite.config.ts), so a new user needs only
 * `npm install && npm start`. Exits non-zero with Vite's message when the build fails.
 *
 * Usage: node scripts/ensure-web.mjs [--force]
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'web');
const stamp = join(outDir, 'index.html');

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

/** True when dist/web is missing or older than its sources. */
export function webIsStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = Math.max(newest(join(root, 'web')), statSync(join(root, 'vite.config.ts')).mtimeMs);
  return sources > built;
}

/** Builds dist/web when stale (or always with `force`). Resolves to true when it built. */
export async function ensureWeb({ force = false, log = console.log } = {}) {
  if (!force && !webIsStale()) return false;
  log('building the web map (vite build → dist/web)…');
  const t = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), root: join(root, 'web'), logLevel: 'warn' });
  log(`web map built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureWeb({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(`web build failed: ${err?.message ?? err}`);
    process.exit(1);
  });
}
