import type { IDataObject } from 'n8n-workflow';
import type { WebhookPayload } from './generated/contract-types';

export const OUTPUTS = ['Approved', 'Rejected', 'Expired or Cancelled'] as const;

const OUTPUT_OF: Record<string, { index: number; decision: string }> = {
	'approval.approved': { index: 0, decision: 'approved' },
	'approval.rejected': { index: 1, decision: 'rejected' },
	'approval.expired': { index: 2, decision: 'expired' },
	'approval.cancelled': { index: 2, decision: 'cancelled' },
};

/**
 * A verified callback body → the output it continues on and the item it carries, or undefined
 * for an event that is not a final outcome (the execution then keeps waiting).
 */
export function decisionItem(payload: WebhookPayload, webhookId?: string): { output: number; item: IDataObject } | undefined {
	const route = OUTPUT_OF[payload.type];
	if (!route) return undefined;
	const approval = payload.data.approval;
	const details = payload.data.details ?? {};
	const comment = typeof details.comment === 'string' ? details.comment : (approval?.decision_comment ?? null);
	return {
		output: route.index,
		item: {
			decision: route.decision,
			comment,
			decider: payload.data.actor as unknown as IDataObject,
			decided_at: approval?.decided_at ?? approval?.cancelled_at ?? payload.timestamp,
			approved_content_sha256: approval?.approved_content_sha256 ?? null,
			approval_id: payload.data.approval_id,
			approval: (approval ?? null) as unknown as IDataObject,
			event: { id: payload.data.event_id, type: payload.type, timestamp: payload.timestamp, ...(webhookId ? { delivery_id: webhookId } : {}) },
		},
	};
}
