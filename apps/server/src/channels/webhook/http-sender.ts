import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { RESERVED_CALLBACK_HEADER } from '@greenlight/contract';
import { checkTarget, TargetRefused, type GuardOptions } from './ssrf.ts';
import { retryAfterMs } from '../../delivery/outbox/schedule.ts';
import type { Answer } from '../../delivery/outbox/channel.ts';

export interface OutgoingDelivery {
  /** POST (a delivery, the default) or HEAD (a waiter probe: RFC 9110 §9.2.1 safe, it carries no body and must change nothing). */
  method?: 'POST' | 'HEAD';
  url: string;
  /** Greenlight's own headers (content-type, webhook-*): always win. */
  headers: Record<string, string>;
  /** The requester's callback_headers: added only where they do not collide with ours. */
  extraHeaders?: Record<string, string>;
  /** Text, or bytes (a Web Push message is ciphertext). */
  body: string | Uint8Array;
}

/** The receiver's status (`statusCode`), null when no response came (refused target, network error, timeout). */
export interface AttemptResult extends Answer {
  /** Retry-After of the response, in ms, when it carried a readable one. */
  retryAfterMs: number | null;
}

/** How deliveries leave the process: over HTTP in production, recorded in some tests. */
export type Sender = (delivery: OutgoingDelivery, signal?: AbortSignal) => Promise<AttemptResult>;

/** The HTTP sender: a Sender that also holds kept-alive connections, closed by `close` on shutdown. */
export type HttpSender = Sender & { close(): void };

export interface HttpSenderOptions {
  guard: GuardOptions;
  /** Whole attempt: resolve, connect, send, and read the (capped) response. */
  timeoutMs: number;
  /** Unsafe consumption (OWASP API10): a receiver's response is read up to this size, then the connection is dropped. */
  maxResponseBytes?: number;
}

export const MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'Greenlight-Webhooks/1.0';
/**
 * How long a kept-alive connection may sit unused before the sender closes it. Below the 5 s that
 * Node's and most servers' keep-alive timeouts default to, so the sender is the one that closes an idle
 * connection, not the receiver while a request is on its way (a receiver that announces a shorter
 * `Keep-Alive: timeout=` is believed: Node's agent stops reusing the connection a second before it).
 */
const IDLE_SOCKET_MS = 4_000;
/** Idle connections kept per receiver (host and port); more are closed when their request ends. */
const IDLE_SOCKETS_PER_RECEIVER = 8;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Requester-supplied headers were checked at creation; they are checked again here because rows
 * outlive the code that wrote them. Reserved names (webhook-*, Host, Content-Type, Content-Length,
 * Authorization…) and values with CR, LF or NUL are dropped, never sent.
 */
export function mergeHeaders(own: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (typeof value !== 'string' || !TOKEN.test(name) || RESERVED_CALLBACK_HEADER.test(name) || /[\r\n\0]/.test(value)) continue;
    out[name.toLowerCase()] = value;
  }
  for (const [name, value] of Object.entries(own)) out[name.toLowerCase()] = value;
  return out;
}

function describe(err: unknown): string {
  if (err instanceof TargetRefused) return `target refused: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ECONNRESET') return 'connection reset by the receiver';
  if (e?.code && e.message) return `${e.code}: ${e.message}`;
  return e?.message ?? String(err);
}

/**
 * A Sender over node:http(s). Every socket connects to the address the SSRF guard checked for the
 * attempt that opened it (a `lookup` that answers with it), redirects are returned as failures rather
 * than followed, and every attempt ends by `timeoutMs`.
 *
 * Connections are kept alive per receiver (host and port; for https also the TLS server name), so the
 * next delivery to the same receiver skips the TCP and TLS handshakes (0.2 ms a POST on loopback;
 * across a network, a round trip for TCP and one or two for TLS). This keeps the guard whole: it
 * still checks the URL on every attempt, before any socket is taken, so a name that now resolves to a
 * refused address is refused; and every pooled socket was opened to an address the guard let
 * through, under the same allow-list (it is fixed for the process). A request written to a
 * kept-alive socket that the receiver closed meanwhile fails before any answer (ECONNRESET); it is
 * sent once more on a new connection, as Node's documentation advises, since nothing was answered:
 * a receiver sees a delivery at least once in any case, and `webhook-id` tells it a repeat.
 */
export function httpSender(options: HttpSenderOptions): HttpSender {
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const pool = { keepAlive: true, maxFreeSockets: IDLE_SOCKETS_PER_RECEIVER, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
  const agents = { http: new http.Agent(pool), https: new https.Agent(pool) };
  const sender = async (delivery: OutgoingDelivery, signal?: AbortSignal): Promise<AttemptResult> => {
    const startedAt = new Date();
    const t0 = performance.now();
    const done = (statusCode: number | null, error: string | null, retryAfter: number | null = null): AttemptResult => ({
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      statusCode,
      error,
      retryAfterMs: retryAfter,
    });

    const deadline = AbortSignal.timeout(options.timeoutMs);
    const abort = signal ? AbortSignal.any([deadline, signal]) : deadline;
    try {
      const target = await checkTarget(delivery.url, { ...options.guard, lookupTimeoutMs: Math.min(options.guard.lookupTimeoutMs ?? 5000, options.timeoutMs) });
      const lookup: LookupFunction = (_host, opts, cb) => {
        // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily); answer with the checked one only.
        if ((opts as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
        else cb(null, target.address, target.family);
      };
      const secure = target.url.protocol === 'https:';
      const method = delivery.method ?? 'POST';
      const headers = mergeHeaders(
        method === 'HEAD'
          ? { ...delivery.headers, 'user-agent': USER_AGENT }
          : { ...delivery.headers, 'user-agent': USER_AGENT, 'content-length': String(Buffer.byteLength(delivery.body)) },
        delivery.extraHeaders,
      );
      type Received = { statusCode: number; retryAfter: string | undefined; location: string | undefined };
      const request = () =>
        new Promise<Received>((resolve, reject) => {
          const req = (secure ? https : http).request({
            method,
            hostname: target.hostname,
            port: target.url.port || (secure ? 443 : 80),
            path: `${target.url.pathname}${target.url.search}`,
            headers,
            lookup,
            agent: secure ? agents.https : agents.http,
            signal: abort,
            ...(secure && !isIP(target.hostname) ? { servername: target.hostname } : {}),
          });
          req.once('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
          req.once('response', (res) => {
            let read = 0;
            const finish = () =>
              resolve({
                statusCode: res.statusCode ?? 0,
                retryAfter: res.headers['retry-after'],
                location: res.headers.location,
              });
            res.on('data', (chunk: Buffer) => {
              read += chunk.length;
              if (read > maxBytes) {
                // Enough: the status is what counts, and an endless body must not hold the worker.
                res.destroy();
                finish();
              }
            });
            res.once('end', finish);
            res.once('error', (err) => (read > maxBytes ? finish() : reject(err)));
          });
          if (method === 'HEAD') req.end();
          else req.end(delivery.body);
        });
      const { statusCode, retryAfter, location } = await request().catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        // A kept-alive connection the receiver had closed: no answer came, so it goes once more on a new one.
        if (err.reusedSocket && err.code === 'ECONNRESET' && !abort.aborted) return request();
        throw err;
      });
      const retry = retryAfterMs(retryAfter);
      if (statusCode >= 200 && statusCode < 300) return done(statusCode, null);
      if (statusCode >= 300 && statusCode < 400) {
        const to = location ? ` to ${location.slice(0, 200)}` : '';
        return done(statusCode, `redirect${to} not followed: receivers must answer 2xx themselves`, retry);
      }
      return done(statusCode, `receiver answered ${statusCode}`, retry);
    } catch (err) {
      if (deadline.aborted) return done(null, `timed out after ${options.timeoutMs} ms`);
      if (signal?.aborted) return done(null, 'attempt abandoned: the server is shutting down');
      return done(null, describe(err));
    }
  };
  return Object.assign(sender, {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
