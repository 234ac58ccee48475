/**
 * A stand-in's `until`: resolves once `predicate` holds, checked when the stand-in records a call
 * (it runs every function in `waiters`) and every 100 ms; rejects after `timeoutMs`, naming `what`.
 */
export function untilSeen(waiters: Set<() => void>, predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      cleanup();
      resolve();
    };
    const timer = setInterval(check, 100);
    const deadline = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} did not see what was expected in time`));
    }, timeoutMs);
    const cleanup = () => {
      clearInterval(timer);
      clearTimeout(deadline);
      waiters.delete(check);
    };
    waiters.add(check);
  });
}
