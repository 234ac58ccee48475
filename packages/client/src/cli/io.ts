import { readFile } from 'node:fs/promises';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** What a command may touch of the outside world: the process's, or a host's (the server's CLI passes the same). */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input, as text. */
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  /** Calls `handler` on SIGINT and SIGTERM instead of the default (exit); answers a function that stops it. */
  onStopSignal(handler: (signal: StopSignal) => void): () => void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
}

/** The running process's standard streams, environment and signals. */
export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    readFile: (path) => readFile(path, 'utf8'),
    onStopSignal(handler) {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
    exit: (code) => process.exit(code),
  };
}
