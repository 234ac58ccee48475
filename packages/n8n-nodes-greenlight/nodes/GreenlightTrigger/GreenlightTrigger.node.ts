import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import type { WebhookPayload } from '../shared/generated/contract-types';
import { pathOf } from '../shared/generated/request';
import { WEBHOOKS_PATH } from '../shared/generated/triggers/define';
import { authentication, credentials } from '../shared/descriptions';
import { selectedTrigger, triggerProperties } from '../shared/trigger-properties';
import { greenlightRequest } from '../shared/transport';
import { signatureProblem } from '../shared/verify';

/** What the node keeps about its subscription, in the workflow's static data. */
interface Subscription {
	subscriptionId?: string;
	secret?: string;
	url?: string;
	events?: string[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * A REST-hook trigger: activating the workflow subscribes its webhook URL to the chosen events
 * (`POST /api/v1/webhooks`), deactivating unsubscribes. Every delivery is checked against the
 * subscription's Standard Webhooks secret over the raw body before it starts an execution.
 */
export class GreenlightTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Greenlight Trigger',
		name: 'greenlightTrigger',
		icon: { light: 'file:greenlight.svg', dark: 'file:greenlight.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow when Greenlight sends an event (new request, decision, comment, step decision)',
		defaults: { name: 'Greenlight Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: [authentication, ...triggerProperties()],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as Subscription;
				if (!data.subscriptionId) return false;
				const { trigger, filters } = selectedTrigger((name, fallback) => this.getNodeParameter(name, fallback));
				const webhook = (await greenlightRequest.call(this, {
					method: 'GET',
					path: pathOf(`${WEBHOOKS_PATH}/{id}`, { id: data.subscriptionId }),
					successStatuses: [200, 404],
				})) as { id?: string; url?: string; events?: string[]; status?: string };
				const current =
					webhook.id === data.subscriptionId &&
					webhook.status === 'active' &&
					webhook.url === this.getNodeWebhookUrl('default') &&
					sameSet(webhook.events ?? [], trigger.webhook.events(filters)) &&
					typeof data.secret === 'string';
				if (current) return true;
				// Gone, disabled after failed deliveries, or for other events: subscribe anew.
				if (webhook.id) await greenlightRequest.call(this, trigger.webhook.unsubscribe(data.subscriptionId));
				delete data.subscriptionId;
				delete data.secret;
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const url = this.getNodeWebhookUrl('default');
				if (!url) return false;
				const { trigger, filters } = selectedTrigger((name, fallback) => this.getNodeParameter(name, fallback));
				const workflow = this.getWorkflow();
				const created = (await greenlightRequest.call(
					this,
					trigger.webhook.subscribe(url, filters, `n8n: ${workflow.name ?? workflow.id ?? 'workflow'}`.slice(0, 500)),
				)) as { id: string; secret: string; events: string[] };
				const data = this.getWorkflowStaticData('node') as Subscription;
				data.subscriptionId = created.id;
				data.secret = created.secret;
				data.url = url;
				data.events = created.events;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as Subscription;
				if (data.subscriptionId) {
					const { trigger } = selectedTrigger((name, fallback) => this.getNodeParameter(name, fallback));
					// A 404 is success: the subscription is gone either way.
					await greenlightRequest.call(this, trigger.webhook.unsubscribe(data.subscriptionId));
				}
				delete data.subscriptionId;
				delete data.secret;
				delete data.url;
				delete data.events;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const data = this.getWorkflowStaticData('node') as Subscription;
		const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
		const problem = signatureProblem(data.secret, req.headers, raw);
		if (problem || !raw) {
			res.status(401).json({ error: 'invalid_signature', reason: problem });
			return { noWebhookResponse: true };
		}
		let payload: WebhookPayload;
		try {
			payload = JSON.parse(raw.toString('utf8')) as WebhookPayload;
		} catch {
			res.status(400).json({ error: 'invalid_json' });
			return { noWebhookResponse: true };
		}
		const { trigger, filters } = selectedTrigger((name, fallback) => this.getNodeParameter(name, fallback));
		const items = trigger.webhook.fromPayload(payload, filters) as IDataObject[];
		// Acknowledged either way: an event this trigger does not watch must not be retried.
		if (items.length === 0) return { webhookResponse: { ignored: payload.type } };
		return { workflowData: [this.helpers.returnJsonArray(items)] };
	}
}
