import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeTypeBaseDescription,
	INodeTypeDescription,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { authentication, credentials } from './descriptions';
import type { WebhookPayload } from './generated/contract-types';
import { ACTIONS } from './generated/generated/contract';
import { operationProperties } from './properties';
import { outcomeOf, type WaitOutcome } from './generated/outcome';
import { actionRequest, greenlightRequest } from './transport';
import { signatureProblem } from './verify';

/**
 * How n8n 2.x resumes a waiting node, which everything here is designed around (n8n-core's
 * WorkflowExecute and the CLI's WaitingWebhooks):
 *
 * - A call to the resume URL runs the node's `webhook()`. If it returns `workflowData`, n8n marks the
 *   node disabled and resumes: the disabled node passes on `workflowData[0]` only, so every outcome
 *   must leave on the first output. Without `workflowData` the execution keeps waiting. If
 *   `webhook()` throws, n8n still resumes, with an empty item on the first output: it must never
 *   throw.
 * - When the wait limit (`putExecutionToWait(date)`) passes first, n8n runs no code of the node at
 *   all: it disables the node and passes on the input the node had when it started waiting, held in
 *   the execution's stack entry (`getExecuteData().data`). So the node puts there, before waiting,
 *   exactly what a timeout must produce.
 */
export const WAITING_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	},
];

const action = ACTIONS.request_approval_and_wait;

/** The request's fields, from the contract: required ones as parameters, the rest in "Additional Fields". */
export const requestProperties = operationProperties(action.fields, undefined, {
	name: 'additionalFields',
	displayName: 'Additional Fields',
	placeholder: 'Add Field',
});

/**
 * What both versions of Request and Wait describe alike: the credential, a notice, the request's
 * fields, then the version's own parameters (`after`); one output per name.
 */
export function requestAndWaitDescription(
	base: INodeTypeBaseDescription,
	version: number,
	outputNames: string[],
	notice: INodeProperties,
	after: INodeProperties[],
): INodeTypeDescription {
	const { required, optional } = requestProperties;
	return {
		...base,
		version,
		subtitle: '={{$parameter["title"]}}',
		defaults: { name: 'Request Approval and Wait' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: outputNames.map(() => NodeConnectionTypes.Main),
		outputNames,
		credentials,
		webhooks: WAITING_WEBHOOKS,
		properties: [authentication, notice, ...required, ...(optional ? [optional] : []), ...after],
	};
}

/** The create body from the node's parameters. One request per execution (it has one resume URL): the first item's. */
export function requestBody(this: IExecuteFunctions): IDataObject {
	const itemIndex = 0;
	const values: IDataObject = {};
	for (const field of action.fields) if (field.required) values[field.key] = this.getNodeParameter(field.key, itemIndex) as IDataObject[string];
	Object.assign(values, this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject);
	return actionRequest.call(this, action, values, itemIndex).body as IDataObject;
}

/** Creates the request with the given callback (this execution's resume URL) and answers it. */
export async function createRequest(this: IExecuteFunctions, body: IDataObject, callbackUrl: string): Promise<IDataObject> {
	return (await greenlightRequest.call(this, { ...actionRequest.call(this, action, {}, 0), body: { ...body, callback_url: callbackUrl } }, 0)) as IDataObject;
}

const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/** The wait-limit parameters, as n8n's own send-and-wait nodes name them. */
export function waitLimitProperties(limitHelp: string): INodeProperties[] {
	return [
		{
			displayName: 'Limit Wait Time',
			name: 'limitWaitTime',
			type: 'boolean',
			default: false,
			description: limitHelp,
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
	];
}

export const verifySignatureOption: INodeProperties = {
	displayName: 'Verify Signature',
	name: 'verifySignature',
	type: 'boolean',
	default: true,
	description:
		"Whether to check the callback's Standard Webhooks signature with your organization's callback secret before resuming. Turn off only when the credential cannot read the secret.",
};

/** When the wait ends without a decision: a date, or WAIT_INDEFINITELY. */
export function waitTill(this: IExecuteFunctions): Date {
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
 * Sets what the execution carries on with if the wait limit passes before a decision arrives (see
 * above: n8n then passes on the node's stored input, on the first output). An n8n that does not
 * expose the stored input could only pass on the trigger's item: such a wait is refused.
 */
export function setTimeoutOutput(this: IExecuteFunctions, items: INodeExecutionData[]): void {
	const entry = typeof this.getExecuteData === 'function' ? this.getExecuteData() : undefined;
	if (!entry?.data) {
		throw new NodeOperationError(this.getNode(), 'This n8n does not let the node say what a wait limit produces', {
			description: 'Without it, n8n would continue with the input item when the limit passes. Turn off Limit Wait Time, or use n8n 1.x or 2.x.',
		});
	}
	entry.data = { ...entry.data, main: [items] };
}

/** The pathname a resume URL was called on, or the one a stored callback URL names. */
function pathnameOf(url: string | undefined): string | undefined {
	if (!url) return undefined;
	try {
		return new URL(url, 'http://n8n.invalid').pathname.replace(/\/+$/, '');
	} catch {
		return undefined;
	}
}

export type Received =
	| { kind: 'respond'; response: IWebhookResponseData }
	| { kind: 'decision'; decision: WaitOutcome; payload: WebhookPayload; webhookId: string | undefined };

const refuse = (res: ReturnType<IWebhookFunctions['getResponseObject']>, status: number, body: IDataObject): Received => {
	res.status(status).json(body);
	return { kind: 'respond', response: { noWebhookResponse: true } };
};

/**
 * A call to the execution's resume URL → the decision to resume with, or the answer that leaves the
 * execution waiting. Resumes only for a delivery that is signed with the organization's callback
 * secret (unless turned off), names this execution's resume URL as its request's callback (a signed
 * delivery for another request, replayed here, changes nothing), and is a final outcome under the
 * shared rule. Any failure (Greenlight unreachable while fetching the secret, a bug) answers 503 so
 * Greenlight retries, and the execution keeps waiting.
 */
export async function receiveCallback(this: IWebhookFunctions): Promise<Received> {
	const res = this.getResponseObject();
	try {
		const req = this.getRequestObject();
		const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		if (options.verifySignature !== false) {
			const { secret } = (await greenlightRequest.call(this, { method: 'GET', path: '/api/v1/callback-secret', successStatuses: [200] })) as { secret?: string };
			const problem = signatureProblem(secret, req.headers, raw);
			// A forged or stale call must not decide anything.
			if (problem) return refuse(res, 401, { error: 'invalid_signature', reason: problem });
		}
		const text = raw ? raw.toString('utf8') : JSON.stringify(this.getBodyData());
		let payload: WebhookPayload;
		try {
			payload = JSON.parse(text) as WebhookPayload;
		} catch {
			return refuse(res, 400, { error: 'invalid_json' });
		}
		if (!payload || typeof payload !== 'object' || !payload.data || typeof payload.data !== 'object') {
			return refuse(res, 400, { error: 'not_a_delivery' });
		}
		const called = pathnameOf((req as unknown as { originalUrl?: string }).originalUrl ?? req.url);
		const named = pathnameOf(payload.data.approval?.callback_url ?? undefined);
		if (!called || !named || !named.endsWith(called)) return refuse(res, 409, { error: 'not_this_execution' });
		const outcome = outcomeOf({ type: payload.type, approval: payload.data.approval });
		if (!outcome) return { kind: 'respond', response: { webhookResponse: { ignored: String(payload.type) } } };
		const header = req.headers['webhook-id'];
		const webhookId = typeof header === 'string' ? header : undefined;
		// An expiry at the node's own limit (the request was made to expire then) is that limit.
		const limit = (this.getQueryData() as IDataObject).wait_limit;
		const expiresAt = payload.data.approval?.expires_at;
		const atLimit = outcome === 'expired' && typeof limit === 'string' && !!expiresAt && Date.parse(expiresAt) === Date.parse(limit);
		return { kind: 'decision', decision: atLimit ? 'timed_out' : outcome, payload, webhookId };
	} catch {
		return refuse(res, 503, { error: 'unavailable', retry: true });
	}
}
