import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { decisionItem, timedOutItem } from '../shared/callback';
import {
	createRequest,
	endRefused,
	EXPIRY_CALLBACK_GRACE_MS,
	failIfRefused,
	receiveCallback,
	requestAndWaitDescription,
	requestBody,
	setTimeoutOutput,
	verifySignatureOption,
	waitLimitProperties,
	waitTill,
} from '../shared/wait';

/**
 * Requests an approval with this execution's resume URL as its callback, parks the execution, and
 * resumes on its single output with the decision: approved, rejected, cancelled, expired, or
 * timed_out when the node's own wait limit passes first. One output because n8n resumes a waiting
 * node on its first output only (see shared/wait.ts for what n8n does on each kind of resume).
 */
export class GreenlightRequestAndWaitV2 implements INodeType {
	description: INodeTypeDescription;

	constructor(base: INodeTypeBaseDescription) {
		this.description = requestAndWaitDescription(
			base,
			2,
			['Decision'],
			{
				displayName:
					'The workflow pauses until the request is decided, expires, is cancelled or the wait limit passes, then continues with "decision" (approved, rejected, cancelled, expired, timed_out) and "approved" (true only when approved). Greenlight must be able to reach this n8n instance (its webhook URL) to resume it.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			[
				...waitLimitProperties('Whether to stop waiting after a while; the execution then continues with decision "timed_out"'),
				{
					displayName: 'At the Wait Limit',
					name: 'onWaitLimit',
					type: 'options',
					displayOptions: { show: { limitWaitTime: [true] } },
					options: [
						{ name: 'Leave the Request Pending', value: 'leavePending', description: 'It can still be decided in Greenlight; nothing waits for it' },
						{
							name: 'Expire the Request',
							value: 'expire',
							description: 'The request expires in Greenlight at the limit (unless Expires At is earlier), so nobody can approve what nothing waits for',
						},
					],
					default: 'leavePending',
				},
				{
					displayName: 'Options',
					name: 'options',
					type: 'collection',
					placeholder: 'Add Option',
					default: {},
					options: [
						{
							displayName: 'Continue Only When Approved',
							name: 'onlyApproved',
							type: 'boolean',
							default: false,
							description:
								'Whether a rejection, cancellation, expiry or timeout ends the execution at this node as failed, with the reason (e.g. "Rejected by Ann: …"), and nothing after it run. A wait limit that leaves the request pending ends it with nothing run but listed as succeeded (n8n runs no node code then): choose Expire the Request, or turn this off and send "approved" false through an IF node to Stop and Error. Off: every decision continues and the next nodes route on "approved".',
						},
						verifySignatureOption,
					],
				},
			],
		);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const refused = failIfRefused.call(this, 1);
		if (refused) return refused;
		const body = requestBody.call(this);
		const until = waitTill.call(this);
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		let resumeUrl = this.getSignedResumeUrl();
		let wakeAt = until;
		if (until !== WAIT_INDEFINITELY && this.getNodeParameter('onWaitLimit', 0, 'leavePending') === 'expire') {
			if (until.getTime() <= Date.now()) throw new NodeOperationError(this.getNode(), 'The wait limit has already passed');
			const own = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : Number.NaN;
			if (Number.isNaN(own) || own > until.getTime()) {
				// The request must not outlive the wait, and must not be decided automatically at it.
				body.expires_at = until.toISOString();
				body.on_expiry = 'expire';
				// Tells webhook() that an expiry at exactly this moment is the wait limit.
				resumeUrl = this.getSignedResumeUrl({ wait_limit: until.toISOString() });
				// Greenlight's expiry callback is the limit (so "Continue Only When Approved" can fail the
				// execution, which n8n's own timer cannot); the timer stays as the fallback.
				wakeAt = new Date(until.getTime() + EXPIRY_CALLBACK_GRACE_MS);
			}
		}
		const approval = await createRequest.call(this, body, resumeUrl);
		const timedOut: INodeExecutionData = { json: timedOutItem(approval), pairedItem: { item: 0 } };
		setTimeoutOutput.call(this, options.onlyApproved === true ? [] : [timedOut]);
		await this.putExecutionToWait(wakeAt);
		// Shown while the execution waits; n8n discards it when the execution resumes.
		return [[{ json: { decision: null, approved: false, approval_id: approval.id ?? null, approval }, pairedItem: { item: 0 } }]];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const received = await receiveCallback.call(this);
		if (received.kind === 'respond') return received.response;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const item = decisionItem(received.decision, received.payload, received.webhookId);
		if (received.decision !== 'approved' && options.onlyApproved === true) {
			return endRefused.call(this, received, item, '"Continue Only When Approved" ends the workflow here: nothing after this node ran.');
		}
		return { workflowData: [[{ json: item, pairedItem: { item: 0 } }]] };
	}
}
