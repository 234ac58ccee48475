import { SCIM_BASE_PATH, SCIM_SCHEMAS } from '@greenlight/contract';
import { LIST_COUNT } from './resources.ts';

/**
 * RFC 7644 §4: what this service provider supports, its resource types and their schemas, as Okta's
 * and Entra's connectors read them. Only what is implemented is claimed: PATCH and filtering yes;
 * bulk, sorting, ETags and password changes no.
 */
export function serviceProviderConfig(publicUrl: string) {
  return {
    schemas: [SCIM_SCHEMAS.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: LIST_COUNT.max },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "The organization's SCIM token, created by an admin (Settings → SCIM provisioning), in the Authorization header as Bearer",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${publicUrl}${SCIM_BASE_PATH}/ServiceProviderConfig` },
  };
}

export function resourceTypes(publicUrl: string) {
  return [
    { name: 'User', endpoint: '/Users', description: 'A person of the organization', schema: SCIM_SCHEMAS.user, id: 'User' },
    { name: 'Group', endpoint: '/Groups', description: 'A team of the organization', schema: SCIM_SCHEMAS.group, id: 'Group' },
  ].map((t) => ({
    schemas: [SCIM_SCHEMAS.resourceType],
    ...t,
    meta: { resourceType: 'ResourceType', location: `${publicUrl}${SCIM_BASE_PATH}/ResourceTypes/${t.id}` },
  }));
}

type Attribute = {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable';
  returned: 'always' | 'default';
  uniqueness: 'none' | 'server';
  description: string;
  subAttributes?: Attribute[];
};

const attr = (name: string, description: string, over: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  description,
  ...over,
});

const USER_ATTRIBUTES: Attribute[] = [
  attr('userName', "The person's sign-in email; unique in the organization", { required: true, uniqueness: 'server' }),
  attr('name', "The person's name", {
    type: 'complex',
    subAttributes: [attr('givenName', 'Given name'), attr('familyName', 'Family name'), attr('formatted', 'The full name, as Greenlight shows it')],
  }),
  attr('displayName', 'The name shown for the person'),
  attr('emails', 'Email addresses; the primary (or work) one is kept', {
    type: 'complex',
    multiValued: true,
    subAttributes: [attr('value', 'The address'), attr('type', 'work, home or other'), attr('primary', 'Whether it is the primary address', { type: 'boolean' })],
  }),
  attr('active', 'Whether the person has access to the organization; false ends their sessions, keys, grants and subscriptions and takes them off pending steps', {
    type: 'boolean',
  }),
];

const GROUP_ATTRIBUTES: Attribute[] = [
  attr('displayName', "The team's name; unique in the organization, ignoring case", { required: true, uniqueness: 'server' }),
  attr('members', 'The people in the team', {
    type: 'complex',
    multiValued: true,
    subAttributes: [attr('value', "The User's id", { mutability: 'immutable' }), attr('display', "The person's name", { mutability: 'readOnly' })],
  }),
];

export function schemas(publicUrl: string) {
  return [
    { id: SCIM_SCHEMAS.user, name: 'User', description: 'A person of the organization', attributes: USER_ATTRIBUTES },
    { id: SCIM_SCHEMAS.group, name: 'Group', description: 'A team of the organization', attributes: GROUP_ATTRIBUTES },
  ].map((s) => ({ schemas: [SCIM_SCHEMAS.schema], ...s, meta: { resourceType: 'Schema', location: `${publicUrl}${SCIM_BASE_PATH}/Schemas/${s.id}` } }));
}
