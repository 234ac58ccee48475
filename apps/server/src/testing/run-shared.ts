/**
 * A value made once per test run and shared by every vitest project whose global setup asks for it
 * (vitest runs a global setup once per project, all in one process): made by the first, released
 * when the last tears down. The run's database templates are such values.
 */
type Shared<T> = { made: Promise<T>; users: number };
const registry = globalThis as { greenlightRunShared?: Map<string, Shared<unknown>> };

export async function sharedPerRun<T>(key: string, make: () => Promise<T>, release: (value: T) => void | Promise<void>): Promise<{ value: T; teardown(): Promise<void> }> {
  const all = (registry.greenlightRunShared ??= new Map());
  let entry = all.get(key) as Shared<T> | undefined;
  if (!entry) all.set(key, (entry = { made: make(), users: 0 }));
  const mine = entry;
  mine.users++;
  const value = await mine.made;
  return {
    value,
    async teardown() {
      if (--mine.users > 0) return;
      all.delete(key);
      await release(value);
    },
  };
}
