import { describe, expect, it } from 'vitest';
import { cacheControlFor } from '../../server/app.js';

describe('Cache-Control of the built page', () => {
  it('caches hashed assets for a year as immutable and revalidates everything else', () => {
    for (const p of ['/srv/dist/web/assets/index-B3x9_kQz.js', '/srv/dist/web/assets/maplibre-gl-DxV2a81c.css.br'])
      expect(cacheControlFor(p), p).toBe('public, max-age=31536000, immutable');
    for (const p of [
      '/srv/dist/web/index.html',
      '/srv/dist/web/sw.js',
      '/srv/dist/web/manifest.webmanifest',
      '/srv/dist/web/icon.svg',
    ])
      expect(cacheControlFor(p), p).toBe('no-cache');
  });
});
