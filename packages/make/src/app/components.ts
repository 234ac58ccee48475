/**
 * The Make app as data. Everything mechanical (fields, options, limits, help, interfaces,
 * samples, event types) comes from @greenlight/triggers, which takes it from the contract; what is
 * written here is Make-specific wiring: requests, pagination, trigger and error directives.
 * `scripts/generate.ts` writes it to Make's local-development layout.
 */
import {
  ACTIONS,
  APPROVAL_ANSWER_OUTPUT_FIELDS,
  APPROVAL_ITEM_OUTPUT_FIELDS,
  COMMENT_OUTPUT_FIELDS,
  SCOPES,
  STEP_OUTPUT_FIELDS,
  SAMPLE_DECIDED_APPROVAL,
  SAMPLE_PENDING_APPROVAL,
  approvalDecidedTrigger,
  newApprovalTrigger,
  DECISION_OUTCOMES,
  DECISION_TIME_FIELDS,
  OUTCOME_SOURCES,
  WEBHOOKS_PATH,
  type ActionKey,
  type FieldDescriptor,
} from '@greenlight/triggers';
import { errorDirective } from './errors.ts';
import { toInterface, toParam, valueIml, type MakeParam } from './params.ts';

export type Json = unknown;

export const CONNECTION_OAUTH = 'greenlightOauth';
export const CONNECTION_API_KEY = 'greenlightApiKey';
export const WEBHOOK_DECISIONS = 'greenlightDecisions';
export const RPC_PENDING = 'listPendingApprovals';
export const RPC_RECENT = 'listRecentApprovals';

export type ModuleType = 'action' | 'search' | 'trigger' | 'instant_trigger';

export interface ModuleDef {
  id: string;
  label: string;
  description: string;
  moduleType: ModuleType;
  actionCrud?: 'create' | 'read' | 'update' | 'delete';
  webhook?: string;
  communication?: Json;
  epoch?: Json;
  staticParams: MakeParam[];
  mappableParams: MakeParam[];
  interface: MakeParam[];
  samples: Json;
  /** OAuth scopes the module needs (shown by Make when the connection lacks one). */
  scope?: string[];
}

export interface ConnectionDef {
  id: string;
  label: string;
  connectionType: 'oauth' | 'basic';
  communication: Json;
  params: MakeParam[];
  common: Json;
  scopeList?: Record<string, string>;
  defaultScope?: string[];
}

export interface WebhookDef {
  id: string;
  label: string;
  webhookType: 'web' | 'web-shared';
  communication: Json;
  params: MakeParam[];
  attach: Json;
  detach: Json;
  requiredScope: string[];
}

export interface RpcDef {
  id: string;
  label: string;
  communication: Json;
  params: MakeParam[];
}

const AUTH_HEADER = 'Bearer {{ifempty(connection.accessToken, connection.apiKey)}}';

export const BASE = {
  baseUrl: '{{connection.baseUrl}}',
  headers: { authorization: AUTH_HEADER },
  // The API's failures → Make's error types and the message every platform shows (./errors.ts).
  response: { error: errorDirective() },
  log: { sanitize: ['request.headers.authorization'] },
};

const BASE_URL_PARAM: MakeParam = {
  name: 'baseUrl',
  label: 'Greenlight URL',
  type: 'url',
  required: true,
  help: 'The address of your Greenlight server, without a trailing slash, e.g. https://greenlight.example.com',
  validate: { pattern: '^https?://[^\\s]*[^/\\s]$' },
};

// ---------------------------------------------------------------------------------------------
// Connections

/** Base64url without padding (RFC 7636 §4.2) from Make's built-in sha256 in base64. */
const challengeIml = "{{replace(replace(replace(sha256(temp.codeVerifier, 'base64'), '/[+]/g', '-'), '/[/]/g', '_'), '/=+$/', '')}}";

/**
 * RFC 7636 §4.1 wants 43–128 characters of unreserved text; Make's documented `{{uuid}}` gives 36.
 * Two v4 UUIDs without dashes give 64 hexadecimal characters (244 random bits).
 */
const verifierIml = "{{replace(uuid, '/-/g', '')}}{{replace(uuid, '/-/g', '')}}";

const tokenSanitize = ['request.body.client_secret', 'request.body.code', 'request.body.code_verifier', 'request.body.refresh_token', 'response.body.access_token', 'response.body.refresh_token'];

const oauthError = {
  message: '[{{statusCode}}] {{ifempty(body.error, body.error.code)}}: {{ifempty(body.error_description, body.error.message)}}',
  type: 'InvalidAccessTokenError',
};

export const OAUTH_CONNECTION: ConnectionDef = {
  id: CONNECTION_OAUTH,
  label: 'Greenlight (OAuth 2.0)',
  connectionType: 'oauth',
  communication: {
    authorize: {
      temp: { codeVerifier: verifierIml },
      url: '{{parameters.baseUrl}}/oauth/authorize',
      qs: {
        response_type: 'code',
        client_id: '{{parameters.clientId}}',
        redirect_uri: '{{oauth.localRedirectUri}}',
        scope: "{{join(oauth.scope, ' ')}}",
        code_challenge: challengeIml,
        code_challenge_method: 'S256',
      },
      response: { temp: { code: '{{query.code}}' } },
    },
    token: {
      url: '{{parameters.baseUrl}}/oauth/token',
      method: 'POST',
      type: 'urlencoded',
      body: {
        grant_type: 'authorization_code',
        code: '{{temp.code}}',
        redirect_uri: '{{oauth.localRedirectUri}}',
        client_id: '{{parameters.clientId}}',
        client_secret: '{{parameters.clientSecret}}',
        code_verifier: '{{temp.codeVerifier}}',
      },
      response: {
        data: { accessToken: '{{body.access_token}}', refreshToken: '{{body.refresh_token}}', expires: '{{addSeconds(now, body.expires_in)}}' },
        // Refresh tokens live 180 days and slide with each refresh.
        expires: '{{addDays(now, 180)}}',
        error: oauthError,
      },
      log: { sanitize: tokenSanitize },
    },
    info: {
      url: '{{parameters.baseUrl}}/api/v1/me',
      headers: { authorization: 'Bearer {{data.accessToken}}' },
      response: {
        uid: '{{body.user.id}}',
        metadata: { type: 'text', value: '{{body.user.email}} ({{body.org.name}})' },
        error: oauthError,
      },
      log: { sanitize: ['request.headers.authorization'] },
    },
    refresh: {
      condition: '{{data.refreshToken}}',
      url: '{{parameters.baseUrl}}/oauth/token',
      method: 'POST',
      type: 'urlencoded',
      body: {
        grant_type: 'refresh_token',
        refresh_token: '{{data.refreshToken}}',
        client_id: '{{parameters.clientId}}',
        client_secret: '{{parameters.clientSecret}}',
      },
      response: {
        // Refresh tokens rotate: keep the new one.
        data: {
          accessToken: '{{body.access_token}}',
          refreshToken: '{{ifempty(body.refresh_token, data.refreshToken)}}',
          expires: '{{addSeconds(now, body.expires_in)}}',
        },
        expires: '{{addDays(now, 180)}}',
        error: oauthError,
      },
      log: { sanitize: tokenSanitize },
    },
    invalidate: {
      url: '{{parameters.baseUrl}}/oauth/revoke',
      method: 'POST',
      type: 'urlencoded',
      body: {
        token: '{{data.refreshToken}}',
        token_type_hint: 'refresh_token',
        client_id: '{{parameters.clientId}}',
        client_secret: '{{parameters.clientSecret}}',
      },
      log: { sanitize: ['request.body.token', 'request.body.client_secret'] },
    },
  },
  params: [
    BASE_URL_PARAM,
    {
      name: 'clientId',
      label: 'Client ID',
      type: 'text',
      required: true,
      help: 'From `greenlight-admin oauth-client create --name Make --redirect-uri https://www.make.com/oauth/cb/app`, or the dashboard (OAuth clients).',
    },
    { name: 'clientSecret', label: 'Client Secret', type: 'password', required: true, help: 'Shown once when the client is created.' },
  ],
  common: {},
  scopeList: {
    'approvals:read': 'Read approval requests, their comments, steps and events',
    'approvals:write': 'Create, decide and cancel approval requests; manage webhook subscriptions',
    'comments:write': 'Comment on approval requests',
  },
  defaultScope: [...SCOPES],
};

export const API_KEY_CONNECTION: ConnectionDef = {
  id: CONNECTION_API_KEY,
  label: 'Greenlight (API key)',
  connectionType: 'basic',
  communication: {
    url: '{{parameters.baseUrl}}/api/v1/me',
    headers: { authorization: 'Bearer {{parameters.apiKey}}' },
    response: {
      uid: '{{body.connection.id}}',
      metadata: { type: 'text', value: '{{body.connection.name}} ({{body.org.name}})' },
      error: BASE.response.error,
    },
    log: { sanitize: ['request.headers.authorization'] },
  },
  params: [
    BASE_URL_PARAM,
    { name: 'apiKey', label: 'API key', type: 'password', required: true, help: 'A Greenlight API key (gk_…), from the dashboard or `greenlight-admin connection create`.' },
  ],
  common: {},
};

// ---------------------------------------------------------------------------------------------
// Webhook (instant trigger) and RPCs

const decisionEvents = approvalDecidedTrigger.eventTypes;

/**
 * `outcomeOf` / `outcomeOfStatus` of @greenlight/triggers written in IML, generated from the same
 * table so the rule exists once: an event type's outcome (approved only when the request it carries
 * also says approved), or a status's. Anything else gives ''.
 */
function outcomeIml(source: { event?: string; status: string }): string {
  const test = (o: (typeof DECISION_OUTCOMES)[number]) => {
    const { event, status } = OUTCOME_SOURCES[o];
    if (!source.event) return `${source.status} = '${status}'`;
    return o === 'approved' ? `${source.event} = '${event}' and ${source.status} = '${status}'` : `${source.event} = '${event}'`;
  };
  return DECISION_OUTCOMES.reduceRight((rest, o) => `if(${test(o)}, '${o}', ${rest})`, "''");
}

/**
 * A decided request as a bundle: every field of the request, plus `outcome` and `approved` (true
 * only for the outcome approved). Make has no spread, so the fields are listed from the sample,
 * which a test parses with the contract's schema.
 */
function decidedOutput(approval: string, source: { event?: string; status: string }): Record<string, string> {
  const fields = Object.fromEntries(Object.keys(SAMPLE_DECIDED_APPROVAL).map((k) => [k, `{{${approval}.${k}}}`]));
  return { ...fields, outcome: `{{${outcomeIml(source)}}}`, approved: `{{${outcomeIml(source)} = 'approved'}}` };
}

const DELIVERY = { event: 'body.type', status: 'body.data.approval.status' };

/** The fields every decided bundle adds to the request. */
const DECIDED_INTERFACE: MakeParam[] = [
  { name: 'outcome', label: 'Outcome', type: 'text', help: 'approved, rejected, cancelled or expired' },
  { name: 'approved', label: 'Approved', type: 'boolean', help: 'Yes only when the request was approved. Route on this.' },
];
const decidedSample = (a: typeof SAMPLE_DECIDED_APPROVAL) => ({ ...a, outcome: a.status, approved: a.status === 'approved' });

export const DECISIONS_WEBHOOK: WebhookDef = {
  id: WEBHOOK_DECISIONS,
  label: 'Greenlight decisions',
  webhookType: 'web',
  // Every delivery (subscription or callback) is a WebhookPayload; the bundle is the request as decided,
  // the same item the polling "Watch Decisions" gives. A body that is no decision (an unknown event,
  // an approval whose request does not say approved, garbage) makes no bundle: the scenario does not run.
  communication: { condition: `{{${outcomeIml(DELIVERY)} != ''}}`, output: decidedOutput('body.data.approval', DELIVERY) },
  params: [
    {
      name: 'subscribe',
      label: 'Subscribe to every decision in the organization',
      type: 'boolean',
      default: true,
      required: true,
      help: 'Yes: Greenlight sends every decision below to this webhook. No: only requests created with this webhook’s address as their Callback URL reach it (the waiting pattern).',
    },
    {
      name: 'events',
      label: 'Outcomes',
      type: 'select',
      multiple: true,
      required: true,
      default: [...decisionEvents],
      options: decisionEvents.map((e) => ({ label: e.replace('approval.', '').replace(/^./, (c) => c.toUpperCase()), value: e })),
      help: 'Which outcomes the subscription receives.',
    },
  ],
  attach: {
    condition: '{{parameters.subscribe}}',
    url: `{{connection.baseUrl}}${WEBHOOKS_PATH}`,
    method: 'POST',
    headers: { authorization: AUTH_HEADER },
    body: { url: '{{webhook.url}}', events: '{{parameters.events}}', description: 'Make: Watch Decisions' },
    response: { data: { externalHookId: '{{body.id}}' }, error: BASE.response.error },
    log: { sanitize: ['request.headers.authorization', 'response.body.secret'] },
  },
  detach: {
    condition: '{{webhook.externalHookId}}',
    url: `{{connection.baseUrl}}${WEBHOOKS_PATH}/{{webhook.externalHookId}}`,
    method: 'DELETE',
    headers: { authorization: AUTH_HEADER },
    // Already gone (deleted in Greenlight, or after a 410) is what detaching wants.
    response: { valid: '{{statusCode < 300 or statusCode = 404}}', error: BASE.response.error },
    log: { sanitize: ['request.headers.authorization'] },
  },
  requiredScope: ['approvals:write'],
};

const pageToken = {
  qs: { page_token: '{{body.next_page_token}}' },
  condition: '{{body.next_page_token}}',
};

function approvalOptionsRpc(id: string, label: string, status?: string): RpcDef {
  return {
    id,
    label,
    communication: {
      url: '/api/v1/approvals',
      qs: { ...(status ? { status } : {}), sort: '-created_at', page_size: 100 },
      pagination: pageToken,
      response: {
        limit: 300,
        iterate: '{{body.data}}',
        output: { label: '{{item.title}} ({{item.status}}, {{formatDate(item.created_at, "YYYY-MM-DD HH:mm")}})', value: '{{item.id}}' },
      },
    },
    params: [],
  };
}

export const RPCS: RpcDef[] = [
  approvalOptionsRpc(RPC_PENDING, 'Pending approval requests', 'pending'),
  approvalOptionsRpc(RPC_RECENT, 'Recent approval requests'),
];

// ---------------------------------------------------------------------------------------------
// Modules

const field = (action: ActionKey, key: string): FieldDescriptor => {
  const f = ACTIONS[action].fields.find((x) => x.key === key);
  if (!f) throw new Error(`${action} has no field ${key}`);
  return f;
};

/** The approval-id path parameter: a drop-down from an RPC, or a mapped value. */
const approvalIdParam = (action: ActionKey, rpc: string): MakeParam =>
  toParam(field(action, 'id'), { type: 'select', options: `rpc://${rpc}`, editable: true, mappable: true, mode: 'edit' } as Partial<MakeParam>);

const bodyFields = (action: ActionKey) => ACTIONS[action].fields.filter((f) => f.in === 'body');
const bodyOf = (action: ActionKey) => Object.fromEntries(bodyFields(action).map((f) => [f.key, valueIml(f)]));
const idPath = (path: string) => path.replace('{id}', '{{encodeURL(parameters.id)}}');

/** A request as a trigger's item (polled, or a webhook's): no viewer_can, which is an API caller's. */
const APPROVAL_INTERFACE = toInterface(APPROVAL_ITEM_OUTPUT_FIELDS);
/** A request as the API answers the connection: also what it may do with it (viewer_can). */
const ANSWER_INTERFACE = toInterface(APPROVAL_ANSWER_OUTPUT_FIELDS);
/**
 * The one request read by id or just created also carries its run (active step, each step's status)
 * and every reviewer's result (the contract's ApprovalDetail), shown as they come.
 */
const DETAIL_INTERFACE: MakeParam[] = [
  ...ANSWER_INTERFACE,
  { name: 'run', label: 'Run (steps and where they stand)', type: 'any' },
  { name: 'results', label: 'Reviewer results', type: 'array' },
];
const COMMENT_INTERFACE = toInterface(COMMENT_OUTPUT_FIELDS);
const STEP_INTERFACE = toInterface(STEP_OUTPUT_FIELDS);

const SAMPLE_COMMENT = {
  id: 'c0ffee00-1234-4abc-9def-0123456789ab',
  approval_request_id: SAMPLE_PENDING_APPROVAL.id,
  user_id: null,
  connection_id: SAMPLE_PENDING_APPROVAL.connection_id,
  author: { type: 'connection', id: SAMPLE_PENDING_APPROVAL.connection_id, name: 'Make' },
  body: 'Checked the database: no active subscriptions. Safe to proceed.',
  created_at: '2026-03-24T10:03:40.000Z',
};

const SAMPLE_STEP = {
  id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
  approval_request_id: SAMPLE_PENDING_APPROVAL.id,
  step_order: 1,
  approver_id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  status: 'pending',
  decided_at: null,
  decided_by: null,
  comment: null,
};

const LIMIT_PARAM = (label: string, dflt: number): MakeParam => ({
  name: 'limit',
  label,
  type: 'uinteger',
  default: dflt,
  required: true,
  validate: { min: 1 },
  help: 'The most bundles this module returns in one run.',
});

const requestApproval: ModuleDef = {
  id: 'requestApproval',
  label: ACTIONS.request_approval.label,
  description: 'Creates an approval request. To continue when it is decided, put the webhook address of a scenario that starts with "Watch Decisions (instant)" in Callback URL.',
  moduleType: 'action',
  actionCrud: 'create',
  communication: {
    url: ACTIONS.request_approval.path,
    method: 'POST',
    body: bodyOf('request_approval'),
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: bodyFields('request_approval').map((f) => toParam(f)),
  interface: DETAIL_INTERFACE,
  samples: SAMPLE_PENDING_APPROVAL,
  scope: ['approvals:write'],
};

const decideApproval: ModuleDef = {
  id: 'decideApproval',
  label: ACTIONS.decide.label,
  description: 'Approves or rejects a pending approval request (a vote when several approvals are required).',
  moduleType: 'action',
  actionCrud: 'update',
  communication: {
    url: idPath(ACTIONS.decide.path),
    method: 'PATCH',
    body: bodyOf('decide'),
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: [approvalIdParam('decide', RPC_PENDING), ...bodyFields('decide').map((f) => toParam(f))],
  interface: [...ANSWER_INTERFACE, { name: 'callback_delivered', label: 'Callback delivered', type: 'boolean' }],
  samples: { ...SAMPLE_DECIDED_APPROVAL, callback_delivered: true },
  scope: ['approvals:write'],
};

const cancelApproval: ModuleDef = {
  id: 'cancelApproval',
  label: ACTIONS.cancel.label,
  description: 'Cancels a pending approval request.',
  moduleType: 'action',
  actionCrud: 'update',
  communication: {
    url: idPath(ACTIONS.cancel.path),
    method: 'DELETE',
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: [approvalIdParam('cancel', RPC_PENDING)],
  interface: ANSWER_INTERFACE,
  samples: { ...SAMPLE_PENDING_APPROVAL, status: 'cancelled', cancelled_at: '2026-03-24T10:02:00.000Z', updated_at: '2026-03-24T10:02:00.000Z' },
  scope: ['approvals:write'],
};

const addComment: ModuleDef = {
  id: 'addComment',
  label: ACTIONS.add_comment.label,
  description: 'Adds a comment to an approval request, pending or decided.',
  moduleType: 'action',
  actionCrud: 'create',
  communication: {
    url: idPath(ACTIONS.add_comment.path),
    method: 'POST',
    body: bodyOf('add_comment'),
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: [approvalIdParam('add_comment', RPC_RECENT), ...bodyFields('add_comment').map((f) => toParam(f))],
  interface: COMMENT_INTERFACE,
  samples: SAMPLE_COMMENT,
  scope: ['comments:write'],
};

const configureSteps: ModuleDef = {
  id: 'configureSteps',
  label: ACTIONS.configure_steps.label,
  description: 'Sets the approval steps of a pending request: who approves, in which order.',
  moduleType: 'action',
  actionCrud: 'update',
  communication: {
    url: idPath(ACTIONS.configure_steps.path),
    method: 'POST',
    body: bodyOf('configure_steps'),
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: [approvalIdParam('configure_steps', RPC_PENDING), ...bodyFields('configure_steps').map((f) => toParam(f))],
  interface: [{ name: 'data', label: 'Steps', type: 'array', spec: STEP_INTERFACE }],
  samples: { data: [SAMPLE_STEP] },
  scope: ['approvals:write'],
};

const listQueryFields = ACTIONS.list_approvals.fields.filter((f) => f.in === 'query' && !['page', 'page_size'].includes(f.key));

const listApprovals: ModuleDef = {
  id: 'listApprovals',
  label: ACTIONS.list_approvals.label,
  description: 'Lists approval requests matching the filters, following every page up to the limit.',
  moduleType: 'search',
  actionCrud: 'read',
  communication: {
    url: ACTIONS.list_approvals.path,
    qs: { ...Object.fromEntries(listQueryFields.map((f) => [f.key, valueIml(f)])), page_size: 100 },
    pagination: pageToken,
    response: { limit: '{{parameters.limit}}', iterate: '{{body.data}}', output: '{{item}}' },
  },
  staticParams: [],
  mappableParams: [...listQueryFields.map((f) => toParam(f)), LIMIT_PARAM('Limit', 10)],
  interface: ANSWER_INTERFACE,
  samples: SAMPLE_PENDING_APPROVAL,
  scope: ['approvals:read'],
};

const getApproval: ModuleDef = {
  id: 'getApproval',
  label: ACTIONS.get_approval.label,
  description: 'Gets one approval request by its ID.',
  moduleType: 'search',
  actionCrud: 'read',
  communication: {
    url: idPath(ACTIONS.get_approval.path),
    response: { output: '{{body}}' },
  },
  staticParams: [],
  mappableParams: [approvalIdParam('get_approval', RPC_RECENT)],
  interface: DETAIL_INTERFACE,
  samples: SAMPLE_DECIDED_APPROVAL,
  scope: ['approvals:read'],
};

const findByExternalId: ModuleDef = {
  id: 'findApprovalByExternalId',
  label: ACTIONS.find_by_external_id.label,
  description: 'Finds the approval request with your own reference (External ID); returns nothing when there is none.',
  moduleType: 'search',
  actionCrud: 'read',
  communication: {
    url: ACTIONS.find_by_external_id.path,
    qs: { external_id: '{{parameters.external_id}}' },
    response: { iterate: '{{body.data}}', output: '{{item}}' },
  },
  staticParams: [],
  mappableParams: ACTIONS.find_by_external_id.fields.map((f) => toParam(f)),
  interface: ANSWER_INTERFACE,
  samples: SAMPLE_PENDING_APPROVAL,
  scope: ['approvals:read'],
};

const epochOutput = (date: string) => ({
  response: {
    limit: 300,
    iterate: '{{body.data}}',
    output: { label: '{{item.title}} ({{item.status}})', date },
  },
});

const watchNewApprovals: ModuleDef = {
  id: 'watchNewApprovals',
  label: newApprovalTrigger.label,
  description: newApprovalTrigger.description,
  moduleType: 'trigger',
  // created_at never changes, so Make's (date, id) cursor over a newest-first list is exact.
  communication: {
    url: newApprovalTrigger.polling.path,
    qs: { sort: newApprovalTrigger.polling.sort, page_size: 100 },
    pagination: pageToken,
    response: {
      limit: '{{parameters.limit}}',
      iterate: '{{body.data}}',
      output: '{{item}}',
      trigger: { type: 'date', order: 'desc', id: '{{item.id}}', date: '{{item.created_at}}' },
    },
  },
  epoch: epochOutput('{{item.created_at}}'),
  staticParams: [LIMIT_PARAM('Maximum number of returned requests', 10)],
  mappableParams: [],
  interface: APPROVAL_INTERFACE,
  samples: newApprovalTrigger.sample,
  scope: ['approvals:read'],
};

const outcomeField = approvalDecidedTrigger.inputFields[0]!;

/** When the request left `pending`: the first of the fields the trigger layer reads (DECISION_TIME_FIELDS). */
export const DECISION_TIME_IML = `{{${DECISION_TIME_FIELDS.slice(0, -1).reduceRight((rest, f) => `ifempty(item.${f}, ${rest})`, `item.${DECISION_TIME_FIELDS.at(-1)!}`)}}}`;

const watchDecisions: ModuleDef = {
  id: 'watchDecisions',
  label: `Watch Decisions`,
  description: `${approvalDecidedTrigger.description} Polls; "Watch Decisions (instant)" is immediate.`,
  moduleType: 'trigger',
  communication: {
    url: approvalDecidedTrigger.polling.path,
    qs: {
      status: "{{join(ifempty(parameters.outcomes, 'approved,rejected,expired,cancelled'), ',')}}",
      sort: approvalDecidedTrigger.polling.sort,
      // Bounds each poll: a decision is listed again by every poll for this long after its last change.
      updated_after: "{{formatDate(addDays(now, -parameters.lookbackDays), 'YYYY-MM-DDTHH:mm:ss.SSS[Z]')}}",
      page_size: 100,
    },
    pagination: pageToken,
    response: {
      limit: '{{parameters.limit}}',
      iterate: '{{body.data}}',
      output: decidedOutput('item', { status: 'item.status' }),
      // Listed by updated_at (which comments move), keyed by the decision time (which they do not):
      // Make must read the whole window and sort, hence `unordered`.
      trigger: { type: 'date', order: 'unordered', id: '{{item.id}}', date: DECISION_TIME_IML },
    },
  },
  epoch: epochOutput(DECISION_TIME_IML),
  staticParams: [
    toParam(outcomeField, { name: 'outcomes', type: 'select', multiple: true, options: outcomeField.options!.map((o) => ({ label: o.label, value: o.value })) }),
    {
      name: 'lookbackDays',
      label: 'Look-back window (days)',
      type: 'uinteger',
      default: 30,
      required: true,
      validate: { min: 1, max: 365 },
      help: 'Each poll reads requests changed within this window. Schedule the scenario to run more often than this.',
    },
    LIMIT_PARAM('Maximum number of returned decisions', 10),
  ],
  mappableParams: [],
  interface: [...APPROVAL_INTERFACE, ...DECIDED_INTERFACE],
  samples: decidedSample(approvalDecidedTrigger.sample),
  scope: ['approvals:read'],
};

const watchDecisionsInstant: ModuleDef = {
  id: 'watchDecisionsInstant',
  label: 'Watch Decisions (instant)',
  description: 'Triggers immediately when an approval request is decided, through a webhook that Greenlight calls. Also the receiving end of the waiting pattern: use its webhook address as a request’s Callback URL.',
  moduleType: 'instant_trigger',
  webhook: WEBHOOK_DECISIONS,
  staticParams: [],
  mappableParams: [],
  interface: [...APPROVAL_INTERFACE, ...DECIDED_INTERFACE],
  samples: decidedSample(SAMPLE_DECIDED_APPROVAL),
};

export const MODULES: ModuleDef[] = [
  watchNewApprovals,
  watchDecisions,
  watchDecisionsInstant,
  requestApproval,
  decideApproval,
  cancelApproval,
  addComment,
  configureSteps,
  listApprovals,
  getApproval,
  findByExternalId,
];

export const GROUPS = [
  { label: 'Triggers', modules: ['watchNewApprovals', 'watchDecisions', 'watchDecisionsInstant'] },
  { label: 'Approval requests', modules: ['requestApproval', 'decideApproval', 'cancelApproval', 'configureSteps'] },
  { label: 'Comments', modules: ['addComment'] },
  { label: 'Searches', modules: ['listApprovals', 'getApproval', 'findApprovalByExternalId'] },
];

export const CONNECTIONS: ConnectionDef[] = [OAUTH_CONNECTION, API_KEY_CONNECTION];
export const WEBHOOKS: WebhookDef[] = [DECISIONS_WEBHOOK];
