import { simpleOperation } from '../operation';

export const getAll = simpleOperation({
	resource: 'step',
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many steps of an approval request',
	actionKey: 'list_steps',
	successStatuses: [200],
	list: true,
});
