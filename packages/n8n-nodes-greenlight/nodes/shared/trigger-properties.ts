import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { TRIGGERS, type TriggerDefinition } from './generated/index';
import { toProperty } from './properties';

export type TriggerKey = keyof typeof TRIGGERS;

/** The event selector and each event's own filters, shared by the webhook and the polling trigger. */
export function triggerProperties(): INodeProperties[] {
	const keys = Object.keys(TRIGGERS) as TriggerKey[];
	const event: INodeProperties = {
		displayName: 'Event',
		name: 'event',
		type: 'options',
		noDataExpression: true,
		required: true,
		options: keys.map((k) => ({ name: TRIGGERS[k].label, value: k, description: TRIGGERS[k].description })),
		default: 'approval_decided',
	};
	const filters = keys.flatMap((k) => TRIGGERS[k].inputFields.map((f) => toProperty(f, { show: { event: [k] } })));
	return [event, ...filters];
}

/** The node's parameters → the selected trigger and its filters, defaults applied by the trigger layer. */
export type AnyTrigger = TriggerDefinition<unknown, unknown>;

export function selectedTrigger(getParameter: (name: string, fallback?: unknown) => unknown): { key: TriggerKey; trigger: AnyTrigger; filters: unknown } {
	const key = getParameter('event') as TriggerKey;
	const trigger = TRIGGERS[key];
	if (!trigger) throw new Error(`Unknown event "${String(key)}"`);
	const input: IDataObject = {};
	for (const f of trigger.inputFields) input[f.key] = getParameter(f.key, f.default) as IDataObject[string];
	// Each trigger parses its own filters and is the only one to read them back.
	const any = trigger as unknown as AnyTrigger;
	return { key, trigger: any, filters: any.filters(input) };
}
