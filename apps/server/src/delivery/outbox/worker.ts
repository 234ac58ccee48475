import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { claimDue } from './outbox.ts';
import { DELIVERIES_CHANNEL } from '../../events/event-bus.ts';
import { runAttempt, type OutboxRuntime, type RegisteredChannel } from './attempt.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { ReadAhead } from './channel.ts';
import type { ReadBehind } from '../../core/approvals/index.ts';

export interface DeliveryWorkerOptions {
  db: Database;
  logger: Logger;
  config: Pick<Config, 'deliverySchedule' | 'GREENLIGHT_DELIVERY_TIMEOUT_MS' | 'GREENLIGHT_DELIVERY_CONCURRENCY' | 'GREENLIGHT_DELIVERY_SWEEP_MS'>;
  /** The channels this process sends through (channels/index.ts, and notify/). */
  channels: readonly RegisteredChannel[];
  /** Counts each attempt's outcome (absent: metrics are off). */
  metrics?: Metrics;
}

/** Margin on top of an attempt's timeout (every channel's calls are bounded by it) for recording it before its claim lapses. */
const LEASE_MARGIN_MS = 5000;
/** In-flight attempts get this long to finish on shutdown before they are cut off (and retried by whoever comes next). */
const STOP_GRACE_MS = 5000;
/** Rows due within this long get a timer of their own (wakeAt); later ones wait for the sweep. */
const DUE_TIMER_HORIZON_MS = 120_000;
/** Rows due within one grain share a timer. */
const DUE_GRAIN_MS = 20;
/** A timer fires this much after its grain: a row's due time compared by the database's `now()` is then past. */
const DUE_TIMER_SLACK_MS = 5;

/**
 * The delivery worker of one process. It is woken when a transaction queued a row for it
 * (DELIVERIES_CHANNEL: every writer of events or rows says so once it commits, on Postgres from any
 * process, on PGlite from this one; an event that queued nothing, most of them under load, wakes no
 * worker), and by a periodic sweep that also picks up retries that came due and rows whose claimer
 * died. At most `concurrency` attempts run at once; claims are made only for free slots, so rows are
 * never held by a process that cannot work on them yet.
 */
export class DeliveryWorker {
  readonly runtime: OutboxRuntime;
  private readonly concurrency: number;
  private readonly sweepMs: number;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private sweep: NodeJS.Timeout | undefined;
  /** Timers that wake the worker when rows it retries or gives back come due, one per DUE_GRAIN_MS (wakeAt). */
  private readonly dueTimers = new Map<number, NodeJS.Timeout>();
  private unlisten: Array<() => Promise<void>> = [];
  /** Slots held by writers that may claim a row for this process's attempt (reserveSlot). */
  private reserved = 0;
  /**
   * The last pass stopped because every slot was taken, not because nothing more was due: rows may be
   * waiting, so the next slot that frees claims again. Otherwise a freed slot claims nothing: most
   * attempts end with nothing due (their rows were claimed at write or by the transaction that
   * queued them), and a claim that finds nothing costs two statements.
   */
  private full = false;
  /** The read ahead of a create's notification (readBehindCreate): the one channel's that has it, found once. */
  private readonly aheadReader: RegisteredChannel['readAheadOfCreate'];

  constructor(private readonly options: DeliveryWorkerOptions) {
    const { config } = options;
    this.concurrency = config.GREENLIGHT_DELIVERY_CONCURRENCY;
    this.sweepMs = config.GREENLIGHT_DELIVERY_SWEEP_MS;
    this.runtime = {
      db: options.db,
      logger: options.logger.child({ component: 'delivery' }),
      schedule: config.deliverySchedule,
      leaseMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS + LEASE_MARGIN_MS,
      worker: `${hostname()}:${process.pid}`,
      metrics: options.metrics,
      channels: new Map(options.channels.map((c) => [c.spec.name, c])),
      follow: {
        room: () => (this.stopped ? 0 : this.concurrency - this.inflight.size - this.reserved),
        attempt: (row) => void this.track(runAttempt(this.runtime, row, this.abort.signal)),
      },
      due: (at) => this.wakeAt(at.getTime()),
    };
    this.aheadReader = options.channels.find((c) => c.readAheadOfCreate)?.readAheadOfCreate;
  }

  async start(): Promise<void> {
    const wake = () => this.wake();
    this.unlisten.push(await this.options.db.listen(DELIVERIES_CHANNEL, wake));
    this.sweep = setInterval(wake, this.sweepMs);
    this.sweep.unref();
    this.wake();
  }

  /** Looks for due rows now (coalesced: a wake during a pass causes one more pass). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /**
   * Holds one of the worker's slots for a row a writer may claim in its own transaction and hand to
   * `runtime.follow.attempt` after the commit (a create's notification): null when none is free (the
   * writer then claims nothing, and the worker takes the row up as any other). The returned function
   * gives the slot back; call it before handing the row over.
   */
  reserveSlot(): (() => void) | null {
    if (this.runtime.follow!.room() <= 0) return null;
    this.reserved++;
    let held = true;
    return () => {
      if (held) this.reserved--;
      held = false;
    };
  }

  /**
   * What the first attempt of a new request's notification reads, to send behind the create that
   * claims the row for this process (core/approvals ReadBehind): the channel's readAheadOfCreate.
   * `keep` gets the reads as they start, to hand to the row (ClaimedRow.readAhead). Undefined when no
   * channel reads ahead.
   */
  readBehindCreate(orgId: string, keep: (ahead: ReadAhead) => void): ReadBehind | undefined {
    const reader = this.aheadReader;
    if (!reader) return undefined;
    return (on, approvalId) => {
      const reads = reader(on, orgId, approvalId);
      // Handled by the attempt it is handed to; never by anyone when the create claimed no row.
      reads.catch(() => {});
      keep({ approvalId, reads });
      return reads;
    };
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        let drained = false;
        while (!this.stopped && this.inflight.size < this.concurrency) {
          const want = this.concurrency - this.inflight.size;
          const claimed = await claimDue(this.runtime.db, want, this.runtime.leaseMs);
          for (const d of claimed) this.track(runAttempt(this.runtime, d, this.abort.signal));
          if (claimed.length < want) {
            drained = true;
            break;
          }
        }
        if (!drained) this.full = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.runtime.logger.error({ err }, 'claiming deliveries failed');
    }
  }

  /** Keeps count of an attempt; when it ends, its slot is refilled if rows may be waiting for one (`full`), and a near retry gets a timer of its own. */
  track<T>(attempt: Promise<T>): Promise<T> {
    const p = attempt.then(
      (outcome) => {
        const o = outcome as { kind?: string; delayMs?: number } | null;
        if (o?.kind === 'retry' && o.delayMs !== undefined) this.wakeAt(Date.now() + o.delayMs);
        return outcome;
      },
      (err: unknown) => {
        if (!this.stopped) this.runtime.logger.error({ err }, 'delivery attempt failed to run');
        return undefined as T;
      },
    );
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      if (this.full) {
        this.full = false;
        this.wake();
      }
    });
    return p;
  }

  /**
   * Wakes the worker when a row this process retries or gives back comes due (`at`, ms since the epoch),
   * instead of at the sweep after it: a request that names nobody is told when its grace ends, not up
   * to a sweep later. Rows due within one grain share a timer, so a burst of them sets a few; rows due
   * beyond the horizon are left to the sweep (a timer for each would only be memory held meanwhile).
   * The row's time is the database's clock and the timer this one's: a timer that fires a little early
   * claims nothing, and the sweep takes the row up.
   */
  private wakeAt(at: number): void {
    if (this.stopped) return;
    const ms = at - Date.now();
    if (ms <= 0) return this.wake();
    if (ms > DUE_TIMER_HORIZON_MS) return;
    const grain = Math.ceil(at / DUE_GRAIN_MS) * DUE_GRAIN_MS;
    if (this.dueTimers.has(grain)) return;
    const timer = setTimeout(() => {
      this.dueTimers.delete(grain);
      this.wake();
    }, grain - Date.now() + DUE_TIMER_SLACK_MS);
    timer.unref();
    this.dueTimers.set(grain, timer);
  }

  /** In-flight attempts (started here or inline by a decision) — for shutdown and tests. */
  get busy(): number {
    return this.inflight.size;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweep);
    for (const timer of this.dueTimers.values()) clearTimeout(timer);
    this.dueTimers.clear();
    await Promise.all(this.unlisten.map((u) => u().catch(() => {})));
    // A claim under way finishes first, so the attempts it starts are in `inflight` below.
    await this.pumping;
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.all(this.inflight), grace]);
    this.abort.abort();
    await Promise.all(this.inflight);
  }
}
