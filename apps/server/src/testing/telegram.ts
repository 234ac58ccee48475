/**
 * A local HTTP server standing in for the Telegram Bot API (GREENLIGHT_TELEGRAM_API_URL points grammY's
 * apiRoot at it): `POST /bot<token>/<method>` with JSON or form arguments, answered as Telegram's
 * documentation says (`{ok: true, result}` or `{ok: false, error_code, description, parameters}`). It
 * records every call, and can be told to fail a method or to be down (every call answered 502).
 */
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface TelegramCall {
  method: string;
  token: string;
  args: Record<string, unknown>;
  at: number;
}

export interface TestTelegramApi {
  /** For GREENLIGHT_TELEGRAM_API_URL. */
  url: string;
  calls: TelegramCall[];
  of(method: string, where?: (c: TelegramCall) => boolean): TelegramCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The next `times` calls of `method` answer this error (Telegram's error_code and description). */
  fail(method: string, error: { code: number; description: string; retryAfter?: number }, times?: number): void;
  /** While down, every call answers 502 Bad Gateway (as Telegram's front does when its back end is away). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const BOT_ID = 7_000_000_001;

/** `delayMs`: how long each answer takes (a slow Bot API keeps messages in flight). */
export async function startTelegramApi(options: { delayMs?: number } = {}): Promise<TestTelegramApi> {
  const calls: TelegramCall[] = [];
  const failures = new Map<string, { error: { code: number; description: string; retryAfter?: number }; times: number }>();
  const waiters = new Set<() => void>();
  let down = false;
  let messageId = 100;

  const message = (args: Record<string, unknown>, id: number) => ({
    message_id: id,
    date: Math.floor(Date.now() / 1000),
    from: { id: BOT_ID, is_bot: true, first_name: 'Greenlight', username: 'greenlight_test_bot' },
    chat: { id: Number(args.chat_id), type: 'private' },
    text: args.text,
  });

  const answer = (method: string, args: Record<string, unknown>): unknown => {
    switch (method) {
      case 'getMe':
        return { id: BOT_ID, is_bot: true, first_name: 'Greenlight', username: 'greenlight_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'setWebhook':
      case 'answerCallbackQuery':
        return true;
      case 'sendMessage':
        return message(args, ++messageId);
      case 'editMessageText':
        return { ...message(args, Number(args.message_id)), edit_date: Math.floor(Date.now() / 1000) };
      default:
        return undefined;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec((req.url ?? '').split('?')[0]!);
      const raw = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        for (const w of waiters) w();
      };
      if (!m) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      const [, token, method] = m;
      let args: Record<string, unknown> = {};
      if (/json/.test(req.headers['content-type'] ?? '')) args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      else args = Object.fromEntries(new URLSearchParams(raw));
      calls.push({ method: method!, token: token!, args, at: Date.now() });
      if (down) return send(502, { ok: false, error_code: 502, description: 'Bad Gateway' });
      const failure = failures.get(method!);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        const { code, description, retryAfter } = failure.error;
        return send(code, { ok: false, error_code: code, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) });
      }
      const result = answer(method!, args);
      if (result === undefined) return send(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
      send(200, { ok: true, result });
    });
  });
  const base = await listenOnLoopback(server);
  return {
    url: base,
    calls,
    of: (method, where) => calls.filter((c) => c.method === method && (!where || where(c))),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the Telegram Bot API stand-in'),
    fail: (method, error, times = 1) => failures.set(method, { error, times }),
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
