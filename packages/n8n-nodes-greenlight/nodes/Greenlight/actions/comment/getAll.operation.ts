import { simpleOperation } from '../operation';

export const getAll = simpleOperation({
	resource: 'comment',
	value: 'getAll',
	name: 'Get Many',
	action: 'Get many comments of an approval request',
	actionKey: 'list_comments',
	successStatuses: [200],
	list: true,
});
