import { deliverLocally, type Queryable } from './database.ts';

/**
 * The listeners of a database that this process alone writes to (PGlite, on the calling thread or on
 * its own): a committed write's notification is handed to them directly, without a round trip
 * through SQL. Used by pglite-thread.ts, the one PGlite the server opens.
 */
export class LocalListeners {
  private readonly byChannel = new Map<string, Set<(payload: string) => void>>();

  readonly deliver = (channel: string, payload: string): void => {
    for (const l of this.byChannel.get(channel) ?? []) deliverLocally(l, payload);
  };

  add(channel: string, onMessage: (payload: string) => void): void {
    const set = this.byChannel.get(channel) ?? new Set();
    this.byChannel.set(channel, set);
    set.add(onMessage);
  }

  /** Removes one listener; true when its channel has none left. */
  remove(channel: string, onMessage: (payload: string) => void): boolean {
    const set = this.byChannel.get(channel);
    set?.delete(onMessage);
    return !set || set.size === 0;
  }

  /** Runs a transaction's body with its notifications held back, and hands them out once it has committed. */
  async afterCommit<T>(run: (notify: Queryable['notify']) => Promise<T>): Promise<T> {
    const held: Array<[string, string]> = [];
    const result = await run((channel, payload) => void held.push([channel, payload]));
    for (const [channel, payload] of held) this.deliver(channel, payload);
    return result;
  }
}
