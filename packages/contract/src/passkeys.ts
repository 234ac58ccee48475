import { z } from './zod.ts';
import { Timestamp } from './common.ts';

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
