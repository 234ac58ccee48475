/**
 * Executes a Make communication (one request or an array of them) the way Make's runtime does, as
 * far as this app uses it: base merged in, `condition`, `temp` before the request, URL relative to
 * the base URL, qs/headers/body evaluated (undefined keys dropped), `json` or `urlencoded` bodies,
 * `valid`/`error` (per status) → a typed error, `iterate` + `output`, `pagination` until its
 * condition fails, `limit`, and the connection directives `data`, `uid`, `metadata`, `expires`.
 * It is a test harness for the app's JSON, not a copy of Make.
 */
import { evaluate, truthy, type Scope } from '../iml/evaluate.ts';

type Obj = Record<string, unknown>;

export class MakeError extends Error {
  constructor(
    /** Make's error type (DataError, InvalidAccessTokenError, RateLimitError…). */
    readonly type: string,
    message: string,
    readonly statusCode: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'MakeError';
  }
}

export interface LogEntry {
  request: { method: string; url: string; headers: Obj; body: unknown };
  response: { status: number; headers: Obj; body: unknown };
}

export interface ExecOptions {
  /** general/base.iml.json for modules, RPCs and epochs; none for connections and webhooks. */
  base?: Obj;
  /** Called after each page with the page's items; returning false stops pagination (polling triggers). */
  continuePaging?: (page: Item[]) => boolean;
  /** Apply `response.limit` (searches, RPCs); triggers apply it themselves after filtering. */
  applyLimit?: boolean;
  log?: LogEntry[];
}

export interface Item {
  output: unknown;
  /** `response.trigger` evaluated for this item. */
  trigger?: { type: string; order: string; id: string; date?: string };
}

export interface ExecResult {
  items: Item[];
  /** Whether any request had an `output` (a module without one outputs nothing). */
  hasOutput: boolean;
  temp: Obj;
  data?: Obj;
  uid?: unknown;
  metadata?: unknown;
  expires?: unknown;
  limit?: number;
  lastBody?: unknown;
  skipped: boolean;
}

const json = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

function mergeBase(base: Obj | undefined, spec: Obj): Obj {
  if (!base) return spec;
  const response = { ...((base.response as Obj) ?? {}), ...((spec.response as Obj) ?? {}) };
  return {
    ...spec,
    baseUrl: base.baseUrl,
    headers: { ...((base.headers as Obj) ?? {}), ...((spec.headers as Obj) ?? {}) },
    ...(base.qs || spec.qs ? { qs: { ...((base.qs as Obj) ?? {}), ...((spec.qs as Obj) ?? {}) } } : {}),
    response,
    log: spec.log ?? base.log,
  };
}

function sanitize(entry: LogEntry, paths: string[]): LogEntry {
  const copy = json(entry) as unknown as Obj;
  for (const p of paths) {
    const parts = p.split('.');
    let o: unknown = copy;
    for (const k of parts.slice(0, -1)) o = o && typeof o === 'object' ? (o as Obj)[k] : undefined;
    if (o && typeof o === 'object' && parts.at(-1)! in (o as Obj)) (o as Obj)[parts.at(-1)!] = '[sanitized]';
  }
  return copy as unknown as LogEntry;
}

async function send(spec: Obj, scope: Scope, log: LogEntry[] | undefined) {
  const url0 = String(evaluate(spec.url, scope) ?? '');
  const baseUrl = spec.baseUrl === undefined ? '' : String(evaluate(spec.baseUrl, scope) ?? '');
  const url = new URL(url0.startsWith('/') ? baseUrl + url0 : url0);
  const qs = (evaluate(spec.qs ?? {}, scope) ?? {}) as Obj;
  for (const [k, v] of Object.entries(qs)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) url.searchParams.append(k, String(x));
    else url.searchParams.set(k, v instanceof Date ? v.toISOString() : String(v));
  }
  const method = String(evaluate(spec.method ?? 'GET', scope)).toUpperCase();
  const headers = Object.fromEntries(Object.entries((evaluate(spec.headers ?? {}, scope) ?? {}) as Obj).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const type = String(evaluate(spec.type ?? 'json', scope));
  let payload: string | undefined;
  const body = spec.body === undefined ? undefined : json(evaluate(spec.body, scope));
  if (body !== undefined && method !== 'GET') {
    if (type === 'urlencoded') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(Object.entries(body as Obj).map(([k, v]): [string, string] => [k, String(v)])).toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  const res = await fetch(url, { method, headers, body: payload, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  const resHeaders = Object.fromEntries(res.headers.entries());
  if (log) {
    const sanitizePaths = ((spec.log as Obj | undefined)?.sanitize as string[] | undefined) ?? [];
    log.push(sanitize({ request: { method, url: url.toString(), headers, body }, response: { status: res.status, headers: resHeaders, body: parsed } }, sanitizePaths));
  }
  return { status: res.status, headers: resHeaders, body: parsed };
}

/**
 * The error a communication's `response.error` makes of a failed answer: the entry for its status
 * (or the default), message and type evaluated with `statusCode`, `body` and `headers` in scope.
 */
export function responseError(response: Obj, scope: Scope, status: number, body: unknown, headers: Record<string, string>): MakeError {
  const error = (response.error ?? {}) as Obj;
  const spec = typeof error === 'string' ? { message: error } : ((error[String(status)] as Obj | undefined) ?? error);
  const message = String(evaluate(spec.message ?? `[${status}] request failed`, scope));
  const type = String(evaluate(spec.type ?? (error as Obj).type ?? 'RuntimeError', scope));
  return new MakeError(type, message, status, body, headers);
}

async function runOne(spec0: Obj, scope0: Scope, o: ExecOptions, acc: ExecResult): Promise<void> {
  const spec = mergeBase(o.base, spec0);
  let scope: Scope = { ...scope0, temp: acc.temp };
  const cond = spec.condition;
  if (cond !== undefined) {
    const c = typeof cond === 'object' && cond !== null ? (cond as Obj).condition : cond;
    if (!truthy(evaluate(c, scope))) {
      acc.skipped = true;
      return;
    }
  }
  if (spec.temp) Object.assign(acc.temp, json(evaluate(spec.temp, scope)));
  scope = { ...scope, temp: acc.temp };
  const response = (spec.response ?? {}) as Obj;
  const pagination = spec.pagination as Obj | undefined;
  let request: Obj = spec;
  for (;;) {
    const res = await send(request, scope, o.log);
    const rscope: Scope = { ...scope, body: res.body, headers: res.headers, statusCode: res.status };
    const ok = response.valid === undefined ? res.status >= 200 && res.status < 300 : truthy(evaluate(response.valid, rscope));
    if (!ok) throw responseError(response, rscope, res.status, res.body, res.headers);
    if (response.temp) Object.assign(acc.temp, json(evaluate(response.temp, { ...rscope, temp: acc.temp })));
    const tscope: Scope = { ...rscope, temp: acc.temp };
    acc.lastBody = res.body;
    if (response.limit !== undefined) acc.limit = Number(evaluate(response.limit, tscope));
    const page: Item[] = [];
    if (response.output !== undefined) {
      acc.hasOutput = true;
      const it = response.iterate;
      if (it !== undefined) {
        const container = evaluate(typeof it === 'object' && it !== null ? (it as Obj).container : it, tscope);
        const condition = typeof it === 'object' && it !== null ? (it as Obj).condition : undefined;
        for (const item of Array.isArray(container) ? container : []) {
          const iscope = { ...tscope, item };
          if (condition !== undefined && !truthy(evaluate(condition, iscope))) continue;
          page.push(itemOf(response, iscope));
        }
      } else page.push(itemOf(response, tscope));
    }
    acc.items.push(...page);
    if (response.data !== undefined) acc.data = { ...(acc.data ?? {}), ...(json(evaluate(response.data, tscope)) as Obj) };
    if (response.uid !== undefined) acc.uid = json(evaluate(response.uid, tscope));
    if (response.metadata !== undefined) acc.metadata = json(evaluate(response.metadata, tscope));
    if (response.expires !== undefined) acc.expires = json(evaluate(response.expires, tscope));

    if (!pagination) return;
    if (o.applyLimit !== false && acc.limit !== undefined && acc.items.length >= acc.limit) return;
    if (o.continuePaging && !o.continuePaging(page)) return;
    if (!truthy(evaluate(pagination.condition ?? true, tscope))) return;
    const merge = pagination.mergeWithParent !== false;
    const pick = (k: string) => (pagination[k] === undefined ? undefined : evaluate(pagination[k], tscope));
    const next: Obj = merge ? { ...spec } : { baseUrl: spec.baseUrl, response: spec.response, log: spec.log };
    for (const k of ['url', 'method', 'headers', 'body'] as const) if (pagination[k] !== undefined) next[k] = pick(k);
    // Pagination values are already evaluated against the previous page; the parent's still need evaluating.
    next.qs = { ...(merge ? (evaluate(spec.qs ?? {}, scope) as Obj) : {}), ...((pick('qs') as Obj) ?? {}) };
    request = next;
  }
}

function itemOf(response: Obj, scope: Scope): Item {
  const output = json(evaluate(response.output, scope));
  const t = response.trigger as Obj | undefined;
  if (!t) return { output };
  const trig = evaluate(t, scope) as Obj;
  return {
    output,
    trigger: {
      type: String(trig.type),
      order: String(trig.order),
      id: String(trig.id),
      ...(trig.date !== undefined ? { date: trig.date instanceof Date ? trig.date.toISOString() : String(trig.date) } : {}),
    },
  };
}

/** Runs a communication: one request, or several in order (temp carries over). */
export async function execute(communication: unknown, scope: Scope, o: ExecOptions = {}): Promise<ExecResult> {
  const acc: ExecResult = { items: [], hasOutput: false, temp: { ...((scope.temp as Obj) ?? {}) }, skipped: false };
  for (const spec of Array.isArray(communication) ? communication : [communication]) await runOne(spec as Obj, scope, o, acc);
  if (o.applyLimit !== false && acc.limit !== undefined) acc.items = acc.items.slice(0, acc.limit);
  return acc;
}
