import { simpleOperation } from '../operation';

// 200 is an idempotent replay (same idempotency key and body): the existing request, not an error.
export const create = simpleOperation({
	resource: 'approval',
	value: 'create',
	name: 'Create',
	action: 'Create an approval request',
	actionKey: 'request_approval',
	successStatuses: [200, 201],
});
