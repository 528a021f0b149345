import { defineConfig } from 'vitest/config';

// Two suites: fast pure-logic unit tests, and end-to-end tests against the lab
// (real sshd, docker, cron, restic). The e2e suite shares one lab across files.
export default defineConfig({
  test: {
    // `npm run coverage`: statement coverage of src/ by the unit suite (the e2e suite runs dist/ over SSH).
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'text-summary', 'json-summary'],
      reportsDirectory: '.tmp/coverage',
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
