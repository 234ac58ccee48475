/**
 * The app and Zapier's own runtime, for the end-to-end tests in the repository's `test/` folder
 * (which import this file by path, so `zapier-platform-core` resolves from this package).
 */
import { createRequire } from 'node:module';
import zapier, { type Bundle, type ZObject } from 'zapier-platform-core';
import App from '../src/index.ts';

export { App };
const appTester = zapier.createAppTester(App);

/** Runs the app's function at `path` (`creates.x.operation.perform`) through Zapier's app tester. */
export function runAt<T = unknown>(path: string, bundle: Record<string, unknown>): Promise<T> {
  const fn = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], App);
  if (typeof fn !== 'function') throw new Error(`no function at ${path}`);
  return appTester(fn as (z: ZObject, bundle: Bundle) => unknown, bundle as never) as Promise<T>;
}

interface ExecuteEvent {
  command: 'execute';
  method: string;
  bundle: Record<string, unknown>;
  /** What Zapier puts behind `z.generateCallbackUrl()` for this run. */
  callback_url?: string;
}
interface ExecuteResult {
  results: unknown;
  status?: string;
}

/**
 * `createAppHandler` is the entry point Zapier's runtime and CLI call; unlike the app tester, it
 * lets the event carry its own callback URL. Its types are not published, hence the declaration.
 */
const core = createRequire(import.meta.url)('zapier-platform-core') as { createAppHandler(app: unknown): (event: ExecuteEvent) => Promise<ExecuteResult> };
export const createAppHandler = core.createAppHandler;
