export { createApp, type AppDeps } from './app.ts';
export { startGreenlight, createLogger, type RunningServer } from './server.ts';
export { loadConfig, type Config } from './config.ts';
export * as harness from './testing/harness.ts';
