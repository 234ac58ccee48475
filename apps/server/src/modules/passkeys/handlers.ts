import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

// The router admits dashboard sessions only (SESSION_ONLY), so auth.user and auth.sessionTokenHash are set.

export const listPasskeys: Handler<Routes['listPasskeys']> = async ({ auth, deps }) => ({
  status: 200,
  body: { data: await passkeys.listPasskeysOf(deps.db, auth.user!.id) },
});

export const beginPasskeyRegistration: Handler<Routes['beginPasskeyRegistration']> = async ({ auth, deps }) => ({
  status: 200,
  body: { options: await passkeys.beginRegistration(deps.db, deps.config, auth.user!, auth.sessionTokenHash!) },
});

export const finishPasskeyRegistration: Handler<Routes['finishPasskeyRegistration']> = async ({ auth, deps, body }) => ({
  status: 201,
  body: await passkeys.finishRegistration(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!, body.name, body.response),
});

export const deletePasskey: Handler<Routes['deletePasskey']> = async ({ auth, deps, params }) => ({
  status: 200,
  body: { data: await passkeys.deletePasskeyOf(deps.db, auth.user!.id, params.id) },
});

export const beginStepUp: Handler<Routes['beginStepUp']> = async ({ auth, deps }) => ({
  status: 200,
  body: { options: await passkeys.beginStepUp(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!) },
});

export const finishStepUp: Handler<Routes['finishStepUp']> = async ({ auth, deps, body }) => ({
  status: 200,
  body: await passkeys.finishStepUp(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!, body.response),
});
