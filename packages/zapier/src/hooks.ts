import type { Bundle, ZObject } from 'zapier-platform-core';
import { CreatedWebhook, WebhookPayload } from '@greenlight/contract';
import { latest, verifyWebhook, WebhookVerificationError, type TriggerDefinition } from '@greenlight/triggers';
import { parseBody, perform, requester } from './api.ts';
import { inputFields, outputFields } from './fields.ts';

/**
 * Zapier may queue a hook before running `perform`; the signature still proves the body is ours,
 * and Zapier itself dedupes retries of one delivery, so the freshness window is wider than the
 * library's five minutes.
 */
export const DELIVERY_TOLERANCE_SECONDS = 60 * 60;

/** Zapier hands hook headers over CGI-style (`Http-Webhook-Id`); the signature needs their real names. */
export function deliveryHeaders(raw: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) out[name.toLowerCase().replace(/^http-/, '')] = value;
  return out;
}

const filtersOf = <T, F>(trigger: TriggerDefinition<T, F>, bundle: Bundle) => trigger.filters(bundle.inputData as Record<string, unknown>);

/** REST hook subscribe: our POST /api/v1/webhooks; `id` unsubscribes, `secret` verifies each delivery. */
export const subscribe =
  <T, F>(trigger: TriggerDefinition<T, F>) =>
  async (z: ZObject, bundle: Bundle) => {
    if (!bundle.targetUrl) throw new z.errors.Error('Zapier gave no target URL to subscribe', 'NO_TARGET_URL', 400);
    const { data } = await perform(z, trigger.webhook.subscribe(bundle.targetUrl, filtersOf(trigger, bundle), `Zapier: ${trigger.label}`));
    const created = parseBody(CreatedWebhook, data, 'webhook subscription');
    return { id: created.id, secret: created.secret, events: created.events };
  };

/** A subscription already gone (404) is unsubscribed all the same. */
export const unsubscribe =
  <T, F>(trigger: TriggerDefinition<T, F>) =>
  async (z: ZObject, bundle: Bundle) => {
    const id = bundle.subscribeData?.id;
    if (!id) return { id: null, deleted: false };
    const { status } = await perform(z, trigger.webhook.unsubscribe(id));
    return { id, deleted: status === 200 };
  };

/**
 * A delivery: verified against the subscription's secret over the raw body (Standard Webhooks),
 * then mapped by the trigger layer; an event the trigger does not watch (an outcome filtered out)
 * gives no item, so the Zap does not run.
 */
export const receive =
  <T, F>(trigger: TriggerDefinition<T, F>) =>
  async (z: ZObject, bundle: Bundle): Promise<T[]> => {
    const secret = (bundle.subscribeData as { secret?: string } | undefined)?.secret;
    const raw = bundle.rawRequest;
    if (!secret || !raw?.content) {
      throw new z.errors.Error('This delivery cannot be verified (no signing secret or raw body); turn the Zap off and on again', 'UNVERIFIABLE', 400);
    }
    try {
      verifyWebhook({ secret, headers: deliveryHeaders(raw.headers), body: raw.content, toleranceSeconds: DELIVERY_TOLERANCE_SECONDS });
    } catch (err) {
      if (err instanceof WebhookVerificationError) throw new z.errors.Error(`Rejected a delivery that is not from Greenlight: ${err.message}`, 'INVALID_SIGNATURE', 401);
      throw err;
    }
    const payload = parseBody(WebhookPayload, JSON.parse(raw.content), 'delivery');
    return trigger.webhook.fromPayload(payload, filtersOf(trigger, bundle));
  };

/** Recent real items for the Zap editor, through the same list the polling layer uses. */
export const recent =
  <T, F>(trigger: TriggerDefinition<T, F>) =>
  (z: ZObject, bundle: Bundle): Promise<T[]> =>
    latest(trigger.polling, { request: requester(z), filters: filtersOf(trigger, bundle), limit: 3 });

/** A trigger-layer sample as the plain object Zapier's schema types expect. */
export const sampleOf = <T extends object, F>(trigger: TriggerDefinition<T, F>): Record<string, unknown> => ({ ...(trigger.sample as Record<string, unknown>) });

/**
 * A REST-hook trigger's operation, all of it from a trigger of @greenlight/triggers: its filters as
 * input fields (changing them changes the events subscribed to: Zapier resubscribes when the Zap is
 * turned on again), subscribe, unsubscribe, deliveries, recent items, sample and output fields.
 */
export const hookOperation = <T extends object, F>(trigger: TriggerDefinition<T, F>) => ({
  type: 'hook' as const,
  inputFields: inputFields(trigger.inputFields),
  performSubscribe: subscribe(trigger),
  performUnsubscribe: unsubscribe(trigger),
  perform: receive(trigger),
  performList: recent(trigger),
  sample: sampleOf(trigger),
  outputFields: outputFields(trigger.outputFields),
});
