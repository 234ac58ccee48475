import { PRIORITIES } from '@greenlight/contract';

/**
 * The action's inputs and outputs, declared once: `scripts/build.ts` writes them into `action.yml`
 * (what GitHub reads) and `main.ts` reads them by these names, so the two cannot disagree.
 */
export interface InputSpec {
  description: string;
  required?: boolean;
  /** GitHub's default, written into action.yml (an expression such as `${{ github.token }}` is allowed there). */
  default?: string;
}

export const INPUTS = {
  url: { description: "The Greenlight server's URL, e.g. https://greenlight.example.com", required: true },
  'api-key': { description: 'An API key with approvals:read and approvals:write, from a secret (never written in the workflow)', required: true },
  title: { description: 'What needs approval, as the approver reads it', required: true },
  description: { description: "Context for the approver (markdown). Default: who started which workflow run, on which ref and commit, with the run's link" },
  priority: { description: `${PRIORITIES.join(', ')} (default: medium)` },
  'action-type': { description: 'A label for routing and filtering, e.g. deploy.production' },
  metadata: { description: "A JSON object sent with the request; the run's GitHub context is added under `github`" },
  'expires-in': { description: 'Expire the request if nobody decides within it (90s, 30m, 2h, 1d)' },
  timeout: {
    description: "How long the step waits for the decision (default 30m); keep it below the job's timeout-minutes",
    default: '30m',
  },
  'revocable-for': { description: 'Let an approver revoke the approval for this long after it (at most 1d); the step waits that window out' },
  'idempotency-key': {
    description:
      'The same key never asks twice. Default: repository, workflow run, attempt and job, so a re-run of the job asks again and a retried step does not',
  },
  'cancel-on-interrupt': {
    description: 'When the job is cancelled, withdraw the request (true) or leave it pending (false)',
    default: 'true',
  },
  source: { description: 'What is asking, as the request records it', default: 'github-action' },
  'response-schema': {
    description:
      'What the approver answers when approving, as a JSON Schema form (docs/answers.md), e.g. {"type":"object","properties":{"region":{"type":"string","enum":["eu","us"]}},"required":["region"]}; the answer is the output `response`',
  },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

export const OUTPUTS = {
  outcome: { description: 'approved, rejected, expired, cancelled or timed_out (empty on an error)' },
  'approval-id': { description: "The request's id" },
  'approval-url': { description: "The request's page on the dashboard" },
  comment: { description: "The decision's comment (the reviewer's reason on a rejection)" },
  response: { description: "The approver's answer to `response-schema` as a JSON object (read it with fromJSON); empty unless approved" },
  approval: { description: 'The whole request as JSON, as the API answers it' },
} as const satisfies Record<string, { description: string }>;

export type OutputName = keyof typeof OUTPUTS;
