import type { Approval, ApprovalList } from '@greenlight/contract';
import type { JsonRequester } from './request.ts';

/**
 * The polling cursor shared by every platform that polls (n8n's `poll()`, Make's and Zapier's
 * polling triggers can use the same queries).
 *
 * Each trigger lists approval requests newest first on a column that only grows (`created_at`, or
 * `updated_at`, which every state change, vote, comment and step decision moves forward), filtered
 * to rows after the high-water mark minus a look-back, and turns each row into items (the request
 * itself, or its new events). An item is emitted when its own time is inside the window and its
 * dedupe key is not in the seen set; the seen set keeps exactly the keys whose time is still inside
 * the next window, so it stays bounded and an item is never emitted twice:
 *
 *   window start S = W − lookback          (W: the largest list time seen so far)
 *   emit item i   ⇔  time(i) ≥ S  ∧  key(i) ∉ seen
 *   seen'         =  { k ∈ seen ∪ emitted : time(k) ≥ W' − lookback }
 *
 * Why nothing is missed: an item's time is never after its row's list time, and the row's list time
 * only grows, so a row holding an item with time ≥ S is always listed. Requests created in the same
 * millisecond (or microsecond) are told apart by their key, not by their time; pages are followed
 * with the API's keyset `page_token`, so exactly-full pages and rows inserted while paging neither
 * shift nor repeat anything.
 *
 * Limit (why the look-back exists): on PostgreSQL a row's time is stamped when its transaction
 * starts, and it becomes visible when it commits. A row that commits more than `lookbackMs` after
 * its time, while a newer row was already seen, is not listed again and is missed. The default
 * (60 s) is far above the length of any Greenlight transaction; PGlite serializes transactions, so
 * there 0 would do.
 */

export const DEFAULT_LOOKBACK_MS = 60_000;
export const DEFAULT_PAGE_SIZE = 100;

/** JSON-serializable: n8n keeps it in the workflow's static data, others wherever they like. */
export interface PollState {
  v: 1;
  /** Largest list time seen (epoch ms), or null while nothing has been listed. */
  watermark: number | null;
  /** Dedupe key → item time (epoch ms) of the items already emitted that are still inside the window. */
  seen: Record<string, number>;
}

export interface PollCandidate<T> {
  key: string;
  /** Epoch ms of the item itself (created, decided, commented…). */
  time: number;
  item: T;
}

export interface ExpandContext<F> {
  request: JsonRequester;
  filters: F;
}

export interface PollingQuery<T, F> {
  method: 'GET';
  path: '/api/v1/approvals';
  /** Newest first, on the column the watermark follows. */
  sort: '-created_at' | '-updated_at';
  timeField: 'created_at' | 'updated_at';
  /** The list filter on `timeField` (strictly after). */
  afterParam: 'created_after' | 'updated_after';
  /** The output field that identifies an item (Zapier deduplicates on `id` too). */
  dedupeKey: 'id';
  /** Filter parameters derived from the trigger's own filters. */
  params(filters: F): Record<string, string>;
  /** One listed request → the trigger's items, newest first (may fetch more, e.g. the request's events). */
  expand(approval: Approval, context: ExpandContext<F>): Promise<PollCandidate<T>[]>;
}

export interface PollOptions<F> {
  request: JsonRequester;
  filters: F;
  /** The state the previous poll returned; absent on the first poll. */
  state?: PollState | undefined;
  lookbackMs?: number;
  pageSize?: number;
}

export interface PollResult<T> {
  /** New items, newest first. */
  items: T[];
  state: PollState;
}

const ms = (iso: string) => Date.parse(iso);

async function listWindow<T, F>(
  q: PollingQuery<T, F>,
  o: PollOptions<F>,
  after: number | null,
  maxPages = Infinity,
): Promise<Approval[]> {
  const query: Record<string, string> = {
    ...q.params(o.filters),
    sort: q.sort,
    page_size: String(o.pageSize ?? DEFAULT_PAGE_SIZE),
  };
  // The API compares at microsecond precision while it answers milliseconds: one millisecond
  // earlier includes every row of the boundary millisecond; the window filter below does the rest.
  if (after !== null) query[q.afterParam] = new Date(after - 1).toISOString();
  const rows: Approval[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const page = (await o.request({
      method: 'GET',
      path: q.path,
      query: token ? { ...query, page_token: token } : query,
      successStatuses: [200],
    })) as ApprovalList;
    rows.push(...page.data);
    token = page.next_page_token;
    pages += 1;
  } while (token && pages < maxPages);
  return rows;
}

async function expandAll<T, F>(q: PollingQuery<T, F>, o: PollOptions<F>, rows: Approval[]): Promise<PollCandidate<T>[]> {
  const out: PollCandidate<T>[] = [];
  // One at a time: a poll should not burst through the connection's rate limit.
  for (const row of rows) out.push(...(await q.expand(row, { request: o.request, filters: o.filters })));
  return out;
}

/** Newest first; equal times keep the API's order (it breaks ties by insertion order). */
function newestFirst<T>(candidates: PollCandidate<T>[]): PollCandidate<T>[] {
  return candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.time - a.c.time || a.i - b.i)
    .map(({ c }) => c);
}

function maxTime<T, F>(q: PollingQuery<T, F>, rows: Approval[], current: number | null): number | null {
  let w = current;
  for (const r of rows) {
    const t = ms(r[q.timeField]);
    if (w === null || t > w) w = t;
  }
  return w;
}

function prune(seen: Record<string, number>, watermark: number | null, lookback: number): Record<string, number> {
  if (watermark === null) return seen;
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(seen)) if (t >= watermark - lookback) out[k] = t;
  return out;
}

/**
 * One poll. The first (no state) only records where things stand and emits nothing, as Zapier
 * and n8n do when a trigger is switched on; use `latest()` for a sample.
 */
export async function poll<T, F>(q: PollingQuery<T, F>, o: PollOptions<F>): Promise<PollResult<T>> {
  const lookback = o.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  if (!o.state) {
    const newest = await listWindow(q, o, null, 1);
    const watermark = maxTime(q, newest, null);
    if (watermark === null) return { items: [], state: { v: 1, watermark: null, seen: {} } };
    const rows = await listWindow(q, o, watermark - lookback);
    const seen: Record<string, number> = {};
    for (const c of await expandAll(q, o, rows)) if (c.time >= watermark - lookback) seen[c.key] = c.time;
    return { items: [], state: { v: 1, watermark: maxTime(q, rows, watermark), seen } };
  }

  const { watermark, seen } = o.state;
  const start = watermark === null ? null : watermark - lookback;
  const rows = await listWindow(q, o, start);
  const fresh: PollCandidate<T>[] = [];
  const taken = new Set<string>();
  for (const c of await expandAll(q, o, rows)) {
    if (start !== null && c.time < start) continue;
    if (c.key in seen || taken.has(c.key)) continue;
    taken.add(c.key);
    fresh.push(c);
  }
  const next = maxTime(q, rows, watermark);
  const merged = { ...seen };
  for (const c of fresh) merged[c.key] = c.time;
  return { items: newestFirst(fresh).map((c) => c.item), state: { v: 1, watermark: next, seen: prune(merged, next, lookback) } };
}

/** The newest items, without touching any cursor: samples, n8n's manual mode, Zapier's performList. */
export async function latest<T, F>(q: PollingQuery<T, F>, o: Omit<PollOptions<F>, 'state'> & { limit?: number }): Promise<T[]> {
  const limit = o.limit ?? 3;
  const rows = await listWindow(q, { ...o, pageSize: Math.max(limit, 10) }, null, 1);
  return newestFirst(await expandAll(q, o, rows))
    .slice(0, limit)
    .map((c) => c.item);
}
