import { WebhookPayload } from '@greenlight/contract';
import { verifyWebhook, type VerifyWebhookOptions } from '@greenlight/triggers';
import { ContractMismatchError } from './errors.ts';
import type { WebhookPayload as Payload } from './types.ts';

/**
 * Verifies a delivery's signature (Standard Webhooks, see `verifyWebhook`) and checks its body
 * against the contract's WebhookPayload. Throws WebhookVerificationError for a bad signature or
 * timestamp, ContractMismatchError for a verified body of the wrong shape.
 */
export function parseWebhook(options: VerifyWebhookOptions): { id: string; timestamp: number; payload: Payload } {
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
  return { id, timestamp, payload: json as Payload };
}
