/**
 * Kept-alive connections to receivers: reused for the next delivery to the same receiver, never in
 * place of the SSRF guard's check of each attempt, and a connection the receiver closed meanwhile costs
 * no attempt.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSender, type HttpSender } from './http-sender.ts';
import { parseAllowCidrs, type HostLookup } from './ssrf.ts';

let server: Server | undefined;
let sender: HttpSender | undefined;
afterEach(async () => {
  sender?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A receiver that counts its connections and the requests on each. */
async function receiver(handle?: (socketRequests: number, socket: Socket) => boolean) {
  const seen = { connections: 0, requests: 0 };
  const served = new WeakMap<Socket, number>();
  server = createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    seen.requests++;
    if (handle && !handle(n, req.socket)) return;
    req.resume();
    req.once('end', () => res.writeHead(204).end());
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('kept-alive connections', () => {
  it('sends the next delivery to the same receiver over the connection the first one opened', async () => {
    const { port, seen } = await receiver();
    sender = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.0/8') }, timeoutMs: 2000 });
    for (let i = 0; i < 3; i++) expect(await sender({ url: `http://127.0.0.1:${port}/hook`, headers: {}, body: `{"n":${i}}` })).toMatchObject({ statusCode: 204, error: null });
    expect(seen).toEqual({ connections: 1, requests: 3 });
  });

  it('checks every attempt: a name that now resolves to a refused address is refused, though a connection to it is kept', async () => {
    const { port, seen } = await receiver();
    let answer = '127.0.0.1';
    const lookup: HostLookup = async () => [{ address: answer, family: 4 }];
    sender = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.1/32'), lookup }, timeoutMs: 2000 });
    const url = `http://receiver.test:${port}/hook`;
    expect(await sender({ url, headers: {}, body: '{}' })).toMatchObject({ statusCode: 204, error: null });
    answer = '127.0.0.2';
    const refused = await sender({ url, headers: {}, body: '{}' });
    expect(refused.statusCode).toBeNull();
    expect(refused.error).toMatch(/^target refused: /);
    expect(seen).toEqual({ connections: 1, requests: 1 });
  });

  it('sends once more on a new connection when the receiver had closed the kept one (no answer came)', async () => {
    // The receiver drops a connection as its second request arrives: what a client sees when the
    // receiver's idle timeout closed it as the request was written.
    const { port, seen } = await receiver((n, socket) => {
      if (n === 1) return true;
      socket.destroy();
      return false;
    });
    sender = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.0/8') }, timeoutMs: 2000 });
    const url = `http://127.0.0.1:${port}/hook`;
    expect(await sender({ url, headers: {}, body: '{}' })).toMatchObject({ statusCode: 204, error: null });
    expect(await sender({ url, headers: {}, body: '{}' })).toMatchObject({ statusCode: 204, error: null });
    // The first connection answered once and was dropped on the second request, which a new connection answered.
    expect(seen).toEqual({ connections: 2, requests: 3 });
  });

  it('does not send again when a connection it had just opened is dropped', async () => {
    const { port, seen } = await receiver((_n, socket) => {
      socket.destroy();
      return false;
    });
    sender = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.0/8') }, timeoutMs: 2000 });
    const r = await sender({ url: `http://127.0.0.1:${port}/hook`, headers: {}, body: '{}' });
    expect(r.statusCode).toBeNull();
    expect(r.error).toMatch(/ECONNRESET|reset/);
    expect(seen).toEqual({ connections: 1, requests: 1 });
  });
});
