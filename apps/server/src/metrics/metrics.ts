import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ApiError } from '../errors.ts';
import type { Database } from '../storage/database.ts';

/** How a request, a decision or a delivery attempt ended, as the counters label it. */
export type DecisionOutcome = 'approved' | 'rejected' | 'cancelled' | 'expired';
/** Who decided: a person (or an automation's API key) voting, a policy of the org, a person's standing grant, or Greenlight itself (expiry, cancellation). */
export type DeciderKind = 'person' | 'policy' | 'grant' | 'system';
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

/** Seconds: from a quick read to a long poll's 30 s hold (streams are counted when they end). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * This process's Prometheus metrics (prom-client), served at `GET /metrics` when
 * GREENLIGHT_METRICS_TOKEN is set. Counters count what this process did (sum them across replicas);
 * the gauges read from the database (pending requests, outbox) describe the whole installation and
 * read the same on every replica (take their max).
 *
 * One registry per app rather than prom-client's global one: tests run several servers in one process.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly created: Counter;
  private readonly decided: Counter<'outcome' | 'kind'>;
  private readonly deliveries: Counter<'channel' | 'kind' | 'outcome'>;

  constructor(private readonly db: Database) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'greenlight_' });
    this.httpRequests = new Counter({
      name: 'greenlight_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'greenlight_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.created = new Counter({ name: 'greenlight_approvals_created_total', help: 'Approval requests created by this process.', registers });
    this.decided = new Counter({
      name: 'greenlight_approvals_decided_total',
      help: 'Approval requests that reached a final status in this process, by outcome and by who decided (kind: person, policy, grant, or system for the expiry sweep).',
      labelNames: ['outcome', 'kind'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'greenlight_delivery_attempts_total',
      help: 'Outbox attempts made by this process, by channel (webhook, email, slack, notify…), kind of message (callback, subscription, approval_request…) and what the attempt led to.',
      labelNames: ['channel', 'kind', 'outcome'],
      registers,
    });

    // Read at scrape time and shared by the gauges of one scrape. The pending count is the
    // maintained per-org count the pending list's total reads (storage/functions/approval_counts.sql),
    // not a count(*) over every pending row; the outbox's is served by its partial index on status.
    type Key = 'pending' | 'oldestPending' | 'backlog' | 'oldestBacklog' | 'notifications' | 'oldestNotification';
    const database = this.db;
    let snapshot: { at: number; values: Promise<Record<Key, number>> } | undefined;
    const read = () => {
      if (!snapshot || Date.now() - snapshot.at > 1000) {
        const values = Promise.all([
          database.query<{ n: string; age: number | null }>(
            `SELECT (SELECT coalesce(sum(c.n), 0) FROM approval_counts c WHERE c.status = 'pending') AS n,
                    extract(epoch FROM now() - (SELECT min(a.created_at) FROM approvals a WHERE a.status = 'pending'))::float8 AS age`,
          ),
          database.query<{ n: string; age: number | null; notifications: string; notification_age: number | null }>(
            `SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age,
                    count(*) FILTER (WHERE channel <> 'webhook') AS notifications,
                    extract(epoch FROM now() - min(created_at) FILTER (WHERE channel <> 'webhook'))::float8 AS notification_age
               FROM deliveries WHERE status IN ('pending', 'delivering')`,
          ),
        ]).then(([a, d]) => ({
          pending: Number(a.rows[0]!.n),
          oldestPending: a.rows[0]!.age ?? 0,
          backlog: Number(d.rows[0]!.n),
          oldestBacklog: d.rows[0]!.age ?? 0,
          notifications: Number(d.rows[0]!.notifications),
          oldestNotification: d.rows[0]!.notification_age ?? 0,
        }));
        snapshot = { at: Date.now(), values };
        // A failed read is not kept: the next scrape tries again.
        values.catch(() => (snapshot = undefined));
      }
      return snapshot.values;
    };
    const gauge = (name: string, help: string, key: Key) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set((await read())[key]);
        },
      });
    gauge('greenlight_approvals_pending', 'Approval requests waiting for a decision (all orgs).', 'pending');
    gauge('greenlight_approvals_oldest_pending_age_seconds', 'Age of the oldest pending approval request (0 when none is pending).', 'oldestPending');
    gauge('greenlight_outbox_backlog', 'Deliveries not yet settled (pending or being attempted).', 'backlog');
    gauge('greenlight_outbox_oldest_age_seconds', 'Age of the oldest unsettled delivery (0 when the outbox is empty).', 'oldestBacklog');
    gauge('greenlight_notification_backlog', 'Notifications (every channel but webhooks, and the rows that work out who is told) not yet settled; part of the outbox backlog.', 'notifications');
    gauge('greenlight_notification_oldest_age_seconds', 'Age of the oldest unsettled notification (0 when none waits).', 'oldestNotification');

    const pool = this.db.poolStats;
    if (pool) {
      const stats = pool.bind(this.db);
      new Gauge({
        name: 'greenlight_db_pool_connections',
        help: 'Database pool connections by state: in use, idle, and the pool maximum; waiting counts queries queued for a connection.',
        labelNames: ['state'],
        registers,
        collect() {
          const s = stats();
          this.set({ state: 'in_use' }, s.total - s.idle);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'max' }, s.max);
          this.set({ state: 'waiting' }, s.waiting);
        },
      });
    }
  }

  approvalCreated(): void {
    this.created.inc();
  }

  approvalDecided(outcome: DecisionOutcome, kind: DeciderKind): void {
    this.decided.inc({ outcome, kind });
  }

  deliveryAttempted(channel: string, kind: string, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ channel, kind, outcome });
  }

  /**
   * Times every request by the route pattern that served it (`/api/v1/approvals/:id`, never the
   * concrete path, so an id cannot become a label); requests no route took are `unmatched`.
   */
  httpMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const start = process.hrtime.bigint();
      res.once('finish', () => {
        const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : 'unmatched';
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      });
      next();
    };
  }

  /** `GET /metrics`, for a scraper holding `Authorization: Bearer <GREENLIGHT_METRICS_TOKEN>`. */
  scrapeHandler(token: string): RequestHandler {
    const expected = Buffer.from(`Bearer ${token}`);
    return async (req: Request, res: Response) => {
      const given = Buffer.from(req.headers.authorization ?? '');
      // Same length first: timingSafeEqual throws on a length mismatch.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new ApiError('UNAUTHORIZED', 'send the metrics token as Authorization: Bearer <token>', undefined, {
          'WWW-Authenticate': 'Bearer realm="metrics"',
        });
      }
      res.set('Cache-Control', 'no-store').type(this.registry.contentType).send(await this.registry.metrics());
    };
  }
}
