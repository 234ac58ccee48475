import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { latest, poll, type PollState } from '../shared/generated/polling';
import type { RequestDescriptor } from '../shared/generated/request';
import { authentication, credentials } from '../shared/descriptions';
import { selectedTrigger, triggerProperties } from '../shared/trigger-properties';
import { greenlightRequest } from '../shared/transport';

/**
 * For n8n instances Greenlight cannot reach: polls the API on n8n's schedule with the shared
 * cursor of packages/triggers (a watermark with a look-back window and the keys already emitted),
 * so an event is emitted once, even when many arrive between two polls or share a millisecond.
 */
export class GreenlightPollingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Greenlight Polling Trigger',
		name: 'greenlightPollingTrigger',
		icon: { light: 'file:greenlight.svg', dark: 'file:greenlight.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow on new Greenlight events, by polling (when Greenlight cannot reach n8n)',
		defaults: { name: 'Greenlight Polling Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		properties: [authentication, ...triggerProperties()],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const { key, trigger, filters } = selectedTrigger((name, fallback) => this.getNodeParameter(name, fallback));
		const request = (descriptor: RequestDescriptor) => greenlightRequest.call(this, descriptor);
		const staticData = this.getWorkflowStaticData('node') as { event?: string; state?: PollState };

		if (this.getMode() === 'manual') {
			// "Fetch test event": the newest item, without moving the cursor.
			const items = (await latest(trigger.polling, { request, filters, limit: 1 })) as IDataObject[];
			return items.length > 0 ? [this.helpers.returnJsonArray(items)] : null;
		}

		// A cursor belongs to one event: after the event is changed, start again from now.
		const state = staticData.event === key ? staticData.state : undefined;
		const result = await poll(trigger.polling, { request, filters, state });
		staticData.event = key;
		staticData.state = result.state;
		if (result.items.length === 0) return null;
		return [this.helpers.returnJsonArray(result.items as IDataObject[])];
	}
}
