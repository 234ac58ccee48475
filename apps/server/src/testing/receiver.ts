/**
 * Test-only: a real webhook receiver on 127.0.0.1 that records every request and answers as told.
 * Used by the delivery tests with GREENLIGHT_CALLBACK_ALLOW_CIDRS allowing loopback.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  /** GET, POST, HEAD… (a waiter probe is a HEAD), and the path with its query. */
  method: string;
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  attempt: number;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** The response was written completely (false: the sender went away first, e.g. it was killed). */
  answered: boolean;
}

export interface Reply {
  status?: number;
  delayMs?: number;
  /** The answer waits until this settles (a receiver held open for as long as a test needs). */
  until?: Promise<unknown>;
  headers?: Record<string, string>;
  body?: string;
}

export interface TestReceiver {
  url: string;
  port: number;
  received: Received[];
  /** Distinct webhook-ids seen. */
  ids(): Set<string>;
  /** Connections accepted (a refused target must leave this at 0). */
  connections: number;
  reply: (r: Received, n: number) => Reply;
  /** Resolves when `predicate` holds, polling every 20 ms, or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(
  reply: TestReceiver['reply'] = () => ({ status: 200 }),
  host = '127.0.0.1',
  port = 0,
): Promise<TestReceiver> {
  const sockets = new Set<Socket>();
  const r: TestReceiver = {
    url: '',
    port: 0,
    received: [],
    connections: 0,
    reply,
    ids: () => new Set(r.received.map((x) => x.id)),
    async until(predicate, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > end) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${r.received.length} requests)`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        attempt: Number(req.headers['greenlight-delivery-attempt'] ?? 0),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answered: false,
      };
      res.once('finish', () => (rec.answered = true));
      r.received.push(rec);
      const out = r.reply(rec, r.received.length);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(out.status ?? 200, out.headers ?? {});
        res.end(out.body ?? '');
      };
      if (out.until) void out.until.finally(send);
      else if (out.delayMs) setTimeout(send, out.delayMs);
      else send();
    });
  });
  server.on('connection', (s: Socket) => {
    r.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res, rej) => server.once('error', rej).listen(port, host, () => res()));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://${host}:${r.port}`;
  return r;
}

/**
 * The receivers one test file starts, closed together when it ends:
 * `const { receiver, closeReceivers } = receiverPool()`, then `receiver(reply)` wherever a test needs one.
 */
export function receiverPool(): { receiver: typeof startReceiver; closeReceivers: () => Promise<void> } {
  const started: TestReceiver[] = [];
  return {
    async receiver(...args) {
      const r = await startReceiver(...args);
      started.push(r);
      return r;
    },
    async closeReceivers() {
      await Promise.all(started.map((r) => r.close()));
    },
  };
}
