import type { Icon, INodeProperties } from 'n8n-workflow';

/** What both ways of connecting to Greenlight (API key, OAuth 2.0) show and ask alike. */
export const CREDENTIAL_ICON: Icon = {
	light: 'file:../nodes/Greenlight/greenlight.svg',
	dark: 'file:../nodes/Greenlight/greenlight.dark.svg',
};

/** The server's address, from which every API and OAuth endpoint is derived. */
export const BASE_URL_PROPERTY: INodeProperties = {
	displayName: 'Base URL',
	name: 'baseUrl',
	type: 'string',
	default: '',
	placeholder: 'https://greenlight.example.com',
	description: 'Where your Greenlight server answers, without /api/v1',
	required: true,
};
