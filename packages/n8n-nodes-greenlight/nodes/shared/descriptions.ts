import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

/** Every Greenlight node takes an API key or an OAuth2 connection, picked by `authentication`. */
export const credentials: INodeCredentialDescription[] = [
	{ name: 'greenlightApi', required: true, displayOptions: { show: { authentication: ['apiKey'] } } },
	{ name: 'greenlightOAuth2Api', required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
];

export const authentication: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'API Key', value: 'apiKey' },
		{ name: 'OAuth2', value: 'oAuth2' },
	],
	default: 'apiKey',
};
