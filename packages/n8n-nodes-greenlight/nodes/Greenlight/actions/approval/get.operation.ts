import { simpleOperation } from '../operation';

export const get = simpleOperation({
	resource: 'approval',
	value: 'get',
	name: 'Get',
	action: 'Get an approval request',
	actionKey: 'get_approval',
	successStatuses: [200],
});
