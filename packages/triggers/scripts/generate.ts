// Writes src/generated/contract.ts: the contract's constants and every action's input fields, from
// packages/contract (EVENT_TYPES and friends) and its openapi.json (field types, descriptions,
// defaults, limits). Labels are ours; help text is the contract's description, and a hand-written
// one below only where the contract has none. CI runs `pnpm generate` and fails on a diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ALTERNATE_SPELLINGS,
  APPROVAL_STATUSES,
  EVENT_TYPES,
  ON_EXPIRY,
  PRIORITIES,
  SCOPES,
  SORTS,
  STEP_STATUSES,
  WAIT_TIMEOUT,
  CALLBACK_EVENT_TYPES,
  ERROR_STATUS,
} from '@greenlight/contract';
import type { ActionDescriptor, FieldDescriptor, FieldOption, FieldType, OutputField } from '../src/fields.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: string[];
  description?: string;
  example?: unknown;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
};
type Parameter = { name: string; in: 'query' | 'path' | 'header'; required?: boolean; description?: string; schema: Schema };
type Operation = { operationId: string; summary?: string; description?: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };

const openapi = JSON.parse(readFileSync(new URL('../../contract/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const operations = new Map<string, { method: string; path: string; op: Operation }>();
for (const [path, methods] of Object.entries(openapi.paths)) {
  for (const [method, op] of Object.entries(methods)) operations.set(op.operationId, { method: method.toUpperCase(), path, op });
}

function resolve(s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/components/schemas/', '');
  const target = openapi.components.schemas[name];
  if (!target) throw new Error(`unresolved ${s.$ref}`);
  return resolve(target);
}

/** `allOf` (an object extended, or given its own description) as one schema: the parts' properties together. */
function merged(s: Schema): Schema {
  const r = resolve(s);
  if (!r.allOf) return r;
  const parts = r.allOf.map(merged);
  const properties = Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, Schema>;
  const base = parts.find((p) => p.type !== undefined) ?? {};
  return { ...base, ...(Object.keys(properties).length > 0 ? { type: 'object', properties } : {}), description: r.description ?? parts.find((p) => p.description)?.description };
}

/** `null` unions (`anyOf: [X, {type: 'null'}]`, `type: [X, 'null']`) describe the same field as X. */
function nonNull(s: Schema): { schema: Schema; nullable: boolean } {
  const r = resolve(s);
  const alts = r.anyOf ?? r.oneOf;
  if (alts) {
    const rest = alts.filter((a) => resolve(a).type !== 'null');
    if (rest.length === 1) return { schema: { ...resolve(rest[0]!), description: r.description ?? resolve(rest[0]!).description }, nullable: true };
  }
  if (Array.isArray(r.type)) {
    const types = r.type.filter((t) => t !== 'null');
    return { schema: { ...r, type: types.length === 1 ? types[0] : types }, nullable: types.length < r.type.length };
  }
  return { schema: r, nullable: false };
}

// ── labels and help ──────────────────────────────────────────────────────────────────────────

const WORDS: Record<string, string> = { id: 'ID', url: 'URL', uuid: 'UUID', sha256: 'SHA-256', json: 'JSON' };
const humanize = (key: string) =>
  key
    .split(/[_.]/)
    .map((w, i) => WORDS[w] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(' ');

const LABELS: Record<string, string> = {
  id: 'Approval Request ID',
  stepId: 'Step ID',
  callback_url: 'Callback URL',
  callback_headers: 'Callback Headers',
  expires_at: 'Expires At',
  on_expiry: 'On Expiry',
  required_approvals: 'Required Approvals',
  is_sequential: 'Approve Steps in Order',
  external_id: 'External ID',
  idempotency_key: 'Idempotency Key',
  action_type: 'Action Type',
  page_size: 'Page Size',
  created_after: 'Created After',
  updated_after: 'Updated After',
  decided_after: 'Decided After',
  search: 'Search',
  approver_id: 'Approver ID',
  step_order: 'Step Order',
  team_id: 'Team ID',
  quorum: 'Quorum',
  body: 'Comment',
};

/** Only where the contract has no description of its own (the contract's text always wins). */
const HELP: Record<string, string> = {
  id: 'The ID of the approval request (a UUID)',
  stepId: 'The ID of the step to vote on (a UUID), from "List Steps"',
  priority: 'How urgent the request is; approvers see it in their inbox',
  decision: 'Approve or reject the request',
  'decide.comment': 'Why you decided this way; shown in the audit trail and sent with the callback',
  'vote_step.comment': 'Why you voted this way; shown in the audit trail',
  'decide.source': 'Where the decision was made, for the audit trail',
  external_id: 'Your own reference for the request, unique within your organization',
  action_type: 'Only requests with this action type',
  source: 'Only requests from this integration',
  created_after: 'Only requests created after this time',
  updated_after: 'Only requests changed after this time',
  decided_after: 'Only requests decided after this time',
  sort: 'Order of the results',
  body: 'The comment text (markdown)',
  steps: 'The approvers, one per step; steps are decided in `step_order` when the request is sequential',
  approver_id: 'A member of the organization',
  team_id: 'A team of the organization, instead of an approver',
  quorum: 'With a team: how many of its members must approve (a number, or all)',
  step_order: 'Position of the step (1 = first)',
  type: 'Kind of entity, e.g. user, invoice, deployment',
  name: 'Display name of the entity',
  before: 'The object before the action (JSON), or empty',
  after: 'The object after the action (JSON), or empty',
  'resource.id': 'The entity’s ID in your system',
  'find_by_external_id.external_id': 'The external ID given when the request was created',
};

const helpFor = (action: string, path: string, key: string, s: Schema, outer?: string) =>
  s.description ?? outer ?? HELP[`${action}.${path}`] ?? HELP[path] ?? HELP[key] ?? '';

const options = (values: readonly string[]): FieldOption[] => values.map((v) => ({ value: v, label: humanize(v.replace(/^-/, '')) + (v.startsWith('-') ? ' (newest first)' : v.includes('_at') ? ' (oldest first)' : '') }));

function fieldType(s: Schema): FieldType {
  if (s.enum) return 'select';
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'string') {
    if (s.format === 'date-time') return 'datetime';
    if (s.format === 'uri') return 'url';
    if (s.format === 'uuid') return 'uuid';
    if ((s.maxLength ?? 0) > 1000) return 'text';
    return 'string';
  }
  if (t === 'integer') return 'integer';
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'array') {
    const item = s.items ? resolve(s.items) : undefined;
    if (item?.enum) return 'multiselect';
    return item?.properties ? 'list' : 'json';
  }
  if (t === 'object') {
    if (s.properties) return 'object';
    const ap = s.additionalProperties;
    if (ap && typeof ap === 'object' && resolve(ap).type === 'string') return 'dictionary';
    return 'json';
  }
  return 'json';
}

/** Fields whose value is itself a document (a JSON Schema): one JSON input, not a form of its keywords. */
const DOCUMENT_FIELDS = new Set(['response_schema']);

function describe(action: string, key: string, raw: Schema, required: boolean, where: FieldDescriptor['in'], path = key, outerHelp?: string): FieldDescriptor {
  const { schema: s } = nonNull(raw);
  const type = where === 'path' ? 'uuid' : DOCUMENT_FIELDS.has(path) ? 'json' : fieldType(s);
  const field: FieldDescriptor = {
    key,
    label: LABELS[path] ?? LABELS[key] ?? humanize(key),
    help: helpFor(action, path, key, s, outerHelp),
    type,
    required,
    in: where,
  };
  if (s.enum && type === 'select') field.options = options(s.enum);
  if (type === 'multiselect' && s.items) field.options = options(resolve(s.items).enum ?? []);
  if (s.default !== undefined) field.default = s.default;
  if (s.example !== undefined) field.example = s.example;
  if (s.minLength !== undefined) field.minLength = s.minLength;
  if (s.maxLength !== undefined) field.maxLength = s.maxLength;
  if (s.minimum !== undefined) field.minimum = s.minimum;
  if (s.maximum !== undefined) field.maximum = s.maximum;
  const shape = type === 'object' ? s : type === 'list' && s.items ? resolve(s.items) : undefined;
  if (shape?.properties) {
    const req = new Set(shape.required ?? []);
    field.children = Object.entries(shape.properties).map(([k, v]) => describe(action, k, v, req.has(k), where, `${path}.${k}`));
  }
  return field;
}

/** List filters that the API takes as comma-separated text are shown as multi-selects. */
const COMMA_LISTS: Record<string, readonly string[]> = { status: APPROVAL_STATUSES, priority: PRIORITIES };

function paramFields(action: string, op: Operation, where: 'path' | 'query', keep: (name: string) => boolean): FieldDescriptor[] {
  return (op.parameters ?? [])
    .filter((p) => p.in === where && keep(p.name))
    .map((p) => {
      const f = describe(action, p.name, p.schema, p.required ?? where === 'path', where, p.name, p.description);
      const list = where === 'query' ? COMMA_LISTS[p.name] : undefined;
      if (list) {
        // The contract describes the wire format (comma-separated text); a multi-select hides it.
        f.help = `Only requests with one of these ${p.name === 'status' ? 'statuses' : 'priorities'}`;
        f.type = 'multiselect';
        f.options = options(list);
        f.serialize = 'comma';
        delete f.example;
      }
      return f;
    });
}

function bodyFields(action: string, op: Operation, drop: readonly string[]): FieldDescriptor[] {
  const schema = op.requestBody?.content['application/json']?.schema;
  if (!schema) return [];
  const s = resolve(schema);
  const req = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {})
    .filter(([k]) => !drop.includes(k) && !(ALTERNATE_SPELLINGS as readonly string[]).includes(k))
    .map(([k, v]) => describe(action, k, v, req.has(k), 'body'));
}

interface ActionSpec {
  key: string;
  label: string;
  operationId: string;
  description?: string;
  query?: (name: string) => boolean;
  dropBody?: readonly string[];
  requiredQuery?: readonly string[];
}

const LIST_PAGING = new Set(['page', 'page_token']);
const ACTION_SPECS: ActionSpec[] = [
  { key: 'request_approval', label: 'Request Approval', operationId: 'createApproval' },
  {
    key: 'request_approval_and_wait',
    label: 'Request Approval and Wait',
    operationId: 'createApproval',
    description:
      'Creates an approval request whose callback is this workflow’s resume URL, and waits until a person approves or rejects it ' +
      '(or it expires or is cancelled).',
    // The platform's own resume URL is the callback; nothing else may replace it, nor resume an engine instead.
    dropBody: ['callback_url', 'callback_headers', 'resume'],
  },
  {
    key: 'decide',
    label: 'Approve or Reject',
    operationId: 'decideApproval',
    // A standing grant is a person's, given where they decide; the server refuses one from an automation.
    dropBody: ['grant'],
  },
  { key: 'cancel', label: 'Cancel Approval Request', operationId: 'cancelApproval' },
  { key: 'add_comment', label: 'Add Comment', operationId: 'createComment' },
  { key: 'get_approval', label: 'Get Approval Request', operationId: 'getApproval' },
  {
    key: 'find_by_external_id',
    label: 'Find Approval Request by External ID',
    operationId: 'listApprovals',
    description: 'Finds the approval request created with this external ID, if any.',
    query: (n) => n === 'external_id',
    requiredQuery: ['external_id'],
  },
  { key: 'list_approvals', label: 'List / Search Approval Requests', operationId: 'listApprovals', query: (n) => !LIST_PAGING.has(n) },
  { key: 'list_comments', label: 'List Comments', operationId: 'listComments' },
  { key: 'list_steps', label: 'List Steps', operationId: 'listSteps' },
  { key: 'configure_steps', label: 'Configure Steps', operationId: 'configureSteps' },
  { key: 'vote_step', label: 'Vote on Step', operationId: 'voteStep' },
];

const actions: Record<string, ActionDescriptor> = {};
for (const spec of ACTION_SPECS) {
  const found = operations.get(spec.operationId);
  if (!found) throw new Error(`operation ${spec.operationId} is not in openapi.json`);
  const { op, method, path } = found;
  const fields = [
    ...paramFields(spec.key, op, 'path', () => true),
    ...paramFields(spec.key, op, 'query', spec.query ?? (() => true)),
    ...bodyFields(spec.key, op, spec.dropBody ?? []),
  ];
  for (const f of fields) if (spec.requiredQuery?.includes(f.key)) f.required = true;
  actions[spec.key] = {
    key: spec.key,
    label: spec.label,
    description: spec.description ?? [op.summary, op.description?.split('\n\n')[0]].filter(Boolean).join('. ').replace(/\.\./g, '.'),
    operationId: spec.operationId,
    method: method as ActionDescriptor['method'],
    path,
    fields,
  };
}

// ── output fields ────────────────────────────────────────────────────────────────────────────

function outputFields(schema: Schema, prefix = ''): OutputField[] {
  const s = nonNull(schema).schema;
  const out: OutputField[] = [];
  for (const [k, raw] of Object.entries(s.properties ?? {})) {
    // An object given more properties or its own description (`allOf`) lists its fields like any other.
    const object = merged(raw);
    const v = object.properties ? object : nonNull(raw).schema;
    const key = prefix ? `${prefix}.${k}` : k;
    // A document (the request's response schema) is one value to map, not a list of its keywords.
    if (DOCUMENT_FIELDS.has(key)) out.push({ key, label: LABELS[k] ?? humanize(k), type: 'json' });
    else if (v.properties) out.push(...outputFields(v, key));
    else out.push({ key, label: (prefix ? humanize(prefix) + ': ' : '') + (LABELS[k] ?? humanize(k)), type: fieldType(v) });
  }
  return out;
}

const schemas = openapi.components.schemas;
const need = (name: string) => {
  const s = schemas[name];
  if (!s) throw new Error(`schema ${name} is not in openapi.json`);
  return s;
};

// A request in two shapes: as the API answers a caller (with what that caller may do, `viewer_can`),
// and as a trigger item, which a callback or subscription delivery carries without viewer_can (it is an
// API caller's), so a polled and a pushed item look alike.
const approvalAnswerFields = outputFields(need('Approval'));
const isViewerCan = (f: OutputField) => f.key === 'viewer_can' || f.key.startsWith('viewer_can.');
if (!approvalAnswerFields.some(isViewerCan)) throw new Error('the Approval schema has no viewer_can: the two request field lists would be one');
const approvalItemFields = approvalAnswerFields.filter((f) => !isViewerCan(f));
const out = `// Generated by packages/triggers/scripts/generate.ts from packages/contract. Do not edit:
// change the contract (or the labels in the script) and run \`pnpm generate\`.
import type { ActionDescriptor, OutputField } from '../fields.ts';

export const EVENT_TYPES = ${JSON.stringify(EVENT_TYPES)} as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const CALLBACK_EVENT_TYPES = ${JSON.stringify(CALLBACK_EVENT_TYPES)} as const;
export const APPROVAL_STATUSES = ${JSON.stringify(APPROVAL_STATUSES)} as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const PRIORITIES = ${JSON.stringify(PRIORITIES)} as const;
export const ON_EXPIRY = ${JSON.stringify(ON_EXPIRY)} as const;
export const STEP_STATUSES = ${JSON.stringify(STEP_STATUSES)} as const;
export const SORTS = ${JSON.stringify(SORTS)} as const;
export const SCOPES = ${JSON.stringify(SCOPES)} as const;
export const WAIT_TIMEOUT = ${JSON.stringify(WAIT_TIMEOUT)} as const;
/** Every error code the API answers with, and the HTTP status it always carries. */
export const ERROR_STATUS = ${JSON.stringify(ERROR_STATUS, null, 2)} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export type ActionKey = ${Object.keys(actions).map((k) => JSON.stringify(k)).join(' | ')};
export const ACTIONS: Record<ActionKey, ActionDescriptor> = ${JSON.stringify(actions, null, 2)};

/** A request as the API answers a caller (actions and searches): with \`viewer_can\`, what the caller may do with it. */
export const APPROVAL_ANSWER_OUTPUT_FIELDS: OutputField[] = ${JSON.stringify(approvalAnswerFields, null, 2)};
/** A request as a trigger item (polled, or pushed by a callback or subscription): no \`viewer_can\`, which is an API caller's. */
export const APPROVAL_ITEM_OUTPUT_FIELDS: OutputField[] = ${JSON.stringify(approvalItemFields, null, 2)};
export const COMMENT_OUTPUT_FIELDS: OutputField[] = ${JSON.stringify(outputFields(need('Comment')), null, 2)};
export const STEP_OUTPUT_FIELDS: OutputField[] = ${JSON.stringify(outputFields(need('Step')), null, 2)};
export const PRINCIPAL_OUTPUT_FIELDS: OutputField[] = ${JSON.stringify(outputFields(need('Principal')), null, 2)};
`;

const target = fileURLToPath(new URL('../src/generated/contract.ts', import.meta.url));
writeFileSync(target, out);
console.log(`wrote ${target}`);
