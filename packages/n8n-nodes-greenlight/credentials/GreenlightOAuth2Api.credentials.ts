import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';
import { BASE_URL_PROPERTY, CREDENTIAL_ICON } from '../nodes/shared/credential-fields';

/**
 * "Connect with Greenlight": authorization code with PKCE (S256) against the server's own OAuth
 * 2.0 endpoints, derived from the base URL. Register n8n's redirect URL
 * (`https://<your-n8n>/rest/oauth2-credential/callback`) as the client's redirect URI; the grant
 * becomes a connection of the user who allowed it, revocable in Greenlight.
 */
export class GreenlightOAuth2Api implements ICredentialType {
	name = 'greenlightOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Greenlight OAuth2 API';

	icon: Icon = CREDENTIAL_ICON;

	documentationUrl = 'https://github.com/greenlight/greenlight/tree/main/packages/n8n-nodes-greenlight#credentials';

	properties: INodeProperties[] = [
		BASE_URL_PROPERTY,
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'pkce',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: '={{$self["baseUrl"].replace(/\\/+$/, "")}}/oauth/authorize',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{$self["baseUrl"].replace(/\\/+$/, "")}}/oauth/token',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'approvals:read approvals:write comments:write',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// client_secret_basic: Greenlight's clients are confidential and refuse a secret sent both ways.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
	];
}
