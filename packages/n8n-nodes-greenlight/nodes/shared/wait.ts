import type {
	IDataObject,
	IExecuteData,
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
import { isAboutRequest, outcomeOf, type WaitOutcome } from './generated/outcome';
import { actionRequest, greenlightRequest } from './transport';
import { signatureProblem } from './verify';

/**
 * How n8n 2.x resumes a waiting node, which everything here is designed around (n8n-core's
 * WorkflowExecute and WebhookContext, the CLI's WaitingWebhooks and webhook-helpers):
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
 * - The node's own run data is dropped before `webhook()` runs; what survives the wait is the
 *   execution's data: its stack entry, and its custom data (`$execution.customData`, one set per
 *   execution, kept with it in n8n's database). The node keeps there the id of the request it made
 *   (`bindRequest`), and `webhook()` resumes only for a callback about that id: a resume URL is no
 *   proof of whose decision arrives (see `isAboutRequest`). Workflow static data would not do: it is
 *   shared by every execution of the workflow.
 * - A resumed node cannot fail by itself: n8n disables it, and a disabled node only passes its input
 *   on. To end a refused execution as failed, `webhook()` enables the node again in the execution's
 *   stack entry (the same object n8n then runs), so n8n runs `execute()` once more, which finds the
 *   refusal left beside it (`REFUSAL`) and throws it: the execution is listed as failed, with the
 *   reason, and nothing after the node runs. n8n does not publish the webhook context's stack entry,
 *   so this reads an internal field; an n8n without it ends such an execution with nothing run
 *   after the node, listed as succeeded (`endRefused`).
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

/** The custom data key under which an execution keeps the id of the request it waits for. */
export const BINDING_KEY = 'greenlight_approval_id';
/** Held in the key while the request is being made: the execution could keep a value there, but binds nothing yet. */
const RESERVED = '-';

interface CustomData {
	get(key: string): unknown;
	set(key: string, value: string): void;
}

/**
 * The execution's custom data: newer n8n versions give it to the node as `customData`; n8n 2.x before
 * them only as `$execution.customData` of the data proxy.
 */
function customDataOf(this: IExecuteFunctions): CustomData | undefined {
	const own = (this as unknown as { customData?: CustomData }).customData;
	if (own) return own;
	try {
		return (this.getWorkflowDataProxy(0).$execution as { customData?: CustomData } | undefined)?.customData;
	} catch {
		return undefined;
	}
}

/** Keeps `value` under BINDING_KEY; true when it reads back (n8n drops a value silently past its limit of keys). */
function keep(data: CustomData | undefined, value: string): boolean {
	if (!data) return false;
	try {
		data.set(BINDING_KEY, value);
		return data.get(BINDING_KEY) === value;
	} catch {
		return false;
	}
}

/**
 * Creates the request with the given callback (this execution's resume URL), keeps its id in the
 * execution (`$execution.customData`, see the module comment) and answers it. The place is taken
 * first, so a request is never made that no callback could resume.
 */
export async function createRequest(this: IExecuteFunctions, body: IDataObject, callbackUrl: string): Promise<IDataObject> {
	const data = customDataOf.call(this);
	if (!keep(data, RESERVED)) {
		throw new NodeOperationError(this.getNode(), 'This execution cannot keep the id of the request it waits for', {
			description: `The node keeps it in the execution's custom data (${BINDING_KEY}), to resume only on that request's decision. n8n keeps at most 10 custom data values per execution: free one that the nodes before this one set.`,
		});
	}
	const approval = (await greenlightRequest.call(this, { ...actionRequest.call(this, action, {}, 0), body: { ...body, callback_url: callbackUrl } }, 0)) as IDataObject;
	if (typeof approval.id !== 'string' || !keep(data, approval.id)) {
		throw new NodeOperationError(this.getNode(), 'The request was made, but this execution could not keep its id', {
			description: `Greenlight answered ${typeof approval.id === 'string' ? `request ${approval.id}` : 'no request id'}. Without its id the execution could not tell its decision from another request's: cancel the request in Greenlight.`,
		});
	}
	return approval;
}

/** An expression's value in a webhook context, or undefined when it cannot be evaluated. */
function evaluate(ctx: IWebhookFunctions, expression: string): unknown {
	try {
		return ctx.evaluateExpression(expression, 0);
	} catch {
		return undefined;
	}
}

/**
 * The id of the request this execution waits for, as `createRequest` kept it; undefined when it
 * cannot be read. An execution that began waiting before the node kept ids carries it only in what
 * version 2 leaves for a wait limit (the stack entry's item, `$json` here): read from there as a last resort.
 */
export function boundRequestId(this: IWebhookFunctions): string | undefined {
	const own = (this as unknown as { customData?: CustomData }).customData;
	const kept = own ? own.get(BINDING_KEY) : evaluate(this, `{{ $execution.customData.get("${BINDING_KEY}") }}`);
	if (typeof kept === 'string' && kept !== '' && kept !== RESERVED) return kept;
	const legacy = evaluate(this, '{{ $json.approval_id }}');
	return typeof legacy === 'string' && legacy !== '' ? legacy : undefined;
}

/**
 * How long after the wait limit n8n's own timer ends a wait whose request was made to expire at the
 * limit: Greenlight's expiry callback (within seconds of the limit) normally resumes it first.
 */
export const EXPIRY_CALLBACK_GRACE_MS = 5 * 60_000;

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
 * secret (unless turned off), is about the request this execution made (`boundRequestId`) and names
 * this execution's resume URL as its callback, and is a final outcome under the shared rule.
 *
 * A delivery about another request, signed or not, changes nothing and is answered 410: Greenlight
 * stops sending it at once (it retries every other refusal, 409 included, for days) and marks that
 * other request's waiter gone, which is true: nobody waits for its answer here. Any failure
 * (Greenlight unreachable while fetching the secret, a bug) answers 503 so Greenlight retries, and
 * the execution keeps waiting; so does an execution whose request id cannot be read (409).
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
		const bound = boundRequestId.call(this);
		if (!bound) return refuse(res, 409, { error: 'request_unknown', reason: `this execution kept no request id (${BINDING_KEY})` });
		if (!isAboutRequest(payload, bound)) return refuse(res, 410, { error: 'not_this_request' });
		const called = pathnameOf((req as unknown as { originalUrl?: string }).originalUrl ?? req.url);
		const named = pathnameOf(payload.data.approval?.callback_url ?? undefined);
		if (!called || !named || !named.endsWith(called)) return refuse(res, 410, { error: 'not_this_execution' });
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

/** What a refused execution carries to `execute()` in its stack entry (see the module comment). */
const REFUSAL = 'greenlightRefusal';
type Refusal = { message: string; description: string };
type Decided = Extract<Received, { kind: 'decision' }>;

/** A wait's length as a person would say it: "45 s", "90 min", "1 h", "36 h", "2 d". */
export function spoken(ms: number): string {
	const s = Math.round(ms / 1000);
	if (s < 60) return `${s} s`;
	const m = Math.round(s / 60);
	if (m < 60 || (m < 120 && m % 60 !== 0)) return `${m} min`;
	const h = Math.round(m / 60);
	return h < 48 || h % 24 !== 0 ? `${h} h` : `${h / 24} d`;
}

/** Why the execution stops, in the words the execution list shows: "Rejected by Ann: not on a Friday", "Timed out after 1 h". */
export function refusalOf(received: Decided, waitLimit: unknown, why: string): Refusal {
	const { data } = received.payload;
	const approval = data.approval;
	// Greenlight itself (an expiry's on_expiry) is no one to name; one of the team's policies is.
	const named = data.actor?.type !== 'system' || approval?.decided_by_type === 'policy';
	const who = named ? data.actor?.name : undefined;
	const by = who ? ` by ${who}` : '';
	const details = (data.details ?? {}) as IDataObject;
	const comment = typeof details.comment === 'string' && details.comment ? details.comment : approval?.decision_comment;
	const start = Date.parse(approval?.created_at ?? '');
	const limit = typeof waitLimit === 'string' ? Date.parse(waitLimit) : Number.NaN;
	const message = {
		approved: 'Approved',
		rejected: `${approval?.revoked_at ? 'Approval revoked' : 'Rejected'}${by}${comment ? `: ${comment}` : ''}`,
		cancelled: `Cancelled${by}`,
		expired: `Expired without a decision${approval?.expires_at ? ` at ${approval.expires_at}` : ''}`,
		timed_out: Number.isNaN(start) || Number.isNaN(limit) ? 'Timed out without a decision' : `Timed out after ${spoken(limit - start)}`,
	}[received.decision];
	const title = approval?.title ? `"${approval.title}" ` : '';
	return { message, description: `The Greenlight request ${title}(${data.approval_id ?? 'unknown'}) was not approved: ${received.decision}. ${why}` };
}

/**
 * The stack entry n8n resumes this node from: the webhook context holds it (`executeData`), but n8n
 * does not publish it. Only the entry of this node, disabled by n8n for the resume, is taken.
 */
function resumedEntry(this: IWebhookFunctions): IExecuteData | undefined {
	const entry = (this as unknown as { executeData?: IExecuteData }).executeData;
	if (!entry || typeof entry !== 'object' || !entry.node || entry.node.name !== this.getNode().name || entry.node.disabled !== true) return undefined;
	return entry;
}

/**
 * Resumes a refused execution so that it ends as failed with the refusal's message (see the module
 * comment): the node runs once more and `failIfRefused` throws. Where this n8n does not let the
 * node reach its stack entry, the execution resumes into nothing instead: nothing after the node
 * runs, and n8n lists it as succeeded.
 */
export function endRefused(this: IWebhookFunctions, received: Decided, item: IDataObject, why: string): IWebhookResponseData {
	const entry = resumedEntry.call(this);
	if (!entry) return { workflowData: [[]] };
	entry.node.disabled = false;
	(entry as unknown as Record<string, unknown>)[REFUSAL] = refusalOf(received, (this.getQueryData() as IDataObject).wait_limit, why);
	// n8n runs a node only with an input item: the decision, shown as the failed node's input.
	return { workflowData: [[{ json: item, pairedItem: { item: 0 } }]] };
}

/**
 * In `execute()`, first: when this run is the resume of a refused execution, it fails with the
 * refusal (with "Continue On Fail", nothing is passed on instead: only an approval continues).
 * Undefined for an ordinary run.
 */
export function failIfRefused(this: IExecuteFunctions, outputs: number): INodeExecutionData[][] | undefined {
	const entry = typeof this.getExecuteData === 'function' ? this.getExecuteData() : undefined;
	const refusal = (entry as unknown as Record<string, Refusal | undefined> | undefined)?.[REFUSAL];
	if (!refusal || typeof refusal.message !== 'string') return undefined;
	if (this.continueOnFail()) return Array.from({ length: outputs }, () => []);
	throw new NodeOperationError(this.getNode(), refusal.message, { description: refusal.description });
}
