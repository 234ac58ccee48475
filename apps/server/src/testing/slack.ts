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
      case 'views.open': {
        // As Slack's views.open: a trigger is required; a view breaking Block Kit's rules is refused
        // with invalid_arguments and what is wrong; else the view comes back with its id and state.
        if (typeof args.trigger_id !== 'string' || args.trigger_id === '') return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } };
        const problems = viewProblems(args.view);
        if (problems.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
        const view = args.view as Record<string, unknown>;
        return { ok: true, view: { id: `V${++ts}`, team_id: 'T1', type: view.type, hash: `${ts}.hash`, state: { values: {} }, private_metadata: view.private_metadata ?? '', callback_id: view.callback_id ?? '', ...view } };
      }
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

/**
 * What Slack's views.open refuses in a modal, by the limits Block Kit documents for the elements
 * Greenlight uses (view: title 24 characters, at most 100 blocks, private_metadata 3000, callback_id
 * 255; block_id unique, 255; input: a label of 2000, an element; plain_text_input max_length 3000;
 * options 100 at most, text 75, value 150; number_input bounds as numbers).
 */
export function viewProblems(view: unknown): string[] {
  const problems: string[] = [];
  const v = view as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') return ['view must be an object'];
  const text = (t: unknown) => (t as { text?: unknown } | undefined)?.text;
  if (v.type !== 'modal') problems.push('view.type must be modal');
  const title = text(v.title);
  if (typeof title !== 'string' || title.length === 0 || title.length > 24) problems.push('view.title must be 1 to 24 characters');
  for (const k of ['submit', 'close']) if (v[k] !== undefined && String(text(v[k]) ?? '').length > 24) problems.push(`view.${k} must be at most 24 characters`);
  if (typeof v.private_metadata === 'string' && v.private_metadata.length > 3000) problems.push('view.private_metadata must be at most 3000 characters');
  if (typeof v.callback_id === 'string' && v.callback_id.length > 255) problems.push('view.callback_id must be at most 255 characters');
  const blocks = Array.isArray(v.blocks) ? (v.blocks as Record<string, unknown>[]) : [];
  if (blocks.length === 0 || blocks.length > 100) problems.push('view.blocks must hold 1 to 100 blocks');
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    if (typeof b.block_id === 'string') {
      if (ids.has(b.block_id) || b.block_id.length > 255) problems.push(`blocks[${i}].block_id must be unique and at most 255 characters`);
      ids.add(b.block_id);
    }
    if (b.type !== 'input') return;
    const label = text(b.label);
    if (typeof label !== 'string' || label.length === 0 || label.length > 2000) problems.push(`blocks[${i}].label must be 1 to 2000 characters`);
    const e = b.element as Record<string, unknown> | undefined;
    if (!e || typeof e.type !== 'string') return void problems.push(`blocks[${i}].element is required`);
    if (e.type === 'plain_text_input' && typeof e.max_length === 'number' && e.max_length > 3000) problems.push(`blocks[${i}].element.max_length must be at most 3000`);
    if (e.type === 'plain_text_input' && typeof e.initial_value === 'string' && e.initial_value.length > 3000) problems.push(`blocks[${i}].element.initial_value must be at most 3000 characters`);
    if (e.type === 'number_input') {
      for (const k of ['min_value', 'max_value', 'initial_value']) if (e[k] !== undefined && (typeof e[k] !== 'string' || !Number.isFinite(Number(e[k])))) problems.push(`blocks[${i}].element.${k} must be a number as a string`);
      if (typeof e.is_decimal_allowed !== 'boolean') problems.push(`blocks[${i}].element.is_decimal_allowed is required`);
    }
    if (Array.isArray(e.options)) {
      const options = e.options as { text?: { text?: unknown }; value?: unknown }[];
      if (options.length === 0 || options.length > 100) problems.push(`blocks[${i}].element.options must hold 1 to 100 options`);
      options.forEach((o, j) => {
        if (typeof o.text?.text !== 'string' || o.text.text.length > 75) problems.push(`blocks[${i}].element.options[${j}].text must be at most 75 characters`);
        if (typeof o.value !== 'string' || o.value.length > 150) problems.push(`blocks[${i}].element.options[${j}].value must be at most 150 characters`);
      });
    }
  });
  return problems;
}

/** The headers Slack sends with an interactivity request: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
export function slackSignature(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestampSeconds) };
}

/** An interactivity request body as Slack posts it: a form with the JSON payload. */
export const interactivityBody = (payload: unknown): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
