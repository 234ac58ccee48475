import { secretKeys, type SecretKeys } from './sealed.ts';

/**
 * Values whose making is a cold cryptographic pass (a random draw, a hash, an AES-GCM seal: 0.1–0.3 ms
 * each here when the process was idle a few milliseconds before) and that a request's latency path
 * needs: made on a later turn of the event loop, after the request that used the last ones, instead
 * of on its way. Each value is handed out once and only once (a secret or a token shared by two
 * requests would be a hole); a call that finds none made makes its own; a value sealed under keys since
 * replaced is dropped, never handed out. At most `keep` wait at a time, in this process's memory only.
 */
export function madeAhead<T>(keep: number, make: (keys: SecretKeys) => T): () => T {
  let made: { keys: SecretKeys | null; values: T[] } = { keys: null, values: [] };
  let refill: NodeJS.Immediate | null = null;
  const fill = () => {
    refill = null;
    const keys = secretKeys();
    if (made.keys !== keys) made = { keys, values: [] };
    while (made.values.length < keep) made.values.push(make(keys));
  };
  return () => {
    const keys = secretKeys();
    const value = made.keys === keys ? made.values.pop() : undefined;
    refill ??= setImmediate(fill).unref();
    return value ?? make(keys);
  };
}
