import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { callbackSecrets } from '../../channels/webhook/webhook-channel.ts';
import { iso } from '../../core/approval-record.ts';

/**
 * The secret that signs the org's callback_url deliveries, created on first read. Unlike a
 * subscription's, it can be read again: every automation that sets a callback_url needs it to verify
 * what arrives. It takes approvals:write, because whoever holds it can forge decisions to those receivers.
 */
export const getCallbackSecret: Handler<Routes['getCallbackSecret']> = async ({ auth, deps }) => {
  const s = await callbackSecrets(deps.db, auth.org.id);
  return {
    status: 200,
    body: { secret: s.secret, previous_secret_expires_at: iso(s.previous_expires_at), rotated_at: iso(s.rotated_at) },
  };
};
