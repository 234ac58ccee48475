/**
 * Real server processes for tests that need more than one process, a crash or a signal:
 * `node --import tsx src/main.ts` (the sources as they are), or with `compiled` the bundle that
 * `pnpm start` runs (`node [its options] dist/main.js`, rebuilt first when stale), with only the
 * settings given (none of the test run's Greenlight settings leak in), on a free loopback port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
export const COMPILED_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const COMPILED_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/**
 * The Node options `pnpm start` gives the bundle, read from apps/server/package.json's "start" script
 * (`node scripts/ensure-build.mjs && node <options> dist/main.js`) so tests and benchmarks start it
 * exactly so. V8's default heap limit (about 4 GB here) lets the old generation grow to 4× its live
 * size between full collections: under create load that was ~200 MB of RSS for ~25 MB of live heap.
 * V8 scales that growth factor with the limit: 1 GB kept it near 1.6, 512 MB near 1.4, which held
 * about 10 MB less at P1's peak (bench/README.md, P6) and is still ten times the live heap under
 * load; a server that needed more would not fit the memory the README asks for anyway. The young
 * generation's semi-spaces are 8 MB, half V8's default for this machine, set so that they do not
 * depend on the machine: the young generation grows to its limit under load and stays committed,
 * so 16 MB held 23 MB more at P1's peak (171 against 148 MB), for 5–10 % more of P1's throughput
 * (0.83× against 0.75–0.77× of the bare app in runs back to back: fewer scavenges). The flags hold
 * for every isolate of the process, the embedded database's thread included.
 */
export function startNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const m = /^node scripts\/ensure-build\.mjs && node ((?:--\S+ )*)dist\/main\.js$/.exec(pkg.scripts.start ?? '');
  if (!m) throw new Error(`apps/server/package.json "start" is not \`node scripts/ensure-build.mjs && node [options] dist/main.js\`: ${pkg.scripts.start}`);
  return m[1]!.split(' ').filter(Boolean);
}

/** What `pnpm start` does before it starts the bundle: rebuild dist/ when it is missing or stale. */
export function ensureCompiled(): void {
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/ensure-build.mjs', import.meta.url))], {
      cwd: SERVER_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`building apps/server/dist failed: ${e.stderr?.toString() || e.message}`);
  }
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  port: number;
  output(): { stdout: string; stderr: string };
  /** From spawn to the first 200 from `readyPath` (late by at most `pollMs`). */
  readyMs: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^(PORT|HOST|DATABASE_URL|REDIS_URL|GREENLIGHT_|LOG_LEVEL|NODE_OPTIONS)/.test(e[0]),
    ),
  );
}

/**
 * Starts main.ts (through tsx) or, with `compiled`, dist/main.js, or `bundle` (another checkout's
 * dist/main.js, started as `compiled` starts this one's, never built here), and waits until
 * `readyPath` answers 200 (default /readyz). A compiled start builds first when needed, before the
 * clock of `timeoutMs`.
 */
export async function spawnServer(
  env: Record<string, string>,
  options: { readyPath?: string; timeoutMs?: number; port?: number; compiled?: boolean; bundle?: string; pollMs?: number; nodeArgs?: string[] } = {},
): Promise<SpawnedServer> {
  const bundle = options.bundle ?? (options.compiled ? COMPILED_MAIN : undefined);
  if (options.compiled && !options.bundle) ensureCompiled();
  const port = options.port ?? (await freePort());
  const args = [...(options.nodeArgs ?? []), ...(bundle ? [...startNodeOptions(), bundle] : ['--import', 'tsx', MAIN])];
  const what = options.bundle ?? (bundle ? 'dist/main.js' : 'main.ts');
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: { ...cleanEnv(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 15_000) => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  const kill = async () => {
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (options.timeoutMs ?? 45_000);
  for (;;) {
    if (!running()) throw new Error(`${what} exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${stdout}\n${stderr}`);
    const up = await fetch(`${url}${options.readyPath ?? '/readyz'}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { child, url, port, readyMs: performance.now() - spawnedAt, exited, output: () => ({ stdout, stderr }), stop, kill };
    if (Date.now() > until) {
      await kill();
      throw new Error(`${what} was not ready within ${options.timeoutMs ?? 45_000} ms:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 150));
  }
}
