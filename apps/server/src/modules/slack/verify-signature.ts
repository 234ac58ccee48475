import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How far a request's timestamp may be from now, either way: Slack's own rule. */
export const SLACK_MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Slack's request signing (Slack's "Verifying requests from Slack"): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`
 * under the app's signing secret, compared in constant time, with a timestamp no more than 5 minutes
 * from now in either direction, so a signed request cannot be kept for replay beyond the window.
 *
 * Written here rather than taken from @slack/bolt: bolt's verifier is only reachable through the
 * framework package, whose Socket Mode dependency brings an undici that fails to load on Node 20, and
 * the check is one HMAC. It is tested against Slack's documented example (slack.security.test.ts).
 *
 * What it does not cover: a request replayed within the window is accepted again (Slack sends none
 * twice on purpose); what it asks for is idempotent (a second vote by the same person is refused by
 * the state machine).
 */
export function verifySlackSignature(input: { signingSecret: string; rawBody: string; headers: IncomingHttpHeaders; now?: number }): boolean {
  const signature = input.headers['x-slack-signature'];
  const timestamp = input.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.now ?? Date.now();
  if (Math.abs(Number(timestamp) * 1000 - now) > SLACK_MAX_SKEW_MS) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:${input.rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
