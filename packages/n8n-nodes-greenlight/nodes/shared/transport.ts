import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IPollFunctions,
	IWebhookFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { classifyError, parseJsonBody, type ErrorKind } from './generated/errors';
import type { ActionDescriptor } from './generated/fields';
import { InputError, toRequest, type RequestDescriptor } from './generated/request';

export type GreenlightContext = IExecuteFunctions | IHookFunctions | IPollFunctions | IWebhookFunctions;

/** The credential the node is set to use (the `authentication` parameter every Greenlight node has). */
export function credentialType(this: GreenlightContext): string {
	const authentication = this.getNodeParameter('authentication', 0, 'apiKey') as string;
	return authentication === 'oAuth2' ? 'greenlightOAuth2Api' : 'greenlightApi';
}

export async function baseUrl(this: GreenlightContext): Promise<string> {
	const credentials = await this.getCredentials(credentialType.call(this));
	return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
}

interface HttpFailure {
	status: number | undefined;
	body: unknown;
	headers: Record<string, string | string[] | undefined>;
}

type Headers = HttpFailure['headers'];

/**
 * n8n reports a non-2xx answer differently per credential kind: an OAuth2 request throws the HTTP
 * client's error itself (after one token refresh on 401), with `response.{status,data,headers}`; an
 * API-key request throws a NodeApiError made from it, which keeps only `httpCode` and, for a JSON
 * object body, `context.data` (its `cause` does not survive n8n's class-field initialisation, and
 * the headers with it: a Retry-After is then unknown and the shared default applies).
 */
function failureOf(error: unknown): HttpFailure | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const response = (current as { response?: { status?: number; statusCode?: number; data?: unknown; body?: unknown; headers?: Headers } }).response;
		const status = response?.status ?? response?.statusCode;
		if (typeof status === 'number') return { status, body: response?.data ?? response?.body, headers: response?.headers ?? {} };
		current = (current as { cause?: unknown }).cause;
	}
	const wrapped = error as { httpCode?: unknown; context?: { data?: unknown } } | undefined;
	if (typeof wrapped?.httpCode === 'string' && /^\d{3}$/.test(wrapped.httpCode)) {
		return { status: Number(wrapped.httpCode), body: wrapped.context?.data, headers: {} };
	}
	return undefined;
}

/**
 * How n8n shows each kind of failure (the kinds and the messages are packages/triggers'): every
 * failure of an API call is a NodeApiError carrying the shared message, the HTTP status, and the
 * API's code and request id as its description; a throttled call's message says when to retry.
 */
const N8N_ERROR: Record<ErrorKind, typeof NodeApiError> = {
	reauthorize: NodeApiError,
	forbidden: NodeApiError,
	throttle: NodeApiError,
	bad_input: NodeApiError,
	duplicate: NodeApiError,
	not_found: NodeApiError,
	conflict: NodeApiError,
	stopped: NodeApiError,
	unavailable: NodeApiError,
};

/** A failed call as n8n's error: the same message as on every other platform. */
export function apiErrorFor(node: INode, status: number, body: unknown, headers: Headers, itemIndex: number): NodeApiError {
	const e = classifyError(status, body, headers);
	const parsed = parseJsonBody(body);
	const response = (parsed && typeof parsed === 'object' ? parsed : { status, body: parsed }) as JsonObject;
	return new N8N_ERROR[e.kind](node, response, {
		itemIndex,
		httpCode: String(status),
		message: e.message,
		description: `${e.code}${e.requestId ? ` (request ${e.requestId})` : ''}`,
	});
}

/** An action of the contract with the node's parameter values; a value the API cannot take stops the item first. */
export function actionRequest(
	this: GreenlightContext,
	action: ActionDescriptor,
	values: IDataObject,
	itemIndex: number,
	successStatuses?: readonly number[],
): RequestDescriptor {
	try {
		return toRequest(action, values, successStatuses);
	} catch (error) {
		if (!(error instanceof InputError)) throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
		throw new NodeOperationError(this.getNode(), error.message, { itemIndex, description: `Parameter: ${error.field.key}` });
	}
}

/**
 * Performs one Greenlight API call with the node's credential. A status listed in
 * `successStatuses` answers its body (a 404 on unsubscribe is success: the subscription is gone);
 * anything else throws the NodeApiError of `apiErrorFor`, so the user reads "title is required"
 * rather than "Bad request".
 */
export async function greenlightRequest(
	this: GreenlightContext,
	request: RequestDescriptor,
	itemIndex = 0,
): Promise<unknown> {
	const options: IHttpRequestOptions = {
		method: request.method as IHttpRequestMethods,
		url: `${await baseUrl.call(this)}${request.path}`,
		headers: { Accept: 'application/json' },
		json: true,
		returnFullResponse: true,
	};
	if (request.query && Object.keys(request.query).length > 0) options.qs = request.query as IDataObject;
	if (request.body !== undefined) options.body = request.body as IDataObject;

	let response: { statusCode?: number; body?: unknown; headers?: Headers };
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, credentialType.call(this), options)) as typeof response;
	} catch (error) {
		const failure = failureOf(error);
		if (failure?.status === undefined) throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex });
		if (request.successStatuses.includes(failure.status)) return parseJsonBody(failure.body);
		throw apiErrorFor(this.getNode(), failure.status, failure.body, failure.headers, itemIndex);
	}
	const status = response.statusCode ?? 200;
	if (!request.successStatuses.includes(status)) {
		if (status >= 400) throw apiErrorFor(this.getNode(), status, response.body, response.headers ?? {}, itemIndex);
		throw new NodeApiError(this.getNode(), { status, body: parseJsonBody(response.body) } as unknown as JsonObject, {
			itemIndex,
			httpCode: String(status),
			message: `Greenlight answered ${status} to ${request.method} ${request.path}`,
		});
	}
	return parseJsonBody(response.body);
}
