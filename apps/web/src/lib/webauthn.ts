import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { api } from '../api/client.ts';

/**
 * The two passkey ceremonies, each a server challenge (kept on the session, single-use), the browser's
 * WebAuthn call (@simplewebauthn/browser) and the server's check. The server verifies everything; the
 * options it sends are passed through as they are.
 */
export async function registerPasskey(name: string) {
  const { options } = await api('beginPasskeyRegistration', {});
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return api('finishPasskeyRegistration', { body: { name, response: response as unknown as Record<string, unknown> } });
}

/** Confirms this session with one of the person's passkeys: it then counts as stepped up for five minutes. */
export async function stepUpWithPasskey() {
  const { options } = await api('beginStepUp', {});
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return api('finishStepUp', { body: { response: response as unknown as Record<string, unknown> } });
}
