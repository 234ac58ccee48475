/**
 * A local HTTP server standing in for Discord's HTTP API v10 (GREENLIGHT_DISCORD_API_URL points at it),
 * answering as Discord documents: `Authorization: Bot <token>` on bot calls (401 `{message, code: 0}`
 * for a token it does not know), JSON bodies, message objects with snowflake ids, 429 with
 * `{retry_after, global}` and a Retry-After header. It records every call, and can be told to fail a
 * route or to be down (every call answered 502), or to answer slowly.
 *
 * Routes: GET /applications/@me, PUT /applications/:id/commands, POST /users/@me/channels (the DM
 * channel with a user: the same one each time), POST /channels/:id/messages, PATCH
 * /channels/:id/messages/:mid, POST /webhooks/:app/:token (an interaction's follow-up; no bot token).
 */
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface DiscordCall {
  /** The route as Discord documents it, e.g. `POST /channels/:id/messages`. */
  route: string;
  path: string;
  params: string[];
  auth: string | null;
  body: Record<string, unknown>;
  at: number;
}

export interface TestDiscordApi {
  /** For GREENLIGHT_DISCORD_API_URL. */
  url: string;
  calls: DiscordCall[];
  of(route: string, where?: (c: DiscordCall) => boolean): DiscordCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The next `times` calls of `route` answer this status (Discord's JSON error code and message; a 429 its retry_after). */
  fail(route: string, error: { status: number; code?: number; message: string; retryAfter?: number }, times?: number): void;
  setDown(down: boolean): void;
  /** The DM channel the stand-in gave a Discord user (their messages are posted there). */
  dmChannelOf(userId: string): string | undefined;
  close(): Promise<void>;
}

export const DISCORD_APP_ID = '1100000000000000001';
export const DISCORD_BOT_ID = '1100000000000000002';
export const DISCORD_BOT_TOKEN = 'MTEwMDAwMDAwMDAwMDAwMDAwMg.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789ABCD';

const ROUTES: [string, RegExp][] = [
  ['GET /applications/@me', /^\/applications\/@me$/],
  ['PUT /applications/:id/commands', /^\/applications\/([0-9]+)\/commands$/],
  ['POST /users/@me/channels', /^\/users\/@me\/channels$/],
  ['POST /channels/:id/messages', /^\/channels\/([0-9]+)\/messages$/],
  ['PATCH /channels/:id/messages/:mid', /^\/channels\/([0-9]+)\/messages\/([0-9]+)$/],
  ['POST /webhooks/:app/:token', /^\/webhooks\/([0-9]+)\/([A-Za-z0-9_.-]+)$/],
];

/** `delayMs`: how long each answer takes (a slow API keeps messages in flight). */
export async function startDiscordApi(options: { delayMs?: number } = {}): Promise<TestDiscordApi> {
  const calls: DiscordCall[] = [];
  const failures = new Map<string, { error: { status: number; code?: number; message: string; retryAfter?: number }; times: number }>();
  const waiters = new Set<() => void>();
  const dms = new Map<string, string>();
  let down = false;
  let next = 1_200_000_000_000_000_000n;
  const snowflake = () => String(++next);

  const message = (channelId: string, id: string, body: Record<string, unknown>) => ({
    id,
    channel_id: channelId,
    type: 0,
    author: { id: DISCORD_BOT_ID, username: 'Greenlight', bot: true },
    content: body.content ?? '',
    components: body.components ?? [],
    flags: body.flags ?? 0,
    timestamp: new Date().toISOString(),
  });

  const answer = (route: string, params: string[], body: Record<string, unknown>): [number, unknown] => {
    switch (route) {
      case 'GET /applications/@me':
        return [200, { id: DISCORD_APP_ID, name: 'Greenlight', bot: { id: DISCORD_BOT_ID, username: 'greenlight_test_bot' } }];
      case 'PUT /applications/:id/commands':
        return params[0] === DISCORD_APP_ID ? [200, (body as unknown as unknown[]).map((c) => ({ ...(c as object), id: snowflake(), application_id: DISCORD_APP_ID }))] : [403, { message: 'Missing Access', code: 50001 }];
      case 'POST /users/@me/channels': {
        const to = String(body.recipient_id);
        if (!dms.has(to)) dms.set(to, snowflake());
        return [200, { id: dms.get(to), type: 1, recipients: [{ id: to }] }];
      }
      case 'POST /channels/:id/messages':
        return [200, message(params[0]!, snowflake(), body)];
      case 'PATCH /channels/:id/messages/:mid':
        return [200, { ...message(params[0]!, params[1]!, body), edited_timestamp: new Date().toISOString() }];
      case 'POST /webhooks/:app/:token':
        return [200, message('0', snowflake(), body)];
      default:
        return [404, { message: '404: Not Found', code: 0 }];
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const path = (req.url ?? '').split('?')[0]!;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
        for (const w of waiters) w();
      };
      const found = ROUTES.map(([name, re]) => [name, re.exec(path)] as const).find(([name, m]) => m && name.startsWith(`${req.method} `));
      if (!found) return send(404, { message: '404: Not Found', code: 0 });
      const [route, m] = found;
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const auth = req.headers.authorization ?? null;
      calls.push({ route, path, params: m!.slice(1), auth, body, at: Date.now() });
      if (down) return send(502, { message: 'Bad Gateway', code: 0 });
      if (route !== 'POST /webhooks/:app/:token' && auth !== `Bot ${DISCORD_BOT_TOKEN}`) return send(401, { message: '401: Unauthorized', code: 0 });
      const failure = failures.get(route);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        const { status, code, message: text, retryAfter } = failure.error;
        const headers: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(Math.ceil(retryAfter)) } : {};
        return send(status, { message: text, code: code ?? 0, ...(retryAfter !== undefined ? { retry_after: retryAfter, global: false } : {}) }, headers);
      }
      const [status, result] = answer(route, m!.slice(1), body);
      send(status, result);
    });
  });
  const base = await listenOnLoopback(server);
  return {
    url: base,
    calls,
    of: (route, where) => calls.filter((c) => c.route === route && (!where || where(c))),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the Discord API stand-in'),
    fail: (route, error, times = 1) => failures.set(route, { error, times }),
    setDown: (d) => {
      down = d;
    },
    dmChannelOf: (userId) => dms.get(userId),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An application's Ed25519 key pair, as Discord holds it: the public key in hex for the developer portal, and a signer. */
export interface DiscordKeys {
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function newDiscordKeys(): DiscordKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key is the tail of its SPKI encoding.
  return { publicKeyHex: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex'), privateKey };
}

/** Discord's signature of an interaction: Ed25519 over the timestamp followed by the raw body, in hex. */
export function discordSignature(keys: DiscordKeys, timestamp: string, rawBody: string): string {
  return sign(null, Buffer.from(timestamp + rawBody, 'utf8'), keys.privateKey).toString('hex');
}
