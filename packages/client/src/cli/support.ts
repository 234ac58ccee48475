import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError, ContractMismatchError, GreenlightError, NetworkError } from '../errors.ts';
import { Greenlight } from '../client.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** Wrong arguments or settings: said on stderr with the command's usage hint, exit 4. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `30m`, `90s`, `1h30m`, `2d`, or a bare number of seconds → seconds. Zero and negative durations are
 * refused: a wait of no time, or a request that expires as it is made, is a typing mistake.
 */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    if (seconds > 0) return seconds;
  } else if (/^(\d+[smhd])+$/.test(trimmed)) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
    let seconds = 0;
    for (const [, n, u] of trimmed.matchAll(/(\d+)([smhd])/g)) seconds += Number(n) * unit[u as keyof typeof unit];
    if (seconds > 0) return seconds;
  }
  throw new UsageError(`${option} must be a duration such as 90s, 30m, 1h30m or 2d (got "${text}")`);
}

type Options = NonNullable<ParseArgsConfig['options']>;
/** What `parseArgs` answers for these options (spelled out: declarations cannot name util's own type). */
export type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** `util.parseArgs` with its errors as UsageErrors. */
export function parse<T extends Options>(args: string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export interface Remote {
  client: Greenlight;
  baseUrl: string;
  /** The dashboard page of a request. */
  pageOf(id: string): string;
}

/**
 * The server and credential from GREENLIGHT_URL and GREENLIGHT_API_KEY. The key is read from the
 * environment only: a command-line argument would show in `ps` and in shell history.
 */
export function remoteFrom(env: CliIo['env']): Remote {
  const url = env.GREENLIGHT_URL?.trim();
  const apiKey = env.GREENLIGHT_API_KEY?.trim();
  const missing = [url ? null : 'GREENLIGHT_URL', apiKey ? null : 'GREENLIGHT_API_KEY'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(`set ${missing.join(' and ')} (the server's URL, e.g. https://greenlight.example.com, and an API key gk_…)`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url!);
  } catch {
    throw new UsageError(`GREENLIGHT_URL is not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`GREENLIGHT_URL must be http(s): "${url}"`);
  const baseUrl = parsed.href.replace(/\/+$/, '');
  return {
    client: new Greenlight({ baseUrl, apiKey: apiKey!, userAgent: 'greenlight-cli/0.1.0' }),
    baseUrl,
    pageOf: (id) => `${baseUrl}/requests/${id}`,
  };
}

/** An error as a script and a person each want it: one JSON object on stdout (`--json`), a line on stderr. */
export function reportError(io: CliIo, err: unknown, json: boolean, command: string): number {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\n(run "greenlight ${command} --help" for usage)\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } })}\n`);
    return EXIT.error;
  }
  let line: string;
  let body: Record<string, unknown>;
  if (err instanceof ApiError) {
    const where = [`HTTP ${err.status} ${err.code}`, err.requestId ? `request id ${err.requestId}` : null].filter(Boolean).join('; ');
    line = `${err.message} (${where})`;
    // Every field the server refused, one a line: an answer wrong in several fields is mended at once.
    const issues = Array.isArray(err.details?.issues) ? (err.details.issues as { path?: unknown; message?: unknown }[]) : [];
    const named = issues.filter((i) => typeof i?.path === 'string' && i.path !== '' && typeof i.message === 'string');
    if (named.length > 1 || (named.length === 1 && !err.message.includes(named[0]!.path as string))) {
      line += named.map((i) => `\n  ${i.path as string}: ${i.message as string}`).join('');
    }
    body = { code: err.code, message: err.message, status: err.status, request_id: err.requestId ?? null, ...(err.details ? { details: err.details } : {}) };
  } else if (err instanceof NetworkError) {
    line = `could not reach Greenlight: ${err.message}`;
    body = { code: 'NETWORK_ERROR', message: err.message };
  } else if (err instanceof ContractMismatchError) {
    line = `unexpected answer from the server: ${err.message}`;
    body = { code: 'CONTRACT_MISMATCH', message: err.message };
  } else if (err instanceof GreenlightError || err instanceof Error) {
    line = err.message;
    body = { code: 'ERROR', message: err.message };
  } else {
    line = String(err);
    body = { code: 'ERROR', message: line };
  }
  io.stderr(`error: ${line}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: body })}\n`);
  return EXIT.error;
}
