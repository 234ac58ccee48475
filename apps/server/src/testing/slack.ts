/**
 * A local HTTP server standing in for the Slack Web API (GREENLIGHT_SLACK_API_URL points
 * @slack/web-api at it): it records every call with its arguments as Slack would read them (form
 * fields or JSON; `blocks` and `view` parsed), answers like Slack, and can be told to fail a method.
 * And a helper that signs an interactivity request as Slack does.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface SlackCall {
  method: string;
  /** The bot token the call carried. */
  token: string | null;
  args: Record<string, unknown>;
  at: number;
}

export interface SlackUser {
  id: string;
  email: string | null;
  is_email_confirmed?: boolean;
  is_bot?: boolean;
  deleted?: boolean;
}

export interface TestSlackApi {
  /** Base URL for GREENLIGHT_SLACK_API_URL (ends in `/api/`). */
  url: string;
  calls: SlackCall[];
  /** Calls of one method (`chat.postMessage`…), optionally only those a predicate keeps. */
  of(method: string, where?: (c: SlackCall) => boolean): SlackCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** A workspace member: users.lookupByEmail finds them by email; users.info by id. */
  addUser(user: SlackUser): void;
  /** The next `times` calls of `method` answer `{ ok: false, error }` (or this HTTP status). */
  fail(method: string, error: string | { status: number }, times?: number): void;
  close(): Promise<void>;
}

/** `delayMs`: how long each answer takes (a slow Slack keeps posts in flight). */
export async function startSlackApi(options: { delayMs?: number } = {}): Promise<TestSlackApi> {
  const calls: SlackCall[] = [];
  const users = new Map<string, SlackUser>();
  const failures = new Map<string, { error: string | { status: number }; times: number }>();
  const waiters = new Set<() => void>();
  let ts = 1_700_000_000;

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'chat.postMessage': {
        const channel = String(args.channel);
        // Posting to a user id opens the bot's direct message channel with them.
        const real = /^U/.test(channel) ? `D${channel.slice(1)}` : channel.replace(/^#/, 'C_');
        return { ok: true, channel: real, ts: `${++ts}.000100`, message: { text: args.text } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${++ts}.000200` };
      case 'views.open':
        return { ok: true, view: { id: 'V1' } };
      case 'users.lookupByEmail': {
        const u = [...users.values()].find((x) => x.email?.toLowerCase() === String(args.email).toLowerCase());
        return u ? { ok: true, user: { id: u.id } } : { ok: false, error: 'users_not_found' };
      }
      case 'users.info': {
        const u = users.get(String(args.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: u.id, deleted: u.deleted ?? false, is_bot: u.is_bot ?? false, is_email_confirmed: u.is_email_confirmed ?? true, profile: u.email ? { email: u.email } : {} },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const raw = Buffer.concat(chunks).toString('utf8');
      let args: Record<string, unknown> = {};
      if (/json/.test(req.headers['content-type'] ?? '')) args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      else args = Object.fromEntries(new URLSearchParams(raw));
      for (const k of ['blocks', 'view']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k] as string);
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : null;
      calls.push({ method, token, args, at: Date.now() });
      const failure = failures.get(method);
      let status = 200;
      let body: Record<string, unknown>;
      if (failure && failure.times > 0) {
        failure.times -= 1;
        if (typeof failure.error === 'string') body = { ok: false, error: failure.error };
        else {
          status = failure.error.status;
          body = { ok: false, error: 'http_error' };
        }
      } else {
        body = answer(method, args);
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      for (const w of waiters) w();
    });
  });
  const base = await listenOnLoopback(server);
  return {
    url: `${base}/api/`,
    calls,
    of: (method, where) => calls.filter((c) => c.method === method && (!where || where(c))),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the Slack API stand-in'),
    addUser: (u) => users.set(u.id, u),
    fail: (method, error, times = 1) => failures.set(method, { error, times }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The headers Slack sends with an interactivity request: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
export function slackSignature(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestampSeconds) };
}

/** An interactivity request body as Slack posts it: a form with the JSON payload. */
export const interactivityBody = (payload: unknown): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
