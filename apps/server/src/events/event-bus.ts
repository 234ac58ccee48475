import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';

/**
 * The channel every event is announced on once its transaction has committed (appendEvent and the
 * create statement queue it through `Queryable.notify`), waking delivery workers, long polls and
 * event streams in every process.
 */
export const EVENTS_CHANNEL = 'greenlight_events';

/** Wakes delivery workers for outbox rows no other announcement covers (a create that queued one, a redelivery). */
export const DELIVERIES_CHANNEL = 'greenlight_deliveries';

export interface BusEvent {
  orgId: string;
  eventId: string;
  approvalId: string | null;
  type: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PAYLOAD = new RegExp(`^(${UUID}):(\\d{1,19}):(${UUID})?:([a-z_.]{1,64})$`);

/**
 * The fields of the payload announcing one event, in order, joined by `:` (an absent one empty):
 * `<org_id>:<event_id>:<approval_id or empty>:<type>`. SQL that announces an event itself builds it
 * with greenlight_event_notification, generated from these (scripts/generate.ts).
 */
export const NOTIFICATION_FIELDS = ['orgId', 'eventId', 'approvalId', 'type'] as const satisfies readonly (keyof BusEvent)[];

/** The payload announcing one event (NOTIFICATION_FIELDS). */
export const notificationOf = (e: BusEvent): string => NOTIFICATION_FIELDS.map((f) => e[f] ?? '').join(':');

/** `<org_id>:<event_id>:<approval_id or empty>:<type>`; anything else is ignored (null). */
export function parseNotification(payload: string): BusEvent | null {
  const m = PAYLOAD.exec(payload);
  if (!m) return null;
  return { orgId: m[1]!, eventId: m[2]!, approvalId: m[3] ?? null, type: m[4]! };
}

/**
 * A subscription that remembers a wake-up until it is consumed, so a notification that arrives
 * while its owner is busy (reading the database) is not lost: register first, read, then wait.
 */
export interface Wakeup {
  /**
   * Resolves true when something happened since the last call (or since subscribing), false after
   * `ms` without one or when `signal` aborts or the bus closes.
   */
  next(ms: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * The events announced since the last call, in the order they arrived; null when that is not known
   * (a wake-up without one: a reconnect, or more than {@link MAX_HINTS} of them). A hint, never the
   * data: each was committed before its announcement arrived, so whatever is read after this call
   * sees it, but the log may hold others.
   */
  announced(): BusEvent[] | null;
  close(): void;
}

/** The most announcements a subscription remembers between two reads; past it, it only knows it was woken. */
export const MAX_HINTS = 64;

class Subscription implements Wakeup {
  private pending = false;
  private resolve: ((woken: boolean) => void) | null = null;
  private heard: BusEvent[] | null = [];

  constructor(
    private readonly bus: EventBus,
    private readonly detach: () => void,
  ) {}

  wake(e: BusEvent | null) {
    if (this.heard !== null) {
      if (e === null || this.heard.length >= MAX_HINTS) this.heard = null;
      else this.heard.push(e);
    }
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = null;
      r(true);
    } else {
      this.pending = true;
    }
  }

  next(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted || this.bus.signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.bus.signal.removeEventListener('abort', onAbort);
        this.resolve = null;
        resolve(woken);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.bus.signal.addEventListener('abort', onAbort, { once: true });
      this.resolve = done;
    });
  }

  announced(): BusEvent[] | null {
    const heard = this.heard;
    this.heard = [];
    return heard;
  }

  close() {
    this.detach();
    if (this.resolve) this.resolve(false);
  }
}

/**
 * One per server process: a single LISTEN (one dedicated connection on Postgres, the instance
 * itself on PGlite) fanned out in memory to every long poll and event stream of the process, so
 * a thousand waiting clients cost one database connection, not a thousand.
 *
 * Notifications are a wake-up, never the data: a waiter always re-reads the database after one,
 * and polls on its own now and then as well, so a notification lost (while the LISTEN connection
 * reconnects, say) delays an answer but never loses or corrupts it.
 */
export class EventBus {
  private readonly byApproval = new Map<string, Set<Subscription>>();
  private readonly byOrg = new Map<string, Set<Subscription>>();
  private readonly closing = new AbortController();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly log?: Logger,
  ) {}

  /** Aborted when the process shuts down: streams end and long polls answer. */
  get signal(): AbortSignal {
    return this.closing.signal;
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(
      EVENTS_CHANNEL,
      (payload) => this.dispatch(payload),
      () => this.wakeAll(),
    );
  }

  /** Wakes the waiters of one approval request. */
  watchApproval(approvalId: string): Wakeup {
    return this.subscribe(this.byApproval, approvalId);
  }

  /** Wakes on every event of one org. */
  watchOrg(orgId: string): Wakeup {
    return this.subscribe(this.byOrg, orgId);
  }

  /** Wakes everyone: after a reconnect, notifications sent in between are gone, so everyone re-reads. */
  wakeAll(): void {
    for (const map of [this.byApproval, this.byOrg]) for (const set of map.values()) for (const s of set) s.wake(null);
  }

  /** Number of live subscriptions (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const map of [this.byApproval, this.byOrg]) for (const set of map.values()) n += set.size;
    return n;
  }

  dispatch(payload: string): void {
    const e = parseNotification(payload);
    if (!e) {
      this.log?.warn({ payload }, 'ignored a malformed event notification');
      return;
    }
    for (const s of this.byOrg.get(e.orgId) ?? []) s.wake(e);
    if (e.approvalId) for (const s of this.byApproval.get(e.approvalId) ?? []) s.wake(e);
  }

  async close(): Promise<void> {
    this.closing.abort();
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.();
  }

  private subscribe(map: Map<string, Set<Subscription>>, key: string): Wakeup {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    const target = set;
    const sub = new Subscription(this, () => {
      target.delete(sub);
      if (target.size === 0 && map.get(key) === target) map.delete(key);
    });
    target.add(sub);
    return sub;
  }
}
