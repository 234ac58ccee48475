import type { INodeProperties } from 'n8n-workflow';
import { cancel } from './approval/cancel.operation';
import { create } from './approval/create.operation';
import { decide } from './approval/decide.operation';
import { get } from './approval/get.operation';
import { getAll as getManyApprovals } from './approval/getAll.operation';
import { add } from './comment/add.operation';
import { getAll as getManyComments } from './comment/getAll.operation';
import { configure } from './step/configure.operation';
import { getAll as getManySteps } from './step/getAll.operation';
import { vote } from './step/vote.operation';
import type { Operation, Resource } from './operation';

export const OPERATIONS: Operation[] = [create, get, getManyApprovals, decide, cancel, add, getManyComments, getManySteps, configure, vote];

export function findOperation(resource: string, operation: string): Operation | undefined {
	return OPERATIONS.find((o) => o.resource === resource && o.value === operation);
}

const optionsOf = (resource: Resource) =>
	OPERATIONS.filter((o) => o.resource === resource)
		.map((o) => ({ name: o.name, value: o.value, action: o.action, description: o.description }))
		.sort((a, b) => a.name.localeCompare(b.name));

/** One `operation` selector per resource, then every operation's own parameters. */
export function operationProperties(): INodeProperties[] {
	return [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['approval'] } },
			options: optionsOf('approval'),
			default: 'create',
		},
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['comment'] } },
			options: optionsOf('comment'),
			default: 'add',
		},
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['step'] } },
			options: optionsOf('step'),
			default: 'getAll',
		},
		...OPERATIONS.flatMap((o) => o.properties),
	];
}
