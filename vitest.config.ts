import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', 'dist/**'],
    // Each file starts its own embedded TimescaleDB and broker; forks keep process-wide singletons apart.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
