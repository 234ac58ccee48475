import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import type { AttemptResult, Sender } from './http-sender.ts';
import { bodyOf, heldByStop, recordAttempt, settleWithoutAttempt, signingState, type BodySource, type Outcome } from './outbox.ts';
import { type ClaimedDelivery } from '../core/events.ts';
import { isNotificationTarget } from '../storage/delivery-targets.ts';
import { delayBefore, MAX_RETRY_AFTER_MS, type Schedule } from './schedule.ts';
import { signatureHeader } from './signer.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { secretKeys } from '../security/sealed.ts';
import { expandNotification, sendEmail } from './notifications.ts';
import type { Mailer } from './email-sender.ts';
import { postSlackMessage, updateSlackMessage } from './slack-notifications.ts';
import type { SlackConnection } from './slack-client.ts';

const openHeaders = (h: Record<string, string> | string): Record<string, string> =>
  typeof h === 'string' ? (JSON.parse(secretKeys().open(h)) as Record<string, string>) : h;

/** What one process needs to make attempts: shared by the background worker and the inline first attempt of a decision. */
export interface DeliveryRuntime {
  db: Database;
  logger: Logger;
  sender: Sender;
  schedule: Schedule;
  /** How long a claim holds a row: the attempt's timeout plus a margin for recording it. */
  leaseMs: number;
  /** host:pid, written on each attempt row. */
  worker: string;
  metrics?: Metrics;
  /** Sends email (absent: email is off in this process). */
  mailer?: Mailer;
  /** Where links in notifications point (GREENLIGHT_PUBLIC_URL). */
  publicUrl: string;
  /** Where the Slack Web API is, and how long a call may take. */
  slack: SlackConnection;
}

/** 2xx delivered; 410 gone; else the next step of the schedule (or Retry-After, if later), or failed when none is left. */
export function outcomeOf(result: AttemptResult, d: Pick<ClaimedDelivery, 'attempt' | 'schedule_base'>, schedule: Schedule): Outcome {
  const code = result.statusCode;
  if (code !== null && code >= 200 && code < 300) return { kind: 'delivered' };
  if (code === 410) return { kind: 'gone' };
  const delay = delayBefore(schedule, d.attempt - d.schedule_base + 1);
  if (delay === null) return { kind: 'failed' };
  const retryAfter = result.retryAfterMs === null ? 0 : Math.min(result.retryAfterMs, MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.max(delay, retryAfter) };
}

/**
 * What the claimer already read in the statement that claimed a callback (a decision, see
 * modules/approvals/decision.ts), so the attempt does not read it again.
 */
export interface Preloaded {
  secrets: string[];
  body: BodySource;
}

/**
 * One attempt of a claimed row: sign (Standard Webhooks), send, record. Returns the outcome that was
 * recorded, or null when nothing was sent (subscription gone, emergency stop on) or the claim had been
 * lost meanwhile.
 */
export async function runAttempt(rt: DeliveryRuntime, d: ClaimedDelivery, signal?: AbortSignal, preloaded?: Preloaded): Promise<Outcome | null> {
  if (isNotificationTarget(d.target)) {
    const outcome =
      d.target === 'notify'
        ? await expandNotification(rt, d)
        : d.target === 'email'
          ? await sendEmail(rt, d)
          : d.target === 'slack'
            ? await postSlackMessage(rt, d)
            : await updateSlackMessage(rt, d);
    if (outcome) rt.metrics?.deliveryAttempted(d.target, outcome.kind);
    if (outcome?.kind === 'failed') rt.logger.warn({ delivery_id: d.id, attempts: d.attempt, target: d.target }, 'notification failed for good');
    return outcome;
  }
  const signing = preloaded ? { secrets: preloaded.secrets, skip: null } : await signingState(rt.db, d);
  if (signing.skip) {
    await settleWithoutAttempt(rt.db, d, signing.skip.status, signing.skip.reason);
    return null;
  }
  const body = await bodyOf(rt.db, d, preloaded?.body);
  if (await heldByStop(rt.db, d)) return null;
  const timestamp = Math.floor(Date.now() / 1000);
  const result = await rt.sender(
    {
      url: d.url,
      headers: {
        'content-type': 'application/json',
        'webhook-id': d.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(signing.secrets, d.id, timestamp, body),
        'greenlight-delivery-attempt': String(d.attempt),
      },
      extraHeaders: d.target === 'callback' ? openHeaders(d.headers) : undefined,
      body,
    },
    signal,
  );
  const outcome = outcomeOf(result, d, rt.schedule);
  const kept = await recordAttempt(rt.db, d, result, outcome, rt.worker);
  if (!kept) {
    rt.logger.warn({ delivery_id: d.id, attempt: d.attempt }, 'delivery claim expired before the attempt was recorded');
    return null;
  }
  rt.metrics?.deliveryAttempted(d.target, outcome.kind);
  if (outcome.kind === 'failed') rt.logger.warn({ delivery_id: d.id, attempts: d.attempt }, 'delivery failed for good');
  return outcome;
}
