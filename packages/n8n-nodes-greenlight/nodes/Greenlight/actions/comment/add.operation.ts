import { simpleOperation } from '../operation';

export const add = simpleOperation({
	resource: 'comment',
	value: 'add',
	name: 'Add',
	action: 'Add a comment to an approval request',
	actionKey: 'add_comment',
	successStatuses: [201],
});
