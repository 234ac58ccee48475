export { createApp } from './app.ts';
export type { AppDeps } from './context.ts';
export { startGreenlight, createLogger, type RunningServer } from './server.ts';
export { loadConfig, type Config } from './config.ts';
