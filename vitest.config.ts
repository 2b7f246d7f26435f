import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against sources, so a stale dist/ never hides a change.
    alias: {
      '@pulse/protocol': src('./packages/protocol/src/index.ts'),
      '@pulse/sdk': src('./packages/sdk/src/index.ts'),
      '@pulse/server': src('./packages/server/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/dashboard/e2e/*.test.ts', 'benchmarks/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
