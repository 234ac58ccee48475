/**
 * A test file's server whose callbacks and probes may reach receivers on 127.0.0.1, and the file's
 * receivers: both start before its tests and stop after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { receiverPool, type startReceiver } from './receiver.ts';

/** Hands the server to `use` once it runs; `config` adds to the loopback allowance or overrides it. Returns the file's `receiver(reply)`. */
export function useCallbackServer(use: (server: TestServer) => void, config: Record<string, string>): { receiver: typeof startReceiver } {
  const { receiver, closeReceivers } = receiverPool();
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', ...config } });
    use(server);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await closeReceivers();
  }, 60_000);
  return { receiver };
}
