import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../storage/database.ts';
import { openPostgres } from '../storage/postgres.ts';
import { openTestDatabase, type TestDatabase } from './harness.ts';

/**
 * A TCP relay in front of a Postgres URL, for tests that look at what a pool sends and receives:
 * `seen` is told of each chunk as it crosses, 'c' from the client, 's' from the server. `url` is the
 * database's URL through the relay.
 */
export async function startTcpRelay(databaseUrl: string, seen: (from: 'c' | 's', chunk: Buffer) => void): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(databaseUrl);
  const relay = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    client.on('data', (b) => {
      seen('c', b);
      server.write(b);
    });
    server.on('data', (b) => {
      seen('s', b);
      client.write(b);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const viaRelay = new URL(databaseUrl);
  viaRelay.hostname = '127.0.0.1';
  viaRelay.port = String((relay.address() as net.AddressInfo).port);
  return { url: viaRelay.toString(), close: () => new Promise<void>((r) => relay.close(() => r())) };
}

/**
 * For a file of tests: a fresh test database and a pool of `max` connections that reaches it through
 * a relay (startTcpRelay, telling `seen`), opened before the file's tests and closed after them.
 */
export function useRelayedPostgres(max: number, seen: (from: 'c' | 's', chunk: Buffer) => void): { readonly t: TestDatabase; readonly db: Database } {
  let t: TestDatabase | undefined;
  let relay: Awaited<ReturnType<typeof startTcpRelay>> | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    t = await openTestDatabase();
    relay = await startTcpRelay(t.url!, seen);
    db = await openPostgres({ connectionString: relay.url, max });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await relay?.close();
    await t?.drop();
  }, 60_000);
  return {
    get t() {
      return t!;
    },
    get db() {
      return db!;
    },
  };
}
