import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { decisionItem, OUTPUTS } from '../shared/callback';
import type { WebhookPayload } from '../shared/generated/contract-types';
import { ACTIONS } from '../shared/generated/generated/contract';
import { authentication, credentials } from '../shared/descriptions';
import { collect, operationProperties } from '../shared/properties';
import { greenlightRequest } from '../shared/transport';
import { signatureProblem } from '../shared/verify';

const action = ACTIONS.request_approval_and_wait;
const { required, optional } = operationProperties(action.fields, undefined, {
	name: 'additionalFields',
	displayName: 'Additional Fields',
	placeholder: 'Add Field',
});

/**
 * The execution's resume endpoint (`/webhook-waiting/<execution>/<node id>`), as n8n's own
 * send-and-wait nodes declare it. A waiting webhook exists only while an execution waits: n8n never
 * registers it on activation, so there is no remote subscription and no checkExists/create/delete
 * (n8n's webhook-lifecycle lint rule, written for webhook triggers, looks for them on any literal
 * `webhooks` array).
 */
const WAITING_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	},
];

const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

const waitProperties: INodeProperties[] = [
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'boolean',
		default: false,
		description:
			'Whether to stop waiting after a while; the execution then continues on "Expired or Cancelled" with decision "timed_out" and the request left pending. To let the request itself expire, set Expires At instead.',
	},
	{
		displayName: 'Limit Type',
		name: 'limitType',
		type: 'options',
		displayOptions: { show: { limitWaitTime: [true] } },
		options: [
			{ name: 'After Time Interval', value: 'afterTimeInterval' },
			{ name: 'At Specified Time', value: 'atSpecifiedTime' },
		],
		default: 'afterTimeInterval',
	},
	{
		displayName: 'Amount',
		name: 'resumeAmount',
		type: 'number',
		displayOptions: { show: { limitWaitTime: [true], limitType: ['afterTimeInterval'] } },
		typeOptions: { minValue: 1 },
		default: 1,
	},
	{
		displayName: 'Unit',
		name: 'resumeUnit',
		type: 'options',
		displayOptions: { show: { limitWaitTime: [true], limitType: ['afterTimeInterval'] } },
		options: [
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
		default: 'hours',
	},
	{
		displayName: 'Max Date and Time',
		name: 'maxDateAndTime',
		type: 'dateTime',
		displayOptions: { show: { limitWaitTime: [true], limitType: ['atSpecifiedTime'] } },
		default: '',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Verify Signature',
				name: 'verifySignature',
				type: 'boolean',
				default: true,
				description:
					"Whether to check the callback's Standard Webhooks signature with your organization's callback secret before resuming. Turn off only when the credential cannot read the secret.",
			},
		],
	},
];

function waitTill(this: IExecuteFunctions): Date {
	if (!(this.getNodeParameter('limitWaitTime', 0, false) as boolean)) return WAIT_INDEFINITELY;
	if (this.getNodeParameter('limitType', 0) === 'atSpecifiedTime') {
		const at = new Date(this.getNodeParameter('maxDateAndTime', 0) as string);
		if (Number.isNaN(at.getTime())) throw new NodeOperationError(this.getNode(), 'Max Date and Time is not a date and time');
		return at;
	}
	const amount = this.getNodeParameter('resumeAmount', 0) as number;
	const unit = this.getNodeParameter('resumeUnit', 0) as string;
	return new Date(Date.now() + amount * (UNIT_MS[unit] ?? UNIT_MS.hours!));
}

/**
 * How n8n's own "send and wait" works: the node hands out the execution's resume URL, parks the
 * execution, and n8n calls `webhook()` when something POSTs to that URL. Here the URL is the
 * request's `callback_url`, so Greenlight's decision callback (approved, rejected, expired or
 * cancelled) resumes the workflow on the matching output.
 */
export class GreenlightRequestAndWait implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Greenlight Request and Wait',
		name: 'greenlightRequestAndWait',
		icon: { light: 'file:greenlight.svg', dark: 'file:greenlight.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["title"]}}',
		description: 'Request an approval and pause the workflow until a person approves or rejects it',
		defaults: { name: 'Request Approval and Wait' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: [...OUTPUTS],
		credentials,
		webhooks: WAITING_WEBHOOKS,
		properties: [
			authentication,
			{
				displayName:
					'The workflow pauses until the request is decided, expires or is cancelled. Greenlight must be able to reach this n8n instance (its webhook URL) to resume it.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...required,
			...(optional ? [optional] : []),
			...waitProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// One request per execution: the execution has one resume URL, so the first item is the request.
		const itemIndex = 0;
		const values: IDataObject = {};
		for (const field of action.fields) if (field.required) values[field.key] = this.getNodeParameter(field.key, itemIndex) as IDataObject[string];
		Object.assign(values, this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject);
		const { body } = collect({ node: this.getNode(), itemIndex }, action.fields, values);
		const until = waitTill.call(this);
		body.callback_url = this.getSignedResumeUrl();
		const approval = (await greenlightRequest.call(
			this,
			{ method: action.method, path: action.path, body, successStatuses: [200, 201] },
			itemIndex,
		)) as IDataObject;
		await this.putExecutionToWait(until);
		// What the execution carries on if the wait limit is reached before a decision arrives.
		return [[], [], [{ json: { decision: 'timed_out', comment: null, decider: null, approved_content_sha256: null, approval_id: approval.id, approval }, pairedItem: { item: itemIndex } }]];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
		const text = raw ? raw.toString('utf8') : JSON.stringify(this.getBodyData());
		const options = this.getNodeParameter('options', {}) as IDataObject;
		if (options.verifySignature !== false) {
			const { secret } = (await greenlightRequest.call(this, { method: 'GET', path: '/api/v1/callback-secret', successStatuses: [200] })) as { secret: string };
			const problem = signatureProblem(secret, req.headers, raw);
			if (problem) {
				// The execution keeps waiting: a forged or stale call must not decide anything.
				res.status(401).json({ error: 'invalid_signature', reason: problem });
				return { noWebhookResponse: true };
			}
		}
		let payload: WebhookPayload;
		try {
			payload = JSON.parse(text) as WebhookPayload;
		} catch {
			res.status(400).json({ error: 'invalid_json' });
			return { noWebhookResponse: true };
		}
		const header = req.headers['webhook-id'];
		const routed = decisionItem(payload, typeof header === 'string' ? header : undefined);
		if (!routed) return { webhookResponse: { ignored: payload.type } };
		const outputs: INodeExecutionData[][] = OUTPUTS.map(() => []);
		outputs[routed.output]!.push({ json: routed.item, pairedItem: { item: 0 } });
		return { workflowData: outputs };
	}
}
