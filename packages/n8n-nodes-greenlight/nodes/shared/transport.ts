import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IPollFunctions,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import type { RequestDescriptor } from './generated/request';

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
}

/**
 * n8n reports a non-2xx answer differently per credential kind: an OAuth2 request throws the HTTP
 * client's error itself (after one token refresh on 401), with `response.{status,data}`; an API-key
 * request throws a NodeApiError made from it, which keeps only `httpCode` and, for a JSON object
 * body, `context.data` (its `cause` does not survive n8n's class-field initialisation).
 */
function failureOf(error: unknown): HttpFailure | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const response = (current as { response?: { status?: number; statusCode?: number; data?: unknown; body?: unknown } }).response;
		const status = response?.status ?? response?.statusCode;
		if (typeof status === 'number') return { status, body: response?.data ?? response?.body };
		current = (current as { cause?: unknown }).cause;
	}
	const wrapped = error as { httpCode?: unknown; context?: { data?: unknown } } | undefined;
	if (typeof wrapped?.httpCode === 'string' && /^\d{3}$/.test(wrapped.httpCode)) {
		return { status: Number(wrapped.httpCode), body: wrapped.context?.data };
	}
	return undefined;
}

function parseBody(body: unknown): unknown {
	if (typeof body === 'string') {
		try {
			return JSON.parse(body);
		} catch {
			return body;
		}
	}
	if (body instanceof Uint8Array) return parseBody(Buffer.from(body).toString('utf8'));
	return body;
}

/** The API's error envelope `{error: {code, message, request_id}}`, when the body is one. */
export function apiError(body: unknown): { code: string; message: string; request_id?: string } | undefined {
	const error = (body as { error?: unknown } | undefined)?.error;
	if (!error || typeof error !== 'object') return undefined;
	const { code, message, request_id } = error as Record<string, unknown>;
	if (typeof code !== 'string' || typeof message !== 'string') return undefined;
	return { code, message, ...(typeof request_id === 'string' ? { request_id } : {}) };
}

/**
 * Performs one Greenlight API call with the node's credential. A status listed in
 * `successStatuses` answers its body (a 404 on unsubscribe is success: the subscription is gone);
 * anything else throws a NodeApiError carrying the API's own message and code, so the user reads
 * "title is required" rather than "Bad request".
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

	let response: { statusCode?: number; body?: unknown };
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, credentialType.call(this), options)) as typeof response;
	} catch (error) {
		const failure = failureOf(error);
		if (failure?.status !== undefined && request.successStatuses.includes(failure.status)) return parseBody(failure.body);
		const body = parseBody(failure?.body);
		const envelope = apiError(body);
		if (!envelope) throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex });
		throw new NodeApiError(this.getNode(), body as JsonObject, {
			itemIndex,
			httpCode: String(failure?.status ?? ''),
			message: envelope.message,
			description: `${envelope.code}${envelope.request_id ? ` (request ${envelope.request_id})` : ''}`,
		});
	}
	const status = response.statusCode ?? 200;
	if (!request.successStatuses.includes(status)) {
		throw new NodeApiError(this.getNode(), { status, body: parseBody(response.body) } as unknown as JsonObject, {
			itemIndex,
			httpCode: String(status),
			message: `Greenlight answered ${status} to ${request.method} ${request.path}`,
		});
	}
	return parseBody(response.body);
}
