/**
 * A bad setting stops main.ts before it opens anything: exit code 78 (EX_CONFIG, sysexits.h) and a
 * message on stderr naming the variable.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVER_DIR = fileURLToPath(new URL('../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(PORT|HOST|DATABASE_URL|REDIS_URL|GREENLIGHT_|LOG_LEVEL|NODE_OPTIONS)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: SERVER_DIR,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('main.ts with a bad setting', () => {
  it.each([
    [{ PORT: 'abc' }, '  PORT: must be a whole number from 0 to 65535'],
    [{ DATABASE_URL: 'mysql://root@127.0.0.1/greenlight' }, '  DATABASE_URL: must be a URL starting with postgres:// or postgresql://'],
  ])('%o exits with 78 and names the variable', async (env, line) => {
    const { code, stdout, stderr } = await runMain(env);
    expect(code).toBe(78);
    expect(stderr).toBe(`Invalid configuration:\n${line}\n`);
    expect(stdout).toBe('');
  }, 30_000);
});
