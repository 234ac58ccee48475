import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';

/**
 * An HTTP server for an Express app whose requests and responses are born with the app's prototypes.
 *
 * Express's `app.handle` gives every request and response the app's prototypes
 * (`Object.setPrototypeOf(req, app.request)`, the same for `res`). Node builds them as plain
 * IncomingMessage and ServerResponse, so each one changes prototype after it was made. Under create
 * load that kept about a third of each young generation alive through a scavenge: it was then promoted
 * and collected only by a full collection (`--trace-gc-nvp`, P2 in bench/README.md). The same happens
 * in a bare Express app and not in Node's http server without Express.
 *
 * Here Node builds them from classes whose prototypes *are* `app.request` and `app.response`
 * (http.createServer's documented IncomingMessage / ServerResponse options). Express's call then
 * finds the prototype already set and changes nothing. Express's own behaviour is unchanged: the
 * objects inherit the same methods and the same `app`, and a router or middleware sees the same `req`.
 */
export function createExpressServer(app: Express): ExpressServer {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  adopt(ExpressRequest.prototype, app.request);
  adopt(ExpressResponse.prototype, app.response);
  // Express reads `this.request` and `this.response` on every request, so from here it uses these.
  (app as { request: unknown }).request = ExpressRequest.prototype;
  (app as { response: unknown }).response = ExpressResponse.prototype;
  const server = createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, app);
  server.on('clientError', answerClientError);
  return Object.assign(server, { drain: drainer(server) });
}

/** An Express app's HTTP server, with a graceful close. */
export type ExpressServer = Server & {
  /**
   * Stops taking connections and resolves once every connection has ended. Every answer still to be
   * sent says `Connection: close`, so a kept-alive connection carries no request after the one it is
   * busy with (a client polling on one cannot hold the server open).
   *
   * A connection idle between two requests cannot be told anything but by closing it, and a request
   * may be on its way over it at that moment: closed under it, the request meets a reset, neither
   * answered nor known to be unanswered. So by default (`idle: 'wait'`) an idle connection is left to
   * end as any idle connection does, after `keepAliveTimeout`, which every answer announced
   * (`Keep-Alive: timeout=N`; Node's agent, for one, stops reusing a connection a second before it);
   * a request that arrives on it meanwhile is answered with `Connection: close`. The drain then takes
   * up to `keepAliveTimeout` longer. `idle: 'close'` closes idle connections at once (Node's own
   * `server.close()`), for a process whose clients are its own tests.
   */
  drain(options?: { idle?: 'wait' | 'close' }): Promise<void>;
};

/** Tracks connections (per connection, not per request: the request path stays as Express has it). */
function drainer(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A request that still arrives on an open connection while draining is served, then the connection closes.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
  });
  return ({ idle = 'wait' } = {}) =>
    new Promise<void>((resolve) => {
      draining = true;
      for (const socket of sockets) {
        // The response a connection is busy with (Node's own link from a socket to its response).
        const res = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        if (res && !res.headersSent) res.shouldKeepAlive = false;
      }
      if (idle === 'close') {
        server.close(() => resolve());
        return;
      }
      // net.Server's close only stops listening; http.Server's would also close idle connections now.
      NetServer.prototype.close.call(server, () => {
        stopConnectionChecks(server);
        resolve();
      });
    });
}

/**
 * What http.Server's close does besides closing idle connections: stop its timer that checks
 * connections for request timeouts (it holds the server until cleared).
 */
function stopConnectionChecks(server: Server): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  if (key) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[key]);
}

/**
 * A request Node's HTTP parser refuses never reaches Express (a control character in a header, a
 * malformed request line or header). Node would answer a bare `400 Bad Request`; this answers 400
 * in the API's error envelope instead and closes the connection, as Node does. Left to Node's own
 * answer, without the envelope: 431 (headers larger than --max-http-header-size) and 408 (headers
 * or body not received within the server's timeouts), whose codes the envelope does not have.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'HPE_HEADER_OVERFLOW' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ECONNRESET' || !socket.writable) {
    // Node's default handling, which this listener replaced.
    if (socket.writable && err.code === 'HPE_HEADER_OVERFLOW') socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    else if (socket.writable && err.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    else socket.destroy();
    return;
  }
  const requestId = `req_${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({ error: { code: 'VALIDATION_ERROR', message: 'malformed HTTP request', request_id: requestId } });
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Makes a class's prototype stand in for Express's: the same parent, the same own properties (`app`). */
function adopt(prototype: object, expressPrototype: object): void {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(expressPrototype) as object);
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(expressPrototype));
}
