import { simpleOperation } from '../operation';

export const vote = simpleOperation({
	resource: 'step',
	value: 'vote',
	name: 'Vote',
	action: 'Vote on a step of an approval request',
	actionKey: 'vote_step',
	successStatuses: [200],
});
