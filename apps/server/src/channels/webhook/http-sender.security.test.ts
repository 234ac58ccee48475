/**
 * Unsafe consumption (OWASP API10): a receiver's answer is never trusted to be small or quick.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSender } from './http-sender.ts';
import { parseAllowCidrs } from './ssrf.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const send = (timeoutMs = 1000) => httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.0/8') }, timeoutMs });

describe('reading a response', () => {
  it('stops after 64 KiB of an endless body and still reports the status', async () => {
    let written = 0;
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const r = await send(5000)({ url, headers: {}, body: '{}' });
    expect(r).toMatchObject({ statusCode: 200, error: null });
    expect(r.durationMs).toBeLessThan(2000);
    // The sender hung up long before the receiver could push megabytes.
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it('gives up after the timeout when the receiver never answers', async () => {
    const url = await listen(() => {});
    const r = await send(500)({ url, headers: {}, body: '{}' });
    expect(r).toMatchObject({ statusCode: null, error: 'timed out after 500 ms' });
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
    expect(r.durationMs).toBeLessThan(1500);
  });

  it('gives up after the timeout when the receiver sends headers and then trickles the body', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('.')), 100);
    });
    const r = await send(500)({ url, headers: {}, body: '{}' });
    expect(r).toMatchObject({ statusCode: null, error: 'timed out after 500 ms' });
  });

  it('reports a refused connection as a failed attempt', async () => {
    const url = await listen(() => {});
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const r = await send()({ url, headers: {}, body: '{}' });
    expect(r).toMatchObject({ statusCode: null, error: 'connection refused' });
  });
});
