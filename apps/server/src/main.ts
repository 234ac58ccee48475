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
let running;
try {
  running = await startGreenlight(config, { logger });
  await ensureFirstRun(running.deps);
} catch (err) {
  // Start-up failures (database or Redis unreachable, port taken) are the operator's to fix: say what, not where.
  console.error(`Greenlight could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
logger.info({ url: running.url, database: running.deps.db.kind, rate_limit_store: running.deps.rateLimit.kind }, 'Greenlight is listening');

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
