import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';

export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** A pino logger whose JSON lines are kept, parsed, in `lines`: for tests that check what was logged. */
export function captureLogs(level: Level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
