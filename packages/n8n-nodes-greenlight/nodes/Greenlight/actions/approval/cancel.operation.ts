import { simpleOperation } from '../operation';

export const cancel = simpleOperation({
	resource: 'approval',
	value: 'cancel',
	name: 'Cancel',
	action: 'Cancel an approval request',
	actionKey: 'cancel',
	successStatuses: [200],
});
