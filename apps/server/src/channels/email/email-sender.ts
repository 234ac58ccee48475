import type { Answer } from '../../delivery/outbox/channel.ts';

/** One message, fully rendered. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * The same for every attempt of one delivery (its outbox id): a message sent twice (an attempt cut
   * off after the server accepted it) is recognisably the same message.
   */
  messageId: string;
}

/** What an attempt learned: the SMTP reply code when there was one (250 accepted), or why none came. */
export interface EmailResult extends Answer {
  /** 5xx: the server refused this message for good (an unknown mailbox…): retrying cannot help. */
  permanent: boolean;
}

export interface Mailer {
  send(message: OutgoingEmail): Promise<EmailResult>;
  close(): void;
}

const SMTP_CODE = /^(\d{3})\b/;

/**
 * Email through nodemailer over SMTP (GREENLIGHT_SMTP_URL): a small pool of connections kept open, so
 * a burst of notifications does not open one connection per message. Every wait is bounded by
 * `timeoutMs`, like an HTTP delivery's, so an attempt ends well within its claim's lease.
 */
export function smtpMailer(mail: { smtpUrl: string; from: string }, timeoutMs: number): Mailer {
  // nodemailer is loaded only by a server that sends email (about 15 MB that one without SMTP never holds).
  const transport = import('nodemailer').then(({ default: nodemailer }) =>
    nodemailer.createTransport({
      url: mail.smtpUrl,
      pool: true,
      maxConnections: 4,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    }),
  );
  // A failed load fails each send (as an error of its attempt), never the process.
  transport.catch(() => {});
  return {
    async send(m) {
      const startedAt = new Date();
      const t0 = performance.now();
      const durationMs = () => Math.round(performance.now() - t0);
      try {
        const info = (await (await transport).sendMail({
          from: mail.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          // Automatic mail: no out-of-office replies to it (RFC 3834).
          headers: { 'Auto-Submitted': 'auto-generated' },
        })) as { response?: string };
        const code = SMTP_CODE.exec(info.response ?? '')?.[1];
        return { startedAt, durationMs: durationMs(), statusCode: code ? Number(code) : 250, error: null, permanent: false };
      } catch (err) {
        const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
        const statusCode = typeof e.responseCode === 'number' ? e.responseCode : null;
        return {
          startedAt,
          durationMs: durationMs(),
          statusCode,
          error: (e.response ?? [e.code, e.message].filter(Boolean).join(': ')) || 'sending failed',
          permanent: statusCode !== null && statusCode >= 500 && statusCode < 600,
        };
      }
    },
    close() {
      void transport.then((t) => t.close());
    },
  };
}
