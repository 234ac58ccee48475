import type { IDataObject } from 'n8n-workflow';
import type { WebhookPayload } from './generated/contract-types';
import type { WaitOutcome } from './generated/outcome';

/** Version 1's outputs. n8n passes on only the first output of a resumed node: see the README. */
export const OUTPUTS = ['Approved', 'Rejected', 'Expired or Cancelled'] as const;

/** Version 1's output for each decision. */
export const V1_OUTPUT: Record<WaitOutcome, number> = { approved: 0, rejected: 1, cancelled: 2, expired: 2, timed_out: 2 };

/**
 * What the reviewer answered beside the decision, at the top of the item so an expression reads
 * `$json.response.amount`: the answer to the request's response schema (defaults filled in), the
 * fields they edited, and what was approved with the edits applied (what to run). Null and empty
 * unless approved.
 */
function answerOf(approval: IDataObject | null | undefined): IDataObject {
	return {
		response: (approval?.response as IDataObject | null | undefined) ?? null,
		edits: (approval?.edits as IDataObject[] | undefined) ?? [],
		approved_content: (approval?.approved_content as IDataObject | null | undefined) ?? null,
	};
}

/**
 * The item a resumed execution carries: the decision (an outcome of the shared rule in
 * packages/triggers, or `timed_out`), `approved` (true for the decision `approved` only), the
 * comment, who decided, the answer and edits (`answerOf`), the request, and the delivery it came from.
 */
export function decisionItem(decision: WaitOutcome, payload: WebhookPayload, webhookId?: string): IDataObject {
	const approval = payload.data.approval;
	const details = payload.data.details ?? {};
	const comment = typeof details.comment === 'string' ? details.comment : (approval?.decision_comment ?? null);
	return {
		decision,
		approved: decision === 'approved',
		comment,
		decider: decision === 'timed_out' ? null : (payload.data.actor as unknown as IDataObject),
		decided_at: approval?.decided_at ?? approval?.cancelled_at ?? payload.timestamp,
		approved_content_sha256: approval?.approved_content_sha256 ?? null,
		...answerOf(approval as unknown as IDataObject | null | undefined),
		approval_id: payload.data.approval_id,
		approval: (approval ?? null) as unknown as IDataObject,
		event: { id: payload.data.event_id, type: payload.type, timestamp: payload.timestamp, ...(webhookId ? { delivery_id: webhookId } : {}) },
	};
}

/** The item for a wait that reached the node's own limit: no decision was made. */
export function timedOutItem(approval: IDataObject): IDataObject {
	return {
		decision: 'timed_out',
		approved: false,
		comment: null,
		decider: null,
		decided_at: null,
		approved_content_sha256: null,
		...answerOf(null),
		approval_id: (approval.id as string | undefined) ?? null,
		approval,
		event: null,
	};
}
