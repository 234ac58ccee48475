/**
 * A small Server-Sent Events client for tests: a real HTTP request, the stream parsed as the
 * HTML standard's "event stream interpretation" says (fields `id`, `event`, `data`, comment lines,
 * LF / CRLF / CR line ends), independent of the server's own framing code.
 */
import { request, type IncomingHttpHeaders, type ClientRequest } from 'node:http';

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
  /** performance.now() when the message was complete. */
  at: number;
}

export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  messages: SseMessage[];
  comments: string[];
  /** Resolves once `count` messages have arrived in total; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** True once the server ended the response. */
  ended: boolean;
  /** Resolves when the server has ended the response; rejects after `timeoutMs`. */
  untilEnded(timeoutMs?: number): Promise<void>;
  close(): void;
}

/** The first message of `type` on the stream, awaited message by message (each wait as `waitFor`'s). */
export async function firstOfType(s: SseStream, type: string): Promise<SseMessage> {
  for (let n = 1; ; n++) {
    const m = (await s.waitFor(n))[n - 1]!;
    if (m.event === type) return m;
  }
}

/** A stream opened with an API key, or with a dashboard session's cookie. */
export function openSse(url: string, options: ({ key: string } | { cookie: string }) & { lastEventId?: string }): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...('key' in options ? { Authorization: `Bearer ${options.key}` } : { Cookie: options.cookie }) };
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;
    let req: ClientRequest | undefined = undefined;
    req = request(url, { headers }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let data: string[] = [];
      let event = '';
      let id: string | undefined;
      let lastId: string | undefined;
      let endedNow: () => void = () => undefined;
      const endedPromise = new Promise<void>((ok) => (endedNow = ok));
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        ended: false,
        waitFor(count, timeoutMs = 5_000) {
          return new Promise((ok, fail) => {
            const check = () => {
              if (messages.length >= count) {
                clearTimeout(timer);
                waiters.delete(check);
                ok(messages.slice(0, count));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`expected ${count} SSE messages within ${timeoutMs} ms, got ${messages.length}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        untilEnded(timeoutMs = 5_000) {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, fail) => {
            timer = setTimeout(() => fail(new Error(`the stream did not end within ${timeoutMs} ms`)), timeoutMs);
          });
          return Promise.race([endedPromise, late]).finally(() => clearTimeout(timer));
        },
        close() {
          req?.destroy();
        },
      };
      const line = (l: string) => {
        if (l === '') {
          if (data.length > 0) {
            lastId = id ?? lastId;
            messages.push({ id: lastId, event: event || 'message', data: data.join('\n'), at: performance.now() });
            for (const w of [...waiters]) w();
          }
          data = [];
          event = '';
          id = undefined;
          return;
        }
        if (l.startsWith(':')) {
          comments.push(l.slice(1).trim());
          return;
        }
        const colon = l.indexOf(':');
        const field = colon === -1 ? l : l.slice(0, colon);
        let value = colon === -1 ? '' : l.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const m = /\r\n|\r|\n/.exec(buffer);
          if (!m) break;
          // A lone CR at the end of the chunk may be the first half of CRLF: wait for more.
          if (m[0] === '\r' && m.index === buffer.length - 1) break;
          line(buffer.slice(0, m.index));
          buffer = buffer.slice(m.index + m[0].length);
        }
      });
      res.on('end', () => {
        stream.ended = true;
        endedNow();
      });
      res.on('error', () => {
        stream.ended = true;
        endedNow();
      });
      resolve(stream);
    });
    req.on('error', reject);
    req.end();
  });
}
