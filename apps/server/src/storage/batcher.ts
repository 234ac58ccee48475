import type { Database } from './database.ts';

/**
 * Gathers work that arrives at the same time into batches, each run as one statement (group commit in
 * the server): a piece that arrives alone goes on the next turn of the event loop; while `maxInFlight`
 * batches run, later pieces queue and go together in the next one. Nothing waits on a timer, so
 * batches grow only as the database gets busy. A batch holds at least one piece and at most
 * `maxWeight` of them by `weight`. What a batch means, and what its failure means, is `run`'s.
 */
export class Batcher<W> {
  private readonly queue: W[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (batch: W[]) => Promise<void>,
    private readonly maxInFlight: number,
    private readonly maxWeight: number,
    private readonly weight: (piece: W) => number = () => 1,
  ) {}

  add(piece: W): void {
    this.queue.push(piece);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      let n = 1;
      for (let w = this.weight(this.queue[0]!); n < this.queue.length && (w += this.weight(this.queue[n]!)) <= this.maxWeight; n++);
      const batch = this.queue.splice(0, n);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }
}

/**
 * Reads asked at the same time, one statement per batch (Batcher).
 *
 * Why: on the embedded database every statement is planned again (PGlite keeps no prepared
 * statements) and runs on its one thread, so a read per request (what the caller may do with the
 * request it just created) cost more of that thread than the batched creates themselves.
 *
 * Each ask is sent after it was made, so it sees every write its caller committed before asking;
 * asks on a transaction must not come here (their statement belongs to that transaction). When a
 * batch's statement fails, each of its asks is read again alone, so one bad ask fails only itself.
 */
export class ReadBatcher<Q, R> {
  private readonly batcher: Batcher<{ ask: Q; resolve: (r: R) => void; reject: (err: unknown) => void }>;

  constructor(
    /** One statement for all the asks: an answer per ask, in their order. */
    private readonly read: (asks: Q[]) => Promise<R[]>,
    /** How much an ask weighs towards `maxWeight` (a list's ids count each). */
    weight: (ask: Q) => number = () => 1,
    maxInFlight = 4,
    maxWeight = 500,
  ) {
    this.batcher = new Batcher((batch) => this.run(batch), maxInFlight, maxWeight, (b) => weight(b.ask));
  }

  ask(ask: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => this.batcher.add({ ask, resolve, reject }));
  }

  private async run(batch: { ask: Q; resolve: (r: R) => void; reject: (err: unknown) => void }[]): Promise<void> {
    if (batch.length > 1) {
      let answers: R[] | undefined;
      try {
        answers = await this.read(batch.map((b) => b.ask));
      } catch {
        // Read each ask alone below, each with its own answer or error.
      }
      if (answers && answers.length === batch.length) {
        batch.forEach((b, i) => b.resolve(answers[i]!));
        return;
      }
    }
    await Promise.all(batch.map((b) => this.read([b.ask]).then((a) => (a.length === 1 ? b.resolve(a[0]!) : b.reject(new Error(`a read answered ${a.length} answers for one ask`))), b.reject)));
  }
}

/** The database handles that statements are sent on directly, as against a transaction's handle. */
export function isDatabase(q: object): q is Database {
  return 'kind' in q && typeof (q as Database).transaction === 'function';
}
