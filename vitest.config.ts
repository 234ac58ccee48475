import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * One run, one summary. The server suite runs on the embedded database (PGlite) by default. With
 * GREENLIGHT_TEST_DATABASE_URL set (CI sets it, with GREENLIGHT_TEST_REDIS_URL for the limiter) it
 * runs on that Postgres, and the files that test the embedded database itself run on PGlite as well:
 * running all of it twice would double the longest part of CI for code that does not know which
 * database it talks to (the storage layer is the one place that does).
 */
const postgres = process.env.GREENLIGHT_TEST_DATABASE_URL;
const serverTests = ['apps/server/src/**/*.test.ts'];
const embeddedDatabaseTests = [
  // The storage layer: PGlite on its thread, migrations, the data directory's lock, notifications.
  'apps/server/src/storage/**/*.test.ts',
  // What ships on the embedded database: a start on a data directory, restarts, signals, the bundle.
  'apps/server/src/main.*.test.ts',
  'apps/server/src/shutdown.*.test.ts',
  'apps/server/src/testing/compiled.happy.test.ts',
  'apps/server/src/security/sealed.security.test.ts',
  // The admin CLI, which reaches a running embedded database through the server's admin socket.
  'apps/server/src/admin/**/*.test.ts',
  'apps/server/src/cli/{backup,export,main,oauth-client,user-sign-in-link}.*.test.ts',
  'apps/server/src/cli/commands/**/*.test.ts',
  // Durability on one connection: a crash and a restart lose nothing; the claim of deliveries.
  'apps/server/src/delivery/outbox/{crash,worker,wake,decision-claim}.*.test.ts',
  'apps/server/src/notify/{notifications-crash,reminders}.*.test.ts',
  'apps/server/src/channels/chat-crash.*.test.ts',
  // Decisions exactly once, retention, the list and search indexes, and tests that say what differs.
  'apps/server/src/modules/approvals/decide-approval.concurrency.test.ts',
  'apps/server/src/modules/grants/grants.concurrency.test.ts',
  'apps/server/src/modules/approvals/{list-approvals,create-approval}.*.test.ts',
  'apps/server/src/jobs/{search-index-upkeep,retention}.*.test.ts',
  'apps/server/src/modules/stream/{gap-safety,multi-process}.*.test.ts',
  'apps/server/src/metrics/metrics.happy.test.ts',
  'apps/server/src/events/**/*.test.ts',
  // Every route, and every malformed input, once on each database.
  'apps/server/src/http/{auth,fuzz}.security.test.ts',
  'apps/server/src/http/{contract.happy,input-limits.error}.test.ts',
];
/**
 * The slowest end-to-end runs: what ships, installed and run as a user runs it (npm packs, the Python
 * SDK under pytest and mypy, the Zapier app under `zapier invoke`, the n8n package in a real n8n) and
 * the dashboard in Chromium. `pnpm test` leaves them out (the projects `slow:*`, with processTests);
 * `pnpm test:e2e` runs them; CI runs everything in one run (`pnpm test:all`).
 */
const slowEndToEndTests = ['test/npm-pack.test.ts', 'test/python-sdk.test.ts', 'test/zapier-invoke.test.ts', 'test/n8n-real.test.ts', 'test/web-*.test.ts'];
/**
 * Durability runs of whole server processes: kill -9 and restart with deliveries and notifications in
 * flight, SIGTERM under keep-alive load, starts and restarts on a data directory, backups and the admin
 * command line's own process, the compiled bundle. Each spawns and kills servers for minutes: `pnpm
 * test` leaves them out with the slow end-to-end runs (`pnpm test:e2e` runs both; CI everything).
 */
const processTests = [
  'apps/server/src/main.happy.test.ts',
  'apps/server/src/shutdown.happy.test.ts',
  'apps/server/src/testing/compiled.happy.test.ts',
  'apps/server/src/cli/{main,backup}.happy.test.ts',
  'apps/server/src/**/*crash.happy.test.ts',
  // `greenlight request --wait` across a server's SIGTERM and SIGKILL: three server processes in turn.
  'packages/client/src/cli/automation-restart.happy.test.ts',
];
/**
 * The programs a user runs, each run as its own process against a real server: the `greenlight` command
 * line (every command, `run`, `request --wait`, the receipts and the Claude Code hook), the MCP
 * server over stdio and the GitHub Action's bundle as a runner starts a step. Each test starts Node
 * again, a second or more of CPU a run: `pnpm test` leaves them out with the other slow runs (`pnpm
 * test:e2e` runs them; CI everything). What the command line and the MCP server compute in-process
 * (formats, the transport, waits) stays in `pnpm test`.
 */
const programTests = ['packages/client/src/cli/{automation,decide,hook,receipts}*.test.ts', 'packages/mcp/src/*.test.ts', 'packages/github-action/src/action.*.test.ts'];
/** The n8n tests load the built n8n package (what n8n loads): this builds it when missing or stale. */
const N8N_BUILD = 'packages/n8n-nodes-greenlight/test/global-setup.mts';
/** One migrated PGlite cluster per run, which every test database on PGlite starts from. */
const PGLITE_TEMPLATE = 'apps/server/src/testing/pglite-template.ts';
/** One migrated Postgres database per run, which every test database on Postgres is created from. */
const POSTGRES_TEMPLATE = 'apps/server/src/testing/postgres-template.ts';
/** The template of the database the tests of a project that is not the server's run on. */
const DATABASE_TEMPLATE = postgres ? POSTGRES_TEMPLATE : PGLITE_TEMPLATE;
/** The `greenlight` command line bundled once per run, which the CLI's tests start (instead of tsx each time). */
const CLI_BUNDLE = 'apps/server/src/testing/cli-bundle.ts';

/**
 * The server's tests as a project on PGlite (`<name>` or `<name>:pglite`) and, with a Postgres, one on
 * it (`<name>:postgres`): `onPglite` and `onPostgres` are the files each runs, less `exclude`.
 */
function serverProjects(name: string, onPglite: string[], onPostgres: string[], exclude: string[], globalSetup: string[] = []) {
  const pglite = {
    extends: true as const,
    test: {
      name: name === 'server' ? 'server:pglite' : name,
      include: onPglite,
      exclude: [...configDefaults.exclude, ...exclude],
      globalSetup: [PGLITE_TEMPLATE, ...globalSetup],
      env: { GREENLIGHT_TEST_DATABASE_URL: '', GREENLIGHT_TEST_REDIS_URL: '' },
    },
  };
  if (!postgres) return [pglite];
  return [pglite, { extends: true as const, test: { name: `${name}:postgres`, include: onPostgres, exclude: [...configDefaults.exclude, ...exclude], globalSetup: [POSTGRES_TEMPLATE, ...globalSetup], env: { GREENLIGHT_TEST_DATABASE_URL: postgres } } }];
}

export default defineConfig({
  test: {
    // Most test files spend their time waiting (servers, databases, timers), not computing: one
    // worker per core, where vitest's default is one fewer (a single worker on a two-core machine).
    maxWorkers: availableParallelism(),
    // Each worker imports the server and the packages once for all the files it runs, not once per
    // file (about 2 s of CPU each, a third of a run). Test files keep no state outside what they
    // start and stop (no module mocks, no changed globals): a file's servers, databases and timers
    // are its own, and each stops them in afterAll.
    isolate: false,
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
          include: ['packages/client/**/*.test.ts', 'packages/github-action/src/**/*.test.ts', 'packages/mcp/**/*.test.ts', 'packages/triggers/**/*.test.ts', 'packages/zapier/test/**/*.test.ts', 'packages/make/src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...processTests, ...programTests],
          globalSetup: [DATABASE_TEMPLATE],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow:programs',
          include: programTests,
          exclude: [...configDefaults.exclude, ...processTests],
          // The command line's and the MCP server's tests run a real server (@greenlight/server/testing).
          globalSetup: [CLI_BUNDLE, DATABASE_TEMPLATE],
        },
      },
      ...serverProjects('server', postgres ? embeddedDatabaseTests : serverTests, serverTests, processTests),
      // Every process test is of the embedded database too: on PGlite always, and on Postgres in CI.
      ...serverProjects('slow:processes', processTests, processTests, [], [CLI_BUNDLE]),
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
          exclude: [...configDefaults.exclude, ...slowEndToEndTests],
          globalSetup: [N8N_BUILD, DATABASE_TEMPLATE],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow:e2e',
          include: slowEndToEndTests,
          globalSetup: [N8N_BUILD, DATABASE_TEMPLATE],
        },
      },
    ],
  },
});
