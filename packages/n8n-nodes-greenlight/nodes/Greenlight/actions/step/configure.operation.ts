import { simpleOperation } from '../operation';

export const configure = simpleOperation({
	resource: 'step',
	value: 'configure',
	name: 'Configure',
	action: 'Configure the steps of an approval request',
	actionKey: 'configure_steps',
	successStatuses: [200, 201],
	list: true,
});
