import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { decisionItem, OUTPUTS, timedOutItem, V1_OUTPUT } from '../shared/callback';
import {
	createRequest,
	endRefused,
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
 * Version 1, kept so workflows built with it still load. UNSAFE by design and superseded by
 * version 2: it has three outputs, but n8n resumes a waiting node on its first output only, so a
 * rejection, cancellation or expiry cannot reach its output. What it still guarantees: only an
 * approval of its own request continues (on Approved), anything else fails the execution with the
 * reason (shared/wait.ts, endRefused), and a wait limit ends the execution with nothing run after
 * this node, instead of continuing down Approved with the trigger's item as n8n would by itself.
 */
export class GreenlightRequestAndWaitV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(base: INodeTypeBaseDescription) {
		this.description = requestAndWaitDescription(
			base,
			1,
			[...OUTPUTS],
			{
				displayName:
					'This version is unsafe: only Approved ever continues; a rejection, cancellation or expiry fails the execution here, and a wait limit ends it with nothing after this node run. Replace this node with a new "Greenlight Request and Wait" (version 2), which continues with the decision on one output.',
				name: 'deprecatedNotice',
				type: 'notice',
				default: '',
			},
			[
				...waitLimitProperties('Whether to stop waiting after a while; the execution then ends at this node with nothing after it run, and the request is left pending'),
				{
					displayName: 'Options',
					name: 'options',
					type: 'collection',
					placeholder: 'Add Option',
					default: {},
					options: [verifySignatureOption],
				},
			],
		);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const refused = failIfRefused.call(this, OUTPUTS.length);
		if (refused) return refused;
		const body = requestBody.call(this);
		const until = waitTill.call(this);
		const approval = await createRequest.call(this, body, this.getSignedResumeUrl());
		// At the wait limit n8n would pass the input item on to Approved: nothing passes instead.
		setTimeoutOutput.call(this, []);
		await this.putExecutionToWait(until);
		// Shown while the execution waits; n8n discards it when the execution resumes.
		return [[], [], [{ json: timedOutItem(approval), pairedItem: { item: 0 } }]];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const received = await receiveCallback.call(this);
		if (received.kind === 'respond') return received.response;
		const item = decisionItem(received.decision, received.payload, received.webhookId);
		// Only Approved can continue (n8n resumes on the first output only): anything else fails the execution.
		if (received.decision !== 'approved') return endRefused.call(this, received, item, 'Version 1 of this node continues only on an approval: nothing after it ran.');
		const outputs: INodeExecutionData[][] = OUTPUTS.map(() => []);
		outputs[V1_OUTPUT[received.decision]]!.push({ json: item, pairedItem: { item: 0 } });
		return { workflowData: outputs };
	}
}
