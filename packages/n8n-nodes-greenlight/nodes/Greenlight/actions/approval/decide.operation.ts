import { simpleOperation } from '../operation';

export const decide = simpleOperation({
	resource: 'approval',
	value: 'decide',
	name: 'Decide',
	action: 'Approve or reject an approval request',
	actionKey: 'decide',
	successStatuses: [200],
});
