/**
 * Real server processes for tests that need more than one process, a crash or a signal:
 * `node --import tsx src/main.ts` as `pnpm start` runs it, with only the settings given
 * (none of the test run's Greenlight settings leak in), on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

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

/** Starts main.ts and waits until `readyPath` answers 200 (default /readyz). */
export async function spawnServer(
  env: Record<string, string>,
  options: { readyPath?: string; timeoutMs?: number; port?: number } = {},
): Promise<SpawnedServer> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
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
    if (!running()) throw new Error(`main.ts exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${stdout}\n${stderr}`);
    const up = await fetch(`${url}${options.readyPath ?? '/readyz'}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { child, url, port, exited, output: () => ({ stdout, stderr }), stop, kill };
    if (Date.now() > until) {
      await kill();
      throw new Error(`main.ts was not ready within ${options.timeoutMs ?? 45_000} ms:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
