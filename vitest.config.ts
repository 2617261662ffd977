import { defineConfig } from 'vitest/config';

// One runner for every workspace plus tests/: `npm test` runs them all.
export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'ros/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The JSON report lets .ci/run print the plain 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
  },
});
