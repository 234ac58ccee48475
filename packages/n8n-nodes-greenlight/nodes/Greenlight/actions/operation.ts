import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { ACTIONS, type ActionKey } from '../../shared/generated/generated/contract';
import { operationProperties } from '../../shared/properties';
import { actionRequest, greenlightRequest } from '../../shared/transport';

export type Resource = 'approval' | 'comment' | 'step';

export interface Operation {
	resource: Resource;
	value: string;
	name: string;
	action: string;
	description: string;
	properties: INodeProperties[];
	/** One input item → its output items (paired with it by the caller). */
	run(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]>;
}

/** n8n parameter names for the contract's path parameters (`id` alone would be ambiguous in a workflow). */
export const PATH_PARAMETER: Record<string, string> = { id: 'approvalId', stepId: 'stepId' };

interface SimpleOptions {
	resource: Resource;
	value: string;
	name: string;
	action: string;
	actionKey: ActionKey;
	successStatuses: readonly number[];
	/** The answer is `{data: [...]}`: one output item per element. */
	list?: boolean;
	collection?: { name: string; displayName: string; placeholder: string };
}

/** Reads the operation's parameters (required ones top-level, optional ones from the collection) as wire names. */
export function readValues(this: IExecuteFunctions, actionKey: ActionKey, itemIndex: number, collectionName: string, omit: readonly string[] = []): IDataObject {
	const values: IDataObject = {};
	for (const field of ACTIONS[actionKey].fields) {
		if (!field.required || omit.includes(field.key)) continue;
		values[field.key] = this.getNodeParameter(PATH_PARAMETER[field.key] ?? field.key, itemIndex) as IDataObject[string];
	}
	Object.assign(values, this.getNodeParameter(collectionName, itemIndex, {}) as IDataObject);
	return values;
}

/** An operation that is exactly one contract call; its fields come from the generated descriptor. */
export function simpleOperation(o: SimpleOptions): Operation {
	const action = ACTIONS[o.actionKey];
	const collection = o.collection ?? { name: 'additionalFields', displayName: 'Additional Fields', placeholder: 'Add Field' };
	const show = { resource: [o.resource], operation: [o.value] };
	const { required, optional } = operationProperties(action.fields, show, collection);
	for (const p of required) p.name = PATH_PARAMETER[p.name] ?? p.name;
	return {
		resource: o.resource,
		value: o.value,
		name: o.name,
		action: o.action,
		description: action.description.split('. ')[0]!.replace(/\.$/, ''),
		properties: optional ? [...required, optional] : required,
		async run(itemIndex) {
			const values = readValues.call(this, o.actionKey, itemIndex, collection.name);
			const answer = await greenlightRequest.call(this, actionRequest.call(this, action, values, itemIndex, o.successStatuses), itemIndex);
			if (o.list) return (answer as { data: IDataObject[] }).data;
			return [answer as IDataObject];
		},
	};
}
