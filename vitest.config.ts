import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: each file opens its own PGlite (~3 s, ~300 MB); more workers only thrash.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
