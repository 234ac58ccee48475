import { ConfigError, loadConfig } from './config.ts';
import { createLogger, startGreenlight } from './server.ts';
import { ensureFirstRun } from './modules/orgs/first-run.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const logger = createLogger(config);

// Installed before start-up, so a signal that arrives while migrations run or the first-run org is
// written still ends in an orderly exit (0) rather than Node's default (killed by the signal).
let running: Awaited<ReturnType<typeof startGreenlight>> | undefined;
let started = false;
let shutdownRequested: string | undefined;
function shutDown(signal: string): void {
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  const force = setTimeout(() => {
    logger.error('shutdown took longer than 15 s; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  (running ? running.close() : Promise.resolve()).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shutdownRequested) return;
    shutdownRequested = signal;
    // During start-up (migrations, the first-run org) the shutdown waits for it to finish.
    if (started) shutDown(signal);
  });
}

try {
  running = await startGreenlight(config, { logger });
  await ensureFirstRun(running.deps);
  started = true;
} catch (err) {
  // Start-up failures (database or Redis unreachable, port taken) are the operator's to fix: say what, not where.
  console.error(`Greenlight could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
logger.info({ url: running.url, database: running.deps.db.kind, rate_limit_store: running.deps.rateLimit.kind }, 'Greenlight is listening');
if (shutdownRequested) shutDown(shutdownRequested);
