import { WebhookPayload } from '@greenlight/contract';
import { isAboutRequest, verifyWebhook, type VerifyWebhookOptions } from '@greenlight/triggers';
import { ContractMismatchError, WrongRequestError } from './errors.ts';
import type { WebhookPayload as Payload } from './types.ts';

/**
 * Whose deliveries a receiver takes, said explicitly: a receiver must choose.
 *
 * - `approvalId`: a `callback_url` receiver, waiting for the request it made. Any request may name any
 *   callback URL (many share one receiver, and anyone in the organization can name yours), and every
 *   callback of the organization is signed with the same secret: a valid signature says Greenlight
 *   sent it, not that it is about your request. A delivery about another request is refused.
 * - `anyRequest: true`: a subscription endpoint (`POST /api/v1/webhooks`), which receives the events
 *   of every request it subscribed to.
 */
export type ParseWebhookOptions = VerifyWebhookOptions &
  ({ approvalId: string; anyRequest?: never } | { anyRequest: true; approvalId?: never });

/**
 * Verifies a delivery's signature (Standard Webhooks, see `verifyWebhook`), checks its body against
 * the contract's WebhookPayload, and, for a callback receiver, that it is about the request it waits
 * for (`isAboutRequest`, the rule every Greenlight waiter shares). Throws WebhookVerificationError for
 * a bad signature or timestamp (answer 401), ContractMismatchError for a verified body of the wrong
 * shape (400), WrongRequestError for a delivery about another request (answer 410 Gone: Greenlight
 * then stops sending it, and nothing changes here).
 */
export function parseWebhook(options: ParseWebhookOptions): { id: string; timestamp: number; payload: Payload } {
  const expected = options.approvalId;
  // Checked at run time too: a caller without the types must not get "any request" by leaving it out.
  if (options.anyRequest !== true && (typeof expected !== 'string' || expected === '')) {
    throw new TypeError('parseWebhook needs approvalId (the request a callback receiver waits for) or anyRequest: true (a subscription endpoint)');
  }
  const { id, timestamp } = verifyWebhook(options);
  const text = typeof options.body === 'string' ? options.body : Buffer.from(options.body).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ContractMismatchError('webhook body is not JSON', 'webhook', 200, [{ path: [], message: 'not JSON' }], text);
  }
  const parsed = WebhookPayload.safeParse(json);
  if (!parsed.success) {
    throw new ContractMismatchError(
      'webhook body does not match the contract',
      'webhook',
      200,
      parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })),
      json,
    );
  }
  const payload = json as Payload;
  if (options.anyRequest !== true && !isAboutRequest(payload, expected)) {
    throw new WrongRequestError(expected!, payload.data.approval_id, 'webhook', 200, json);
  }
  return { id, timestamp, payload };
}
