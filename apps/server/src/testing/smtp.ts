/**
 * A real SMTP server for tests (smtp-server, in-process on loopback): every message it accepts is
 * parsed with mailparser and kept, so tests read what a person's mailbox would receive.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: ParsedMail['headers'];
  at: number;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>` for GREENLIGHT_SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** Messages whose recipient list includes `address`. */
  to(address: string): ReceivedMail[];
  /** Resolves when `predicate` holds, or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The server's answer to the next messages: 'accept' (default), or refuse them with this reply. */
  answer(next: 'accept' | { code: number; message: string }): void;
  close(): Promise<void>;
}

/** `delayMs`: how long the server takes to answer each message (a slow server keeps attempts in flight). */
export async function startSmtpServer(options: { delayMs?: number } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let mode: 'accept' | { code: number; message: string } = 'accept';
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const current = mode;
      simpleParser(stream)
        .then(async (mail) => {
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
          if (current !== 'accept') {
            const err = Object.assign(new Error(current.message), { responseCode: current.code });
            callback(err);
            return;
          }
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            headers: mail.headers,
            at: Date.now(),
          });
          callback();
          for (const w of waiters) w();
        })
        .catch((err: unknown) => callback(err as Error));
    },
  });
  // A client killed mid-session (the crash tests) resets its connection: routine here, not a failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase())),
    until(predicate, timeoutMs = 15_000) {
      if (predicate()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        // Checked on every message, and every 100 ms for conditions on time ("nothing for a while").
        const check = () => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        };
        const poll = setInterval(check, 100);
        const timer = setTimeout(() => {
          waiters.delete(check);
          clearInterval(poll);
          reject(new Error(`SMTP test server: condition not met within ${timeoutMs} ms (${received.length} messages received)`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    answer(next) {
      mode = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
