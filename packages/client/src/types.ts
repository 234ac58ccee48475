import type { components, operations } from './generated/openapi.ts';

/**
 * Request and response types of every operation, derived from the types openapi-typescript
 * generates from the contract's openapi.json: a route added to the contract is typed here after
 * `pnpm generate`, with nothing written by hand.
 */

/** Operations answered with JSON (the event stream is Server-Sent Events). */
export type OperationId = {
  [K in keyof operations]: [ResponseOf<K>] extends [never] ? never : K;
}[keyof operations];

type Op<K extends keyof operations> = operations[K];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type SuccessStatus = 200 | 201 | 202 | 204;

export type ResponseOf<K extends keyof operations> = {
  [S in keyof Op<K>['responses']]: S extends SuccessStatus ? JsonOf<Op<K>['responses'][S]> : never;
}[keyof Op<K>['responses']];

export type PathParamsOf<K extends keyof operations> = NonNullable<Op<K>['parameters']['path']>;
export type QueryOf<K extends keyof operations> = NonNullable<Op<K>['parameters']['query']>;
export type BodyOf<K extends keyof operations> = JsonOf<NonNullable<Op<K>['requestBody']>>;

export interface CallOptions {
  /** Sent as `Idempotency-Key`; `approvals.create` generates one when absent. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Per attempt; defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
}

export type RequestInput<K extends keyof operations> = ([PathParamsOf<K>] extends [never]
  ? { params?: undefined }
  : { params: PathParamsOf<K> }) &
  ([QueryOf<K>] extends [never] ? { query?: undefined } : { query?: QueryOf<K> }) &
  ([BodyOf<K>] extends [never] ? { body?: undefined } : { body: BodyOf<K> }) &
  CallOptions;

type Schemas = components['schemas'];
export type Approval = Schemas['Approval'];
export type ApprovalList = Schemas['ApprovalList'];
export type CreateApprovalRequest = Schemas['CreateApprovalRequest'];
export type DecideApprovalRequest = Schemas['DecideApprovalRequest'];
export type DecisionResult = Schemas['DecisionResult'];
export type WaitResult = Schemas['WaitResult'];
export type ApprovalEvent = Schemas['ApprovalEvent'];
export type Comment = Schemas['Comment'];
export type Step = Schemas['Step'];
export type Webhook = Schemas['Webhook'];
export type CreatedWebhook = Schemas['CreatedWebhook'];
export type WebhookPayload = Schemas['WebhookPayload'];
export type Delivery = Schemas['Delivery'];
export type Me = Schemas['Me'];
export type ListApprovalsQuery = QueryOf<'listApprovals'>;
/** What a request asks the reviewer to answer when approving (a flat form); see the contract's `ResponseSchema`. */
export type ResponseSchema = NonNullable<Approval['response_schema']>;
export type ResponseField = Schemas['ResponseField'];
/** The reviewer's answer to a request's `response_schema`, validated and with defaults filled in. */
export type Answer = NonNullable<Approval['response']>;
/** One field the approving reviewer changed: its value as requested and as approved. */
export type Edit = Schemas['Edit'];
/** What was approved: `metadata` and `changes` with the reviewer's edits applied. */
export type ApprovedContent = NonNullable<Approval['approved_content']>;
/** New values for fields of a request's `editable`, by path, as a decision gives them. */
export type Edits = NonNullable<DecideApprovalRequest['edits']>;
