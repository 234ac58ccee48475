import { createRequire } from 'node:module';

/**
 * A CommonJS package loaded by its first use rather than at start. What a server imports at start it
 * holds for its whole life, its code and its objects (bench/README.md, P6); a package that only some
 * deployments call (the policy engine, a chat platform's client) waits until one of them does.
 * Synchronous (a `require` resolved from `from`, the caller's `import.meta.url`), so the functions
 * that use it stay synchronous; a package that is an ES module cannot be loaded so on Node 20.
 */
export function lazyModule<T>(from: string, specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(from)(specifier) as T);
}
