import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';
import { BASE_URL_PROPERTY, CREDENTIAL_ICON } from '../nodes/shared/credential-fields';

/**
 * An API key made in Greenlight (Settings → API keys, or `greenlight-admin connection create`), sent as
 * a Bearer token. The test asks `/api/v1/me`, which any valid key may read whatever its scopes.
 */
export class GreenlightApi implements ICredentialType {
	name = 'greenlightApi';

	displayName = 'Greenlight API';

	icon: Icon = CREDENTIAL_ICON;

	documentationUrl = 'https://github.com/greenlight/greenlight/tree/main/packages/n8n-nodes-greenlight#credentials';

	properties: INodeProperties[] = [
		BASE_URL_PROPERTY,
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
