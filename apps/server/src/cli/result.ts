/** What every CLI command answers, whether it ran in this process or inside the server (admin socket). */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Exit codes: 0 success, 1 the command failed (e.g. unknown org), 2 bad usage or arguments. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const ok = (stdout: string): CliResult => ({ exitCode: EXIT.ok, stdout: withNewline(stdout), stderr: '' });

export const failed = (message: string): CliResult => ({ exitCode: EXIT.failed, stdout: '', stderr: `error: ${message}\n` });

export const usage = (message: string): CliResult => ({ exitCode: EXIT.usage, stdout: '', stderr: withNewline(message) });

const withNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);
