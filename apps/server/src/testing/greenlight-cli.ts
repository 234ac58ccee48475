/**
 * The `greenlight` automation commands as a user runs them: a child process of the SDK package's
 * bin with GREENLIGHT_URL and GREENLIGHT_API_KEY in its environment: the bundle the run made of its
 * sources (cli-bundle.ts), or the sources through tsx where no bundle was made. Tests wait on what the
 * command prints, never on the clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { cleanEnv } from './spawn-server.ts';
import { CLI_BUNDLE_ENV } from './cli-bundle.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLIENT_BIN = fileURLToPath(new URL('../../../../packages/client/src/cli/bin.ts', import.meta.url));

/** What a file of CLI tests runs against: a server, an org (whose key the automation uses), a second key that decides, a scratch folder. */
export interface CliWorld {
  server: TestServer;
  org: SeededOrg;
  approverKey: string;
  dir: string;
}

/** Makes a CliWorld before the file's tests (handing it to `use`); stops the server and removes the folder after them. */
export function useCliWorld(orgName: string, use: (w: CliWorld) => void): void {
  let w: CliWorld | undefined;
  beforeAll(async () => {
    const server = await startTestServer();
    const org = await seedOrg(server.db, orgName);
    w = { server, org, approverKey: (await org.newKey({ name: 'approver' })).key, dir: await mkdtemp(join(tmpdir(), 'gl-cli-')) };
    use(w);
  });
  afterAll(async () => {
    await w?.server.stop();
    if (w) await rm(w.dir, { recursive: true, force: true });
  });
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stderr (or stdout) has printed a match; rejects if the process exits first. */
  printed(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
}

export function runGreenlight(
  args: string[],
  options: { url: string; apiKey?: string; env?: Record<string, string>; stdin?: string },
): CliRun {
  const bundle = process.env[CLI_BUNDLE_ENV];
  return runNodeProgram([...(bundle ? [bundle] : ['--import', 'tsx', CLIENT_BIN]), ...args], {
    env: { GREENLIGHT_URL: options.url, ...(options.apiKey !== undefined ? { GREENLIGHT_API_KEY: options.apiKey } : {}), ...options.env },
    stdin: options.stdin,
  });
}

/**
 * A Node.js program as a child process with a clean environment plus `env` (what runGreenlight
 * runs the command with; the GitHub Action's bundle runs the same way, as a runner starts it).
 */
export function runNodeProgram(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): CliRun {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...cleanEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  child.stdout!.on('data', (d) => {
    stdout += d;
    changed();
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    changed();
  });
  child.stdin!.end(options.stdin ?? '');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => {
      changed();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const printed = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr') =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
        if (match) {
          listeners.delete(check);
          resolve(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(new Error(`${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) without printing ${pattern}:\n${stdout}\n${stderr}`));
        }
      };
      listeners.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, printed };
}

/** The id of the request a waiting command announced ("Waiting for a decision on …: URL/requests/ID"). */
export const WAITING_ON = /Waiting for a decision on .*\/requests\/([0-9a-f-]{36})\n/;
