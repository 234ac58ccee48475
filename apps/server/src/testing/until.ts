/**
 * The first value `f` gives that is neither undefined nor false, asked again every 25 ms until it does;
 * rejects after `ms`. For a test that awaits a state reached by another process or by the server's
 * background work, where nothing the test can listen to announces it.
 */
export async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  for (const end = Date.now() + ms; ; ) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
