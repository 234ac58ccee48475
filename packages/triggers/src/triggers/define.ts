import type { Approval, ApprovalEvent, WebhookPayload } from '@greenlight/contract';
import type { EventType } from '../generated/contract.ts';
import type { FieldDescriptor, OutputField } from '../fields.ts';
import type { PollingQuery } from '../polling.ts';
import { pathOf, type JsonRequester, type RequestDescriptor } from '../request.ts';

export interface WebhookSpec<T, F> {
  /** The event types to subscribe to, for these filters. */
  events(filters: F): EventType[];
  /** POST /api/v1/webhooks; the response's `id` is the subscription to delete later, `secret` verifies deliveries. */
  subscribe(targetUrl: string, filters: F, description?: string): RequestDescriptor;
  /** DELETE /api/v1/webhooks/{id}; a 404 counts as success (already gone). */
  unsubscribe(subscriptionId: string): RequestDescriptor;
  /** A verified delivery's body → the trigger's items (none when the event is not one it watches). */
  fromPayload(payload: WebhookPayload, filters: F): T[];
}

export interface TriggerDefinition<T, F> {
  key: string;
  label: string;
  description: string;
  eventTypes: readonly EventType[];
  /** Filters the user may set on the trigger. */
  inputFields: FieldDescriptor[];
  /** Platform input (possibly partial or loosely typed) → the trigger's filters, defaults applied. */
  filters(input?: Record<string, unknown>): F;
  polling: PollingQuery<T, F>;
  webhook: WebhookSpec<T, F>;
  sample: T;
  outputFields: OutputField[];
}

export const WEBHOOKS_PATH = '/api/v1/webhooks';

export function subscribeRequest(targetUrl: string, events: readonly EventType[], description?: string): RequestDescriptor {
  return {
    method: 'POST',
    path: WEBHOOKS_PATH,
    body: { url: targetUrl, events: [...events], ...(description ? { description } : {}) },
    successStatuses: [201],
  };
}

export function unsubscribeRequest(subscriptionId: string): RequestDescriptor {
  return { method: 'DELETE', path: pathOf(`${WEBHOOKS_PATH}/{id}`, { id: subscriptionId }), successStatuses: [200, 404] };
}

/** A webhook on one event type; `fromPayload` sees only deliveries of that type. */
export function oneEventWebhook<T>(type: EventType, fromPayload: (payload: WebhookPayload) => T[]): WebhookSpec<T, Record<string, never>> {
  return {
    events: () => [type],
    subscribe: (url, _filters, description) => subscribeRequest(url, [type], description),
    unsubscribe: unsubscribeRequest,
    fromPayload: (payload) => (payload.type === type ? fromPayload(payload) : []),
  };
}

/**
 * A poll over requests listed by their last change: every decision, vote, comment and step decision
 * moves its request's `updated_at` forward to its event's time (same transaction); later changes
 * move it again, which the window and the seen set absorb.
 */
export function changedRequests<T, F>(params: PollingQuery<T, F>['params'], expand: PollingQuery<T, F>['expand']): PollingQuery<T, F> {
  return { method: 'GET', path: '/api/v1/approvals', sort: '-updated_at', timeField: 'updated_at', afterParam: 'updated_after', dedupeKey: 'id', params, expand };
}

/** One request's events of one type, newest first. */
export async function newestEvents(request: JsonRequester, approvalId: string, type: EventType): Promise<ApprovalEvent[]> {
  return (await fetchEvents(request, approvalId)).filter((e) => e.type === type).reverse();
}

/** The audit trail of one request, oldest first. */
export async function fetchEvents(request: JsonRequester, approvalId: string): Promise<ApprovalEvent[]> {
  const body = (await request({
    method: 'GET',
    path: pathOf('/api/v1/approvals/{id}/events', { id: approvalId }),
    successStatuses: [200],
  })) as { data: ApprovalEvent[] };
  return body.data;
}

export function prefixed(prefix: string, fields: OutputField[]): OutputField[] {
  const words = prefix.replace(/_/g, ' ');
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return fields.map((f) => ({ key: `${prefix}.${f.key}`, label: `${label}: ${f.label}`, type: f.type }));
}

export type { Approval };
