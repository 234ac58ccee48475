import { describe, expect, it } from 'vitest';
import { Approval, EVENT_TYPES, WebhookPayload, Principal } from '@greenlight/contract';
import { approvalDecidedTrigger, EVENT_TYPES as GENERATED_EVENT_TYPES, newCommentTrigger, stepDecidedTrigger, TRIGGERS } from './index.ts';

const samplePayload = (type: WebhookPayload['type'], details: Record<string, unknown>, approval: unknown) =>
  WebhookPayload.parse({
    type,
    timestamp: '2026-03-24T10:06:00.000Z',
    data: {
      event_id: '42',
      org_id: '5f0c6a7e-2b1d-4c3e-9f8a-7b6c5d4e3f21',
      approval_id: (approval as { id: string }).id,
      actor: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana' },
      from_status: null,
      to_status: null,
      details,
      approval,
    },
  });

describe('trigger definitions', () => {
  it('the generated event types are the contract’s', () => {
    expect([...GENERATED_EVENT_TYPES]).toEqual([...EVENT_TYPES]);
    for (const t of Object.values(TRIGGERS)) for (const e of t.eventTypes) expect(EVENT_TYPES).toContain(e);
  });

  it('samples match the contract’s schemas, and every output field names a path present in the sample', () => {
    for (const t of Object.values(TRIGGERS)) {
      const sample = t.sample as unknown as Record<string, unknown>;
      if ('approval' in sample) {
        Approval.parse(sample.approval);
        Principal.parse(sample.author ?? sample.decided_by);
      } else Approval.parse(sample);
      for (const f of t.outputFields) {
        // A field of a nullable object (a pending request's `execution`) is present as null while the object is null.
        const value = f.key.split('.').reduce<unknown>((o, k) => (o === null ? null : (o as Record<string, unknown>)[k]), sample);
        expect(value, `${t.key}: ${f.key}`).not.toBeUndefined();
      }
    }
  });

  it('subscribe and unsubscribe are the REST-hook calls; a 404 on unsubscribe is success', () => {
    const filters = approvalDecidedTrigger.filters({ outcomes: ['approved', 'expired'] });
    expect(approvalDecidedTrigger.webhook.subscribe('https://hooks.example/x', filters, 'Zap 1')).toEqual({
      method: 'POST',
      path: '/api/v1/webhooks',
      body: { url: 'https://hooks.example/x', events: ['approval.approved', 'approval.expired'], description: 'Zap 1' },
      successStatuses: [201],
    });
    expect(approvalDecidedTrigger.webhook.unsubscribe('a1b2c3d4-e5f6-4890-abcd-ef1234567890')).toEqual({
      method: 'DELETE',
      path: '/api/v1/webhooks/a1b2c3d4-e5f6-4890-abcd-ef1234567890',
      successStatuses: [200, 404],
    });
    expect(approvalDecidedTrigger.filters({}).outcomes).toEqual(['approved', 'rejected', 'expired', 'cancelled']);
    expect(approvalDecidedTrigger.filters({ outcomes: 'rejected, cancelled' }).outcomes).toEqual(['rejected', 'cancelled']);
  });

  it('a delivery maps to the same item shape a poll produces, and other events map to nothing', () => {
    const approval = TRIGGERS.approval_decided.sample;
    const decided = samplePayload('approval.approved', { decision: 'approve' }, approval);
    expect(approvalDecidedTrigger.webhook.fromPayload(decided, approvalDecidedTrigger.filters({}))).toEqual([approval]);
    expect(approvalDecidedTrigger.webhook.fromPayload(decided, approvalDecidedTrigger.filters({ outcomes: ['rejected'] }))).toEqual([]);

    const comment = samplePayload('comment.created', { comment_id: 'c0ffee00-1234-4abc-9def-0123456789ab', body: 'Looks fine' }, approval);
    expect(newCommentTrigger.webhook.fromPayload(comment, {})).toEqual([
      { id: 'c0ffee00-1234-4abc-9def-0123456789ab', approval_id: approval.id, body: 'Looks fine', author: comment.data.actor, created_at: comment.timestamp, approval },
    ]);
    expect(newCommentTrigger.webhook.fromPayload(decided, {})).toEqual([]);

    const step = samplePayload('step.decided', { step_id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6', step_order: 2, decision: 'reject', comment: null }, approval);
    expect(stepDecidedTrigger.webhook.fromPayload(step, {})).toEqual([
      {
        id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
        approval_id: approval.id,
        step_order: 2,
        decision: 'reject',
        comment: null,
        decided_by: step.data.actor,
        decided_at: step.timestamp,
        approval,
      },
    ]);
  });
});
