import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';
import { GreenlightRequestAndWaitV1 } from './GreenlightRequestAndWaitV1.version';
import { GreenlightRequestAndWaitV2 } from './GreenlightRequestAndWaitV2.version';

/**
 * Version 2 (the default) continues on one output with the decision. Version 1 had one output per
 * decision, which n8n's resume cannot serve (it passes on the first output only); it stays so that
 * existing workflows load, and fails closed.
 */
export class GreenlightRequestAndWait extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Greenlight Request and Wait',
			name: 'greenlightRequestAndWait',
			icon: { light: 'file:greenlight.svg', dark: 'file:greenlight.dark.svg' },
			group: ['transform'],
			description: 'Request an approval and pause the workflow until a person approves or rejects it',
			defaultVersion: 2,
		};
		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new GreenlightRequestAndWaitV1(baseDescription),
			2: new GreenlightRequestAndWaitV2(baseDescription),
		};
		super(nodeVersions, baseDescription);
	}
}
