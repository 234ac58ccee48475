import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * An API key made in Greenlight (Settings → API keys, or `greenlight-admin connection create`), sent as
 * a Bearer token. The test asks `/api/v1/me`, which any valid key may read whatever its scopes.
 */
export class GreenlightApi implements ICredentialType {
	name = 'greenlightApi';

	displayName = 'Greenlight API';

	icon: Icon = {
		light: 'file:../nodes/Greenlight/greenlight.svg',
		dark: 'file:../nodes/Greenlight/greenlight.dark.svg',
	};

	documentationUrl = 'https://github.com/greenlight/greenlight/tree/main/packages/n8n-nodes-greenlight#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://greenlight.example.com',
			description: 'Where your Greenlight server answers, without /api/v1',
			required: true,
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'gk_…',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/v1/me',
		},
	};
}
