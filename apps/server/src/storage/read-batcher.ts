import type { Database } from './database.ts';

/**
 * Gathers reads asked at the same time into one statement, as the create batcher gathers creates
 * (core/approvals/create-batch.ts): a read asked alone is sent on the next turn of the event loop;
 * while `maxInFlight` statements run, later asks queue and go together in the next one. Nothing waits
 * on a timer, so batches grow only as the database gets busy.
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
  private readonly queue: { ask: Q; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** One statement for all the asks: an answer per ask, in their order. */
    private readonly read: (asks: Q[]) => Promise<R[]>,
    /** How much an ask weighs towards `maxWeight` (a list's ids count each). */
    private readonly weight: (ask: Q) => number = () => 1,
    private readonly maxInFlight = 4,
    private readonly maxWeight = 500,
  ) {}

  ask(ask: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ ask, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // At least one ask, then as many as fit the weight.
      let n = 1;
      for (let w = this.weight(this.queue[0]!.ask); n < this.queue.length && (w += this.weight(this.queue[n]!.ask)) <= this.maxWeight; n++);
      const batch = this.queue.splice(0, n);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async run(batch: typeof this.queue): Promise<void> {
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
