import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { ACTIONS } from '../../../shared/generated/generated/contract';
import { operationProperties } from '../../../shared/properties';
import { actionRequest, greenlightRequest } from '../../../shared/transport';
import type { Operation } from '../operation';

const action = ACTIONS.list_approvals;
const show = { resource: ['approval'], operation: ['getAll'] };
/** The page size is the node's business (from Limit / Return All), not a filter. */
const filterFields = action.fields.filter((f) => f.key !== 'page_size');
const filterAction = { ...action, fields: filterFields };
const pageSizeField = action.fields.find((f) => f.key === 'page_size');
const MAX_PAGE = pageSizeField?.maximum ?? 100;

const { optional: filters } = operationProperties(filterFields, show, { name: 'filters', displayName: 'Filters', placeholder: 'Add Filter' });

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		displayOptions: { show },
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		displayOptions: { show: { ...show, returnAll: [false] } },
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
	...(filters ? [filters] : []),
];

interface Page {
	data: IDataObject[];
	next_page_token: string | null;
}

export const getAll: Operation = {
	resource: 'approval',
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many approval requests',
	description: 'List and search approval requests, newest first unless sorted otherwise',
	properties,
	async run(itemIndex) {
		const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
		const limit = returnAll ? Infinity : (this.getNodeParameter('limit', itemIndex, 50) as number);
		const { query } = actionRequest.call(this, filterAction, this.getNodeParameter('filters', itemIndex, {}) as IDataObject, itemIndex);
		const out: IDataObject[] = [];
		let token: string | null = null;
		// The keyset cursor (`page_token`): requests created while paging neither shift nor repeat rows.
		do {
			const pageSize = Math.min(MAX_PAGE, limit - out.length);
			const page = (await greenlightRequest.call(
				this,
				{
					method: 'GET',
					path: action.path,
					query: { ...query, page_size: String(pageSize), ...(token ? { page_token: token } : {}) },
					successStatuses: [200],
				},
				itemIndex,
			)) as Page;
			out.push(...page.data.slice(0, limit - out.length));
			token = page.next_page_token;
		} while (token && out.length < limit);
		return out;
	},
};
