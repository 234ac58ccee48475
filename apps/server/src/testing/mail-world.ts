/**
 * A test file's server that emails through a real SMTP server (testing/smtp.ts), with deliveries
 * retried and swept every 100 ms so tests wait on mail, not on the schedule.
 */
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';

/** The configuration of a server that mails through `smtp`; `extra` adds to it or overrides it. */
export function mailConfig(smtp: TestSmtpServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GREENLIGHT_SMTP_URL: smtp.url,
    GREENLIGHT_MAIL_FROM: 'Greenlight <greenlight@example.test>',
    GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
    GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms,100ms',
    GREENLIGHT_DELIVERY_SWEEP_MS: '100',
    ...extra,
  };
}

/** Starts both before the file's tests (handing them to `use`) and stops them after. */
export function useMailServer(use: (server: TestServer, smtp: TestSmtpServer) => void, extra?: Record<string, string>): void {
  let server: TestServer | undefined;
  let smtp: TestSmtpServer | undefined;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ config: mailConfig(smtp, extra) });
    use(server, smtp);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });
}

/** Waits until no outbox row of the request of one of `channels` (by default its emails) is pending or being sent. */
export async function notificationsSettled(server: TestServer, approvalId: string, channels: readonly string[] = ['notify', 'email']): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = ANY($2::text[]) AND status IN ('pending', 'delivering')`,
      [approvalId, channels],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('notifications did not settle');
}
