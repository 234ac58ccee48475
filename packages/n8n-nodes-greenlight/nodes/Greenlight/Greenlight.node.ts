import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { authentication, credentials } from '../shared/descriptions';
import { perItem } from '../shared/items';
import { findOperation, operationProperties } from './actions';

export class Greenlight implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Greenlight',
		name: 'greenlight',
		icon: { light: 'file:greenlight.svg', dark: 'file:greenlight.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, decide and comment on Greenlight approval requests and their steps',
		defaults: { name: 'Greenlight' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		properties: [
			authentication,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Approval', value: 'approval' },
					{ name: 'Comment', value: 'comment' },
					{ name: 'Step', value: 'step' },
				],
				default: 'approval',
			},
			...operationProperties(),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		const found = findOperation(resource, operation);
		if (!found) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known for "${resource}"`);
		return [await perItem.call(this, found.run)];
	}
}
