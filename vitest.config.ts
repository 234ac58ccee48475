import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One run, one summary. The server suite runs on PGlite always, and again on Postgres when
 * GREENLIGHT_TEST_DATABASE_URL is set (CI sets it, with GREENLIGHT_TEST_REDIS_URL for the limiter).
 */
const postgres = process.env.GREENLIGHT_TEST_DATABASE_URL;
const serverTests = ['apps/server/src/**/*.test.ts'];
/** The n8n tests load the built n8n package (what n8n loads): this builds it when missing or stale. */
const N8N_BUILD = 'packages/n8n-nodes-greenlight/test/global-setup.mts';

export default defineConfig({
  test: {
    // Most test files spend their time waiting (servers, databases, timers), not computing: one
    // worker per core, where vitest's default is one fewer (a single worker on a two-core machine).
    maxWorkers: availableParallelism(),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'contract',
          include: ['packages/contract/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/client/**/*.test.ts', 'packages/triggers/**/*.test.ts', 'packages/zapier/test/**/*.test.ts', 'packages/make/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'server:pglite',
          include: serverTests,
          env: { GREENLIGHT_TEST_DATABASE_URL: '', GREENLIGHT_TEST_REDIS_URL: '' },
        },
      },
      ...(postgres
        ? [
            {
              extends: true,
              test: {
                name: 'server:postgres',
                include: serverTests,
                env: { GREENLIGHT_TEST_DATABASE_URL: postgres },
              },
            },
          ]
        : []),
      {
        extends: true,
        test: {
          // ES modules (.mts) in a CommonJS package, and outside n8n's linter, which checks every .ts in it.
          name: 'n8n',
          include: ['packages/n8n-nodes-greenlight/test/**/*.test.mts'],
          // They load the built n8n package: built here when missing or stale.
          globalSetup: [N8N_BUILD],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          globalSetup: [N8N_BUILD],
        },
      },
    ],
  },
});
