import { z } from './zod.ts';
import { Timestamp } from './common.ts';
import { Priority } from './approvals.ts';
import { ActionTypeGlob, POLICY_LIMITS } from './policies.ts';

// WebAuthn JSON (the shapes @simplewebauthn/browser sends and receives) is checked by the server's
// WebAuthn library; the contract only bounds it.
const WebAuthnJson = z.record(z.string(), z.unknown()).openapi('WebAuthnJson', {
  description: 'A WebAuthn options or response object in its JSON form (base64url fields), as @simplewebauthn/browser uses it',
});

export const Passkey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    credential_id: z.string().openapi({ description: 'The WebAuthn credential id, base64url' }),
    transports: z.array(z.string()),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable(),
  })
  .openapi('Passkey');
export type Passkey = z.infer<typeof Passkey>;

export const PasskeyList = z.object({ data: z.array(Passkey) }).openapi('PasskeyList');

export const PasskeyOptions = z
  .object({ options: WebAuthnJson })
  .openapi('PasskeyOptions', { description: 'Options for navigator.credentials; the challenge in them works once, for five minutes' });

export const FinishPasskeyRegistrationBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ description: 'What to call this passkey in the list' }),
    response: WebAuthnJson,
  })
  .strict()
  .openapi('FinishPasskeyRegistrationBody');

export const FinishStepUpBody = z.object({ response: WebAuthnJson }).strict().openapi('FinishStepUpBody');

export const StepUpStatus = z
  .object({
    stepped_up_until: Timestamp.nullable().openapi({ description: 'Until when this session counts as confirmed with a passkey (null: not now)' }),
  })
  .openapi('StepUpStatus');

/**
 * The organization's step-up rule: which requests only a passkey-confirmed dashboard session may
 * decide. Empty lists (the default): none.
 */
export const StepUpSettings = z
  .strictObject({
    priorities: z
      .array(Priority)
      .max(4)
      .openapi({ description: 'Requests of these priorities need a passkey confirmation before anyone decides them' }),
    action_types: z
      .array(ActionTypeGlob)
      .max(POLICY_LIMITS.actionTypesMax)
      .openapi({ description: 'Requests whose `action_type` matches one of these globs (as routing rules and policies match it) need one too' }),
  })
  .openapi('StepUpSettings', {
    description:
      'Requests a person decides only from a dashboard session confirmed with a passkey in the last five minutes (`POST /api/v1/me/step-up`). ' +
      'Every other way of deciding them (email links, Slack and Telegram buttons, API keys, OAuth connections, MCP) is refused with ' +
      '403 STEP_UP_REQUIRED and, in the channels, answered with a link to the request on the dashboard. `viewer_can.decide` says so ' +
      'beforehand (`reason_code: step_up_required`).',
  });
export type StepUpSettings = z.infer<typeof StepUpSettings>;
